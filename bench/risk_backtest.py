"""Fraud model and AML monitoring offline: train and backtest times and quality (target: the
backtest processes >= 5,000 events/s; train and backtest each under 900 s on ~60,000
transactions).

    python bench/risk_backtest.py [--customers 1900] [--days 120] [--seed 7] [--runs 3]

Simulates a history and its continuation (``coffer risk simulate``), times ``train`` on the
history once and ``backtest`` on the continuation ``--runs`` times (each in the same process
as the others, model folder loaded afresh each run), then evaluates the decisions against the
simulator's truth. Prints wall and CPU seconds (the machine is shared: the load average is
printed too), events/s and the ratio to 5,000 events/s, recall at 1% false-positive rate,
PR-AUC, the recall on fraud typologies held out of training, AML recall and precision.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(__file__))

TARGET_EVENTS_PER_SECOND = 5_000.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=1900)
    parser.add_argument("--days", type=int, default=120)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--train-fraction", type=float, default=0.5)
    args = parser.parse_args()

    from coffer.risk.backtest import backtest
    from coffer.risk.evaluate import evaluate
    from coffer.risk.simulate import simulate
    from coffer.risk.training import train

    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        summary = simulate(
            root,
            seed=args.seed,
            customers=args.customers,
            days=args.days,
            train_fraction=args.train_fraction,
        )
        print(
            f"simulated: train {summary.train_transactions} transactions "
            f"({summary.train_fraud} fraud), backtest {summary.events_transactions} "
            f"({summary.events_fraud} fraud), {summary.patterns} laundering patterns",
            flush=True,
        )
        cpu = time.process_time()
        wall = time.perf_counter()
        report = train(root / "train.jsonl", root / "model")
        print(
            f"train: {time.perf_counter() - wall:.1f} s wall, {time.process_time() - cpu:.1f} s "
            f"CPU for {report.transactions} transactions (limit 900 s); load average "
            f"{os.getloadavg()[0]:.1f}",
            flush=True,
        )
        rates: list[float] = []
        cpu_rates: list[float] = []
        for _ in range(args.runs):
            cpu = time.process_time()
            result = backtest(root / "events.jsonl", root / "decisions.jsonl", root / "model")
            cpu_seconds = time.process_time() - cpu
            rates.append(result.events_per_second)
            cpu_rates.append(result.events / cpu_seconds)
            print(
                f"backtest: {result.events} events ({result.transactions} transactions, "
                f"{result.alerts} alerts) in {result.seconds:.1f} s wall, {cpu_seconds:.1f} s "
                f"CPU: {result.events_per_second:,.0f} events/s; load average "
                f"{os.getloadavg()[0]:.1f}",
                flush=True,
            )
        rate = statistics.median(rates)
        cpu_rate = statistics.median(cpu_rates)
        print(
            f"backtest median: {rate:,.0f} events/s wall ({cpu_rate:,.0f} per CPU second); "
            f"ratio to 5,000/s: {rate / TARGET_EVENTS_PER_SECOND:.2f}x wall, "
            f"{cpu_rate / TARGET_EVENTS_PER_SECOND:.2f}x CPU"
        )
        quality = evaluate(root / "decisions.jsonl", root / "truth.jsonl")
        fraud = quality["fraud"]
        aml = quality["aml"]
        print(
            f"fraud: recall at 1% FPR {fraud['recall_at_1pct_fpr']:.3f}, PR-AUC "
            f"{fraud['pr_auc']:.3f}, held-out typologies recall "
            f"{fraud['held_out_recall_at_1pct_fpr'] or 0.0:.3f}"
        )
        for name, entry in fraud["per_typology"].items():
            held = " (held out of training)" if entry["held_out"] else ""
            print(
                f"  {name}: {entry['frauds']} frauds, recall {entry['recall_at_1pct_fpr']:.3f}{held}"
            )
        print(
            f"aml: {aml['patterns']} patterns, {aml['alerts']} alerts, recall "
            f"{aml['recall'] or 0.0:.3f}, precision {aml['precision'] or 0.0:.3f}"
        )
        for name, entry in aml["per_typology"].items():
            precision = entry.get("precision")
            shown = "-" if precision is None else f"{precision:.2f}"
            print(
                f"  {name}: found {entry['found']}/{entry['patterns']}, "
                f"{entry.get('alerts', 0)} alerts, precision {shown}"
            )


if __name__ == "__main__":
    main()

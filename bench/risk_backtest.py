"""Fraud model and AML monitoring offline: train and backtest times and quality (target: the
backtest processes >= 5,000 events/s; train and backtest each under 900 s on ~60,000
transactions), on the base world and on worlds shifted away from it.

    python bench/risk_backtest.py [--customers 1900] [--days 120] [--seeds 7] [--runs 3]
                                  [--variants base,merchants,shifted,independent]
                                  [--model-from base] [--held-out none]

For each variant (``coffer risk simulate --variant``) and seed: simulates a history and its
continuation, times ``train`` on the history once and ``backtest`` on the continuation
``--runs`` times (each in the same process as the others, model folder loaded afresh each
run), then evaluates the decisions against the simulator's truth. Prints wall and CPU seconds
(the machine is shared: the load average is printed too), events/s and the ratio to 5,000
events/s, recall at 1% false-positive rate, PR-AUC, the recall on fraud typologies held out
of training, AML recall and precision; at the end, per variant, the medians over the seeds.
With ``--model-from base``, each other world is also backtested with the model (trees,
calibration, anomaly forest) learned on the base world of the same seed and the state of its
own history: how a model developed on one simulator scores another one's transactions.
``--held-out none`` keeps no fraud typology out of training (``a,b``: those; default: each
world's own held-out typologies).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, os.path.dirname(__file__))

TARGET_EVENTS_PER_SECOND = 5_000.0
SUMMARY = (
    ("recall@1%FPR", "recall"),
    ("held-out", "held_out"),
    ("PR-AUC", "pr_auc"),
    ("AML recall", "aml_recall"),
    ("AML precision", "aml_precision"),
)


def _world(args: argparse.Namespace, variant: str, seed: int) -> dict[str, float]:
    from coffer.risk.backtest import backtest
    from coffer.risk.evaluate import evaluate
    from coffer.risk.simulate import simulate
    from coffer.risk.training import train

    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        summary = simulate(
            root,
            seed=seed,
            customers=args.customers,
            days=args.days,
            train_fraction=args.train_fraction,
            variant=variant,
            held_out=_held_out(args),
        )
        print(
            f"== {variant}, seed {seed}: train {summary.train_transactions} transactions "
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
        figures = _print_quality(evaluate(root / "decisions.jsonl", root / "truth.jsonl"))
        if args.model_from and args.model_from != variant:
            figures |= _foreign_model(args, root, seed)
    return figures | {"cpu_rate": cpu_rate}


def _held_out(args: argparse.Namespace) -> tuple[str, ...] | None:
    if not args.held_out:
        return None
    return () if args.held_out == "none" else tuple(args.held_out.split(","))


def _foreign_model(args: argparse.Namespace, root: Path, seed: int) -> dict[str, float]:
    """Backtest ``root``'s continuation with the model learned on ``--model-from``'s world
    (same seed) and the state of ``root``'s own history; figures under ``foreign_*`` keys."""
    from coffer.risk.backtest import backtest
    from coffer.risk.evaluate import evaluate
    from coffer.risk.simulate import simulate
    from coffer.risk.training import train

    with tempfile.TemporaryDirectory() as other:
        source = Path(other)
        simulate(
            source,
            seed=seed,
            customers=args.customers,
            days=args.days,
            train_fraction=args.train_fraction,
            variant=args.model_from,
            held_out=_held_out(args),
        )
        train(source / "train.jsonl", source / "model")
        for name in ("model.txt", "anomaly.joblib"):
            shutil.copy(source / "model" / name, root / "model" / name)
    backtest(root / "events.jsonl", root / "decisions.jsonl", root / "model")
    print(f"-- the same continuation, model learned on the {args.model_from} world:")
    quality = _print_quality(evaluate(root / "decisions.jsonl", root / "truth.jsonl"))
    return {f"foreign_{key}": value for key, value in quality.items()}


def _print_quality(quality: dict[str, Any]) -> dict[str, float]:
    fraud = quality["fraud"]
    aml = quality["aml"]
    figures = {
        "recall": fraud["recall_at_1pct_fpr"],
        "held_out": fraud["held_out_recall_at_1pct_fpr"] or 0.0,
        "pr_auc": fraud["pr_auc"],
        "aml_recall": aml["recall"] or 0.0,
        "aml_precision": aml["precision"] or 0.0,
    }
    print(
        f"fraud: recall at 1% FPR {figures['recall']:.3f}, PR-AUC {figures['pr_auc']:.3f}, "
        f"held-out typologies recall {figures['held_out']:.3f}"
    )
    for name, entry in fraud["per_typology"].items():
        held = " (held out of training)" if entry["held_out"] else ""
        print(f"  {name}: {entry['frauds']} frauds, recall {entry['recall_at_1pct_fpr']:.3f}{held}")
    print(
        f"aml: {aml['patterns']} patterns, {aml['alerts']} alerts, recall "
        f"{figures['aml_recall']:.3f}, precision {figures['aml_precision']:.3f}"
    )
    for name, entry in aml["per_typology"].items():
        precision = entry.get("precision")
        shown = "-" if precision is None else f"{precision:.2f}"
        print(
            f"  {name}: found {entry['found']}/{entry['patterns']}, "
            f"{entry.get('alerts', 0)} alerts, precision {shown}",
            flush=True,
        )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=1900)
    parser.add_argument("--days", type=int, default=120)
    parser.add_argument("--seeds", default="7", help="comma-separated simulation seeds")
    parser.add_argument("--runs", type=int, default=3, help="backtests per world (timing)")
    parser.add_argument("--train-fraction", type=float, default=0.5)
    parser.add_argument("--variants", default="base", help="e.g. base,shifted,independent")
    parser.add_argument("--model-from", default="", help="also score with this world's model")
    parser.add_argument("--held-out", default="", help="none, or typologies a,b")
    args = parser.parse_args()

    seeds = [int(seed) for seed in args.seeds.split(",")]
    table: dict[str, list[dict[str, float]]] = {}
    for variant in args.variants.split(","):
        for seed in seeds:
            table.setdefault(variant, []).append(_world(args, variant, seed))
    print(f"\nmedians over seeds {args.seeds} ({args.customers} customers, {args.days} days):")
    print("variant      " + "  ".join(f"{label:>13}" for label, _ in SUMMARY))
    for variant, rows in table.items():
        cells = [statistics.median(row[key] for row in rows) for _, key in SUMMARY]
        print(f"{variant:<12} " + "  ".join(f"{cell:>13.3f}" for cell in cells))
        if "foreign_recall" in rows[0]:
            cells = [statistics.median(row[f"foreign_{key}"] for row in rows) for _, key in SUMMARY]
            print(f"  model from {args.model_from}: " + "  ".join(f"{c:.3f}" for c in cells))


if __name__ == "__main__":
    main()

"""The assistant's questions and forecasts, measured.

    python bench/assistant_ask.py [--backend sqlite|postgresql] [--runs 3]
        [--scale 20] [--customers 10000]

1. Accuracy: the question set of ``coffer.assistant.evaluation`` (over 200 phrasings,
   English and Chinese, paraphrases and typos) over a synthetic customer with two years
   of history; expected values computed from the synthetic ground truth, not through the
   parser. Prints the share answered with the right value (target >= 95%), then each
   held-out batch (``coffer/assistant/data/questions``: phrasings written apart from the
   parser's vocabulary) on its own line, and the held-out phrasings again with one typo
   each (English) or filler words (Chinese), for three seeds.
2. Latency: ``Assistant.ask`` (the service path of the HTTP endpoint: the wallets
   service, imports, corrections, goals and budgets read from the database, then parse
   and answer) for a customer with about 10,000 imported transactions (``--scale 20``),
   over every question of the sets (the measured set and every held-out batch); p50
   and p95 per question (target p95 < 300 ms, ratio p95 / 300 ms).
3. Forecasts: a monthly forecast (every category, three months ahead) for ``--customers``
   customers with two years of monthly history each (target < 60 s, ratio seconds / 60),
   and its mean absolute error against the seasonal-naive baseline on the last three
   months held out (ratio < 1: better than the baseline).
"""

from __future__ import annotations

import argparse
import io
import math
import os
import random
import sys
import time
from typing import TYPE_CHECKING

sys.path.insert(0, os.path.dirname(__file__))
from common import fresh_database, median, report, signing_key_env

PII_KEY = "22" * 32

if TYPE_CHECKING:
    from coffer.assistant.evaluation import Outcome


def accuracy() -> float:
    from coffer.assistant.evaluation import BATCHES, Case, cases, heldout_cases, run
    from coffer.assistant.service import ask_data
    from coffer.assistant.synthetic import build

    synthetic = build()
    items = cases(synthetic)
    outcomes = run(lambda q: ask_data(synthetic.data, q, synthetic.today), items)
    right = sum(o.ok for o in outcomes)
    zh = [o for o in outcomes if _chinese(o.case.question)]
    print(f"questions: {len(items)} ({len(zh)} in Chinese), right {right}, "
          f"Chinese right {sum(o.ok for o in zh)}")  # fmt: skip
    _wrong(outcomes)
    share = right / len(items)
    print(f"share right: {share:.3f} (target 0.95)", flush=True)
    for name, rows in BATCHES:
        held = run(lambda q: ask_data(synthetic.data, q, synthetic.today),
                   heldout_cases(synthetic, rows))  # fmt: skip
        zh = [o for o in held if _chinese(o.case.question)]
        print(f"{name}: {sum(o.ok for o in held)}/{len(held)} right ({len(zh)} in Chinese, "
              f"{sum(o.ok for o in zh)} right)", flush=True)  # fmt: skip
        _wrong(held)
    for seed in (5, 11, 17):
        noisy = [Case(_noisy(c.question, random.Random(f"{seed}{c.question}")), c.intent, c.value,
                      c.period, c.check)
                 for _, rows in BATCHES for c in heldout_cases(synthetic, rows)]  # fmt: skip
        outcomes = run(lambda q: ask_data(synthetic.data, q, synthetic.today), noisy)
        print(f"held-out phrasings with a typo (seed {seed}): {sum(o.ok for o in outcomes)}/"
              f"{len(outcomes)} right", flush=True)  # fmt: skip
    return share


def _noisy(question: str, rng: random.Random) -> str:
    """One typo in an English word of five letters or more (a swap, a dropped, doubled or
    wrong letter); Chinese questions get a polite opening and a final particle."""
    if _chinese(question):
        return (
            rng.choice(["请问", "帮我查一下", "我想知道"])
            + question.rstrip("？?")
            + rng.choice(["呢", "啊", "？"])
        )
    words = question.split(" ")
    long = [i for i, w in enumerate(words) if len(w) >= 5 and w.isalpha()]
    if not long:
        return question
    i = rng.choice(long)
    w, k = words[i], rng.randrange(1, len(words[i]) - 1)
    words[i] = rng.choice([w[:k] + w[k + 1] + w[k] + w[k + 2 :], w[:k] + w[k + 1 :],
                           w[:k] + w[k] + w[k:], w[:k] + rng.choice("aeiostr") + w[k + 1 :]])  # fmt: skip
    return " ".join(words)


def _chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def _wrong(outcomes: list[Outcome]) -> None:
    for o in outcomes:
        if not o.ok:
            period = o.answer.get("period") or {}
            print(f"  wrong: {o.case.question!r} expected {o.case.intent} {o.case.value} "
                  f"{o.case.period} got {o.answer['intent']} {o.answer['value']} "
                  f"{period.get('start')}..{period.get('end')}")  # fmt: skip


def _csv(synthetic: object) -> str:
    out = io.StringIO()
    out.write("date,description,amount\n")
    for t in synthetic.data.transactions:  # type: ignore[attr-defined]
        whole, cents = divmod(abs(t.amount), 100)
        sign = "-" if t.amount < 0 else ""
        out.write(f"{t.date.isoformat()},{t.description},{sign}{whole}.{cents:02d}\n")
    return out.getvalue()


def latency(backend: str, scale: float, runs: int) -> list[float]:
    import coffer
    from coffer.assistant.evaluation import BATCHES, cases
    from coffer.assistant.service import Assistant
    from coffer.assistant.synthetic import build
    from coffer.wallets import WalletSettings, open_wallets
    from coffer.wallets import schemas as W

    synthetic = build(scale=scale)
    truth = {t.description: t for t in synthetic.data.transactions}

    def categorizer(lines: list[dict[str, object]]) -> list[dict[str, object]]:
        out = []
        for line in lines:
            t = truth.get(str(line["description"]))
            out.append({"primary": t.primary if t else None, "detailed": t.detailed if t else None,
                        "merchant": t.merchant if t else None, "confidence": 1.0})  # fmt: skip
        return out

    p95s = []
    with signing_key_env(), fresh_database(backend) as url:
        book = coffer.open(url)
        try:
            platform = open_wallets(book, WalletSettings(pii_key=PII_KEY, pii_key_id="bench"))
            customer = platform.wallets.create_customer(
                W.CustomerCreate(kind="natural", name="Bench")
            )
            assistant = Assistant(book.engine, platform.wallets, categorizer=categorizer,
                                  today=lambda: synthetic.today)  # fmt: skip
            started = time.perf_counter()
            result = assistant.import_statement(
                customer.id, "csv", _csv(synthetic), account_name="Bank"
            )
            print(f"imported {result['imported']} transactions in "
                  f"{time.perf_counter() - started:.1f} s ({backend})")  # fmt: skip
            questions = [c.question for c in cases(synthetic)]
            questions += [row[0] for _, rows in BATCHES for row in rows]
            assistant.ask(customer.id, questions[0])  # warm: categorize once
            for _ in range(runs):
                seconds = []
                for q in questions:
                    t0 = time.perf_counter()
                    assistant.ask(customer.id, q)
                    seconds.append(time.perf_counter() - t0)
                seconds.sort()
                p50 = seconds[len(seconds) // 2] * 1000
                p95 = seconds[math.ceil(len(seconds) * 0.95) - 1] * 1000
                print(f"ask over {len(questions)} questions: p50 {p50:.0f} ms, p95 {p95:.0f} ms")
                p95s.append(p95)
        finally:
            book.close()
    return p95s


def _series(rng: random.Random, months: int) -> tuple[list[float], list[int]]:
    base = rng.uniform(20_00, 600_00)
    december = rng.uniform(1.0, 1.8)
    summer = rng.uniform(0.8, 1.4)
    trend = rng.uniform(-0.01, 0.015)
    values = []
    calendar = []
    for i in range(months):
        month = (i % 12) + 1
        factor = december if month == 12 else summer if month in (7, 8) else 1.0
        values.append(max(base * factor * (1 + trend) ** i * rng.lognormvariate(0, 0.25), 0.0))
        calendar.append(month)
    return values, calendar


def forecasts(customers: int, categories: int = 8, months: int = 24) -> tuple[float, float]:
    from coffer.assistant.forecast import forecast_values, seasonal_naive

    rng = random.Random(11)
    data = [[_series(rng, months + 3) for _ in range(categories)] for _ in range(customers)]
    started = time.perf_counter()
    for rows in data:
        for values, calendar in rows:
            forecast_values(values[:months], calendar[:months], 3)
    seconds = time.perf_counter() - started
    method_error = naive_error = 0.0
    for rows in data[:2000]:
        for values, calendar in rows:
            predicted = forecast_values(values[:months], calendar[:months], 3)
            naive = seasonal_naive(values[:months], 3)
            for h in range(3):
                actual = values[months + h]
                method_error += abs(predicted[h][0] - actual)
                naive_error += abs(naive[h] - actual)
    ratio = method_error / naive_error
    print(f"forecast: {customers} customers x {categories} categories in {seconds:.1f} s "
          f"(ratio to 60 s: {seconds / 60:.3f}); MAE vs seasonal-naive: {ratio:.3f}")  # fmt: skip
    return seconds, ratio


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--scale", type=float, default=20.0, help="visits multiplier (20: about 10,150 lines)"
    )
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument(
        "--skip", choices=["accuracy", "latency", "forecast"], action="append", default=[]
    )
    args = parser.parse_args()
    if "accuracy" not in args.skip:
        accuracy()
    if "latency" not in args.skip:
        p95s = latency(args.backend, args.scale, args.runs)
        report("ask p95", p95s, "ms")
        print(f"ratio p95 / 300 ms: {median(p95s) / 300:.3f}", flush=True)
    if "forecast" not in args.skip:
        runs = [forecasts(args.customers) for _ in range(args.runs)]
        report("forecast seconds", [r[0] for r in runs], "s")
        print(
            f"ratio seconds / 60: {median([r[0] for r in runs]) / 60:.3f}; "
            f"MAE ratio to seasonal-naive: {runs[0][1]:.3f}",
            flush=True,
        )


if __name__ == "__main__":
    main()

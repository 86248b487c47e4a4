"""Categorization throughput and accuracy (targets: >= 2,000 lines/s; primary macro-F1 >= 0.85
at >= 90% coverage on lines whose merchants are not in the training data).

    .venv/bin/python bench/assistant_categorize.py [--runs 5] [--lines 3000]

Each run categorizes the held-out synthetic set (``coffer assistant categorize-generate``)
through the whole pipeline with a loaded model, and prints lines per second, the ratio to the
2,000 lines/s target, the model's load time and the held-out scores, then the scores on the
hand-written statement lines of real bank formats in ``bench/data`` (merchants in neither
the dictionary nor the training data, except where a line names a known brand).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from common import median, report

TARGET_LINES_PER_SECOND = 2000.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--lines", type=int, default=3000)
    args = parser.parse_args()

    from coffer.assistant.categorize import categorize
    from coffer.assistant.categorize.classifier import load_or_train
    from coffer.assistant.categorize.evaluation import score
    from coffer.assistant.categorize.merchants import _shop_words, find_merchant
    from coffer.assistant.categorize.normalize import clean_descriptor, fold
    from coffer.assistant.categorize.rules import STRONG, TRANSFER
    from coffer.assistant.categorize.synthetic import generate
    from coffer.assistant.taxonomy import primary_of

    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        load_or_train(folder)  # trains and caches
        train_seconds = time.perf_counter() - started
        started = time.perf_counter()
        model = load_or_train(folder)
        load_seconds = time.perf_counter() - started
    per_category = max(1, args.lines // 104 + 1)
    labelled = list(generate("heldout", per_category=per_category, seed=11))[: args.lines]
    lines = [line for line, _ in labelled]
    speeds: list[float] = []
    results = []
    for run in range(args.runs):
        fold.cache_clear()
        clean_descriptor.cache_clear()
        find_merchant.cache_clear()
        _shop_words.cache_clear()
        STRONG.cache_clear()
        TRANSFER.cache_clear()
        fresh = [
            line.__class__(
                f"{line.id}-{run}",
                line.description + " ",
                line.amount,
                line.currency,
                line.direction,
                line.mcc,
            )
            for line in lines
        ]
        started = time.perf_counter()
        results = categorize(fresh, predictor=model)
        speeds.append(len(fresh) / (time.perf_counter() - started))
    reference: list[float] = []
    for _ in range(args.runs):
        fold.cache_clear()
        started = time.perf_counter()
        for line in lines:
            fold(line.description + "  ")
        reference.append(len(lines) / (time.perf_counter() - started))
    report(f"categorize {len(lines)} held-out lines", speeds, "lines/s")
    report("reference: fold() alone on the same lines", reference, "lines/s")
    print(f"ratio categorize / fold alone: {median(speeds) / median(reference):.3f}")
    print(f"ratio to the 2,000 lines/s target: {median(speeds) / TARGET_LINES_PER_SECOND:.2f}")
    print(f"model: trained in {train_seconds:.1f} s, loaded from cache in {load_seconds:.2f} s")
    scores = score([primary_of(d) for _, d in labelled], [d for _, d in labelled], results)
    brands = [i for i, (line, _) in enumerate(labelled) if "-brand-" in line.id]
    brand_scores = score(
        [primary_of(labelled[i][1]) for i in brands],
        [labelled[i][1] for i in brands],
        [results[i] for i in brands],
    )
    print(
        f"held-out, unseen brand names only ({len(brands)} lines): primary macro-F1 "
        f"{brand_scores.macro_f1:.3f}, coverage {brand_scores.coverage:.3f}, "
        f"accuracy {brand_scores.accuracy:.3f}"
    )
    by_model = [i for i in brands if results[i].source.endswith("classifier")]
    if by_model:
        confidence = sum(results[i].confidence for i in by_model) / len(by_model)
        right = sum(results[i].primary == primary_of(labelled[i][1]) for i in by_model)
        print(
            f"calibration, unseen brands the classifier decided ({len(by_model)} lines): "
            f"mean confidence {confidence:.3f}, accuracy {right / len(by_model):.3f}; "
            f"abstention threshold (chosen on the validation fold) {model.threshold()}"
        )
    print(
        f"held-out: primary macro-F1 {scores.macro_f1:.3f}, coverage {scores.coverage:.3f}, "
        f"accuracy {scores.accuracy:.3f}, detailed accuracy {scores.detailed_accuracy:.3f}"
    )

    _hand_written(model)


def _hand_written(model: object) -> None:
    """Scores on the hand-written sets of ``bench/data``."""
    import json
    from pathlib import Path

    from coffer.assistant.categorize import categorize
    from coffer.assistant.categorize.evaluation import score
    from coffer.assistant.categorize.schemas import StatementLine

    folder = Path(__file__).parent / "data"
    for name in (
        "statement_lines_heldout.jsonl",
        "statement_lines_fresh.jsonl",
        "statement_lines_third.jsonl",
        "statement_lines_fourth.jsonl",
        "statement_lines_fifth.jsonl",
        "statement_lines_sixth.jsonl",
        "statement_lines_seventh.jsonl",
    ):
        rows = [json.loads(raw) for raw in (folder / name).read_text("utf-8").splitlines()]
        results = categorize([StatementLine.from_json(row) for row in rows], predictor=model)  # type: ignore[arg-type]
        scores = score([r["primary"] for r in rows], [r["detailed"] for r in rows], results)
        print(
            f"{name} ({scores.lines} lines): primary macro-F1 {scores.macro_f1:.3f}, "
            f"coverage {scores.coverage:.3f}, accuracy {scores.accuracy:.3f}, "
            f"detailed accuracy {scores.detailed_accuracy:.3f}"
        )


if __name__ == "__main__":
    main()

"""What a customer's corrections teach the categorizer (the per-customer correction model).

    .venv/bin/python bench/assistant_corrections.py [--per-category 30]

On the held-out synthetic set, a simulated customer corrects one wrongly categorized line of
each merchant (to its true category). The script prints the accuracy, before and after those
corrections, on the *other* lines of the corrected merchants (variants of their
descriptors: other amounts, dates, store numbers, boilerplate) and on every line of the
other merchants (which the corrections must not harm), and the ratio after / before.
"""

from __future__ import annotations

import argparse
import tempfile
from collections import defaultdict


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--per-category", type=int, default=30)
    args = parser.parse_args()

    from coffer.assistant.categorize import CategorizationContext, categorize
    from coffer.assistant.categorize.classifier import load_or_train
    from coffer.assistant.categorize.synthetic import generate
    from coffer.assistant.taxonomy import primary_of

    with tempfile.TemporaryDirectory() as folder:
        model = load_or_train(folder)
    labelled = list(generate("heldout", per_category=args.per_category, seed=11))
    lines = [line for line, _ in labelled]
    before = categorize(lines, predictor=model)
    by_merchant: dict[str, list[int]] = defaultdict(list)
    for index, result in enumerate(before):
        if result.merchant:
            by_merchant[result.merchant.casefold()].append(index)
    corrected: set[int] = set()
    taught: set[int] = set()
    for indexes in by_merchant.values():
        if len(indexes) < 2:
            continue
        wrong = [i for i in indexes if before[i].detailed != labelled[i][1]]
        if wrong:
            corrected.add(wrong[0])
            taught.update(i for i in indexes if i != wrong[0])
    context = CategorizationContext(
        examples=tuple((lines[i], labelled[i][1]) for i in sorted(corrected))
    )
    after = categorize(lines, context, predictor=model)

    def accuracy(results: list, indexes: list[int]) -> float:
        right = sum(
            1
            for i in indexes
            if results[i].primary is not None and results[i].primary == primary_of(labelled[i][1])
        )
        return right / max(1, len(indexes))

    same = sorted(taught)
    others = [i for i in range(len(lines)) if i not in taught and i not in corrected]
    print(f"{len(lines)} held-out lines; {len(corrected)} corrections, one per merchant")
    for name, indexes in (("other lines of corrected merchants", same),
                          ("lines of other merchants", others)):  # fmt: skip
        old, new = accuracy(before, indexes), accuracy(after, indexes)
        ratio = new / old if old else float("nan")
        print(f"{name} ({len(indexes)}): primary accuracy {old:.3f} -> {new:.3f} "
              f"(ratio {ratio:.2f})")  # fmt: skip


if __name__ == "__main__":
    main()

from __future__ import annotations

import numpy as np

from coffer.assistant.categorize import StatementLine, categorize
from coffer.assistant.categorize.calibration import (
    Calibration,
    choose_threshold,
    isotonic,
    macro_f1,
)
from coffer.assistant.categorize.classifier import TextClassifier, amount_index
from coffer.assistant.categorize.schemas import Categorization
from coffer.assistant.categorize.synthetic import generate, generate_with_brands


def test_isotonic_is_monotone_and_averages_violators() -> None:
    knots, values = isotonic([0.1, 0.2, 0.3, 0.4], [0.0, 1.0, 0.0, 1.0])
    assert list(values) == sorted(values)
    assert list(knots) == [0.1, 0.25, 0.4]
    assert list(values) == [0.0, 0.5, 1.0]
    calibration = Calibration(np.vstack([knots, knots]), np.vstack([values, 1 - values]), 0.2)
    raw = np.array([0.0, 0.25, 1.0])
    assert calibration.apply(raw, np.array([False] * 3)).tolist() == [0.0, 0.5, 1.0]
    assert calibration.apply(raw, np.array([True] * 3)).tolist() == [1.0, 0.5, 0.0]


def test_threshold_keeps_coverage_on_all_and_hard_lines() -> None:
    gold = ["A", "A", "B", "B", "B", "A", "B", "A", "B", "A"]
    confidences = [0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.95, 0.1]
    guesses = ["A", "A", "B", "B", "B", "A", "B", "A", "B", "B"]  # the last one wrong
    results = [
        Categorization(str(i), g, g, c, None, "classifier")
        for i, (g, c) in enumerate(zip(guesses, confidences, strict=True))
    ]
    hard = [False] * 10
    threshold = choose_threshold(gold, results, hard, min_coverage=0.9)
    assert 0.1 < threshold <= 0.9  # abstaining on the wrong line raises macro-F1
    assert macro_f1(gold, [None if r.confidence < threshold else r.primary for r in results]) > (
        macro_f1(gold, guesses)
    )
    # When the wrong line is one of the few hard ones, abstaining would cut their coverage.
    assert choose_threshold(gold, results, [False] * 8 + [True, True], min_coverage=0.9) == 0.0


def test_shipped_model_is_calibrated_with_a_validated_threshold(
    classifier: TextClassifier,
) -> None:
    assert classifier.calibration is not None
    threshold = classifier.threshold()
    assert threshold is not None and 0.0 <= threshold <= 0.7
    assert classifier.amount_prior is not None
    # A brand name and nothing else: the classifier is not sure of it.
    bare = StatementLine("b", "ZORBLIQUAN", 2350, "EUR", "debit")
    assert classifier.unknown_words([bare]).tolist() == [True]
    assert classifier.predict([bare])[0][1] < 0.9
    # Without an explicit threshold, the pipeline uses the model's.
    lines = [line for line, _ in generate("heldout", per_category=1, seed=5)]
    assert [r.primary for r in categorize(lines, predictor=classifier)] == [
        r.primary for r in categorize(lines, predictor=classifier, min_confidence=threshold)
    ]


def test_generate_with_brands_matches_generate() -> None:
    plain = list(generate("train", per_category=3, seed=4))
    with_brands = list(generate_with_brands("train", per_category=3, seed=4))
    assert [(x, d) for x, d, _ in with_brands] == plain
    assert all((b is not None) == ("-brand-" in x.id) for x, _, b in with_brands)


def test_amount_index_scales_currencies() -> None:
    euros = StatementLine("e", "X", 2350, "EUR", "debit")
    yen = StatementLine("y", "X", 3500, "JPY", "debit")
    assert amount_index(StatementLine("z", "X", 50, "EUR", "debit")) == 0
    assert amount_index(euros) == 5  # 23.50 EUR: log10 * 4
    assert abs(amount_index(yen) - amount_index(euros)) <= 1

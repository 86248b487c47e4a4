"""The expert rules tested on a whole batch at once fire exactly as row by row."""

from __future__ import annotations

import random

import numpy as np

from coffer.risk.features import FEATURE_INDEX, FEATURE_NAMES
from coffer.risk.rules import RULES, VECTOR_ROWS, fired, fired_rows, rule_score, rule_scores

# values on and around the rules' thresholds, NaN included
VALUES = (0.0, 1.0, 2.0, 3.0, 4.0, 0.4, 0.5, 0.6, 0.8, 6.9, 6.91, 7.0, 10.0, 11.5, -1.0, -1.2, -2.0)


def _rows(count: int, density: float, seed: int) -> list[list[float]]:
    rng = random.Random(seed)
    return [
        [
            rng.choice((*VALUES, float("nan"))) if rng.random() < density else 0.0
            for _ in FEATURE_NAMES
        ]
        for _ in range(count)
    ]


def test_a_batch_fires_as_each_row() -> None:
    for density in (0.2, 0.5, 0.9):
        rows = _rows(3_000, density, seed=int(density * 10))
        expected = [fired(row) for row in rows]
        assert any(expected) and not all(expected)
        assert fired_rows(np.asarray(rows, dtype=np.float64)) == expected
        small = rows[: VECTOR_ROWS - 1]  # below the batch size: row by row
        assert fired_rows(np.asarray(small, dtype=np.float64)) == expected[: len(small)]


def test_every_rule_fires_in_a_batch() -> None:
    rows = _rows(20_000, 0.9, seed=3)
    fired_names = {rule.name for found in fired_rows(np.asarray(rows)) for rule in found}
    assert fired_names == {rule.name for rule in RULES}


def test_one_row_answers_bools() -> None:
    row = [0.0] * len(FEATURE_NAMES)
    row[FEATURE_INDEX["device_cards_24h"]] = 3.0
    assert [rule.name for rule in fired(row)] == ["many_cards_one_device"]
    assert all(isinstance(rule.test(row), bool) for rule in RULES)


def test_rule_scores_equal_the_score_of_the_rules_that_fire() -> None:
    rows = _rows(3_000, 0.9, seed=5)
    expected = [rule_score(fired(row)) for row in rows]
    assert len(set(expected)) > 3
    assert rule_scores(np.asarray(rows, dtype=np.float64)).tolist() == expected
    small = np.asarray(rows[: VECTOR_ROWS - 1], dtype=np.float64)
    assert rule_scores(small).tolist() == expected[: VECTOR_ROWS - 1]

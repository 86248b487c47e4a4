"""The expert rules tested on a whole batch at once fire exactly as row by row."""

from __future__ import annotations

import random

import numpy as np
import pytest

from coffer.risk.features import FEATURE_INDEX, FEATURE_NAMES
from coffer.risk.rules import (
    RULES,
    VECTOR_ROWS,
    damped_weights,
    fired,
    fired_rows,
    rule_score,
    rule_scores,
)

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


def test_rules_firing_often_on_legitimate_rows_are_damped() -> None:
    rows = np.zeros((1_000, len(FEATURE_NAMES)))
    rows[:20, FEATURE_INDEX["device_cards_24h"]] = 3.0  # many_cards_one_device on 2%
    rows[:2, FEATURE_INDEX["device_new"]] = 1.0  # new_device_foreign_ip on 0.2%
    rows[:2, FEATURE_INDEX["ip_foreign"]] = 1.0
    weights = damped_weights(rows, budget=0.004)
    assert weights == {"many_cards_one_device": 0.3 * 0.004 / 0.02}
    hit = rows[:1]
    assert rule_scores(hit).tolist() == pytest.approx([1 - 0.7 * 0.9])
    damped = rule_scores(hit, weights).tolist()
    assert damped == pytest.approx([1 - (1 - 0.3 * 0.2) * 0.9])
    assert [rule_score(fired(hit[0].tolist()), weights)] == damped
    big = np.repeat(hit, VECTOR_ROWS, axis=0)  # the batched path, the same numbers
    assert rule_scores(big, weights).tolist() == damped * VECTOR_ROWS
    assert damped_weights(rows[:0], budget=0.004) == {}

"""CompiledTrees gives LightGBM's raw scores exactly, missing values and all."""

from __future__ import annotations

from typing import Any

import lightgbm
import numpy as np
import pytest

from coffer.risk.trees import compile_trees


def _data(seed: int, rows: int = 4000, columns: int = 10) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    matrix = rng.normal(size=(rows, columns)) * rng.uniform(0.1, 100, size=columns)
    matrix[:, 2] = np.round(matrix[:, 2])  # ties on thresholds
    matrix[:, 3] = rng.integers(0, 2, size=rows)  # 0/1 flags, zero splits
    matrix[rng.random(rows) < 0.1, 4] = np.nan
    matrix[rng.random(rows) < 0.2, 5] = 0.0
    labels = (matrix[:, 0] + 30 * matrix[:, 3] + rng.normal(size=rows) * 20 > 40).astype(float)
    return matrix, labels


def _probe(matrix: np.ndarray, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    probe = np.vstack([matrix[:1500], rng.normal(size=(500, matrix.shape[1])) * 80])
    probe[rng.random(len(probe)) < 0.05, 1] = np.nan  # NaN where training had none
    probe[rng.random(len(probe)) < 0.05, 6] = 1e-36  # "zero" for LightGBM
    probe[:3] = np.nan
    return probe


@pytest.mark.parametrize(
    "extra",
    [
        {},
        {"zero_as_missing": True},
        {"use_missing": False},
        {"num_leaves": 63, "min_data_in_leaf": 5},
    ],
)
def test_raw_scores_are_lightgbm_s(extra: dict[str, Any]) -> None:
    matrix, labels = _data(3)
    params = {
        "objective": "binary",
        "num_leaves": 31,
        "learning_rate": 0.1,
        "verbosity": -1,
        "seed": 1,
        "num_threads": 1,
        **extra,
    }
    booster = lightgbm.train(params, lightgbm.Dataset(matrix, labels), num_boost_round=60)
    compiled = compile_trees(booster)
    assert compiled is not None
    probe = _probe(matrix, 4)
    want = booster.predict(probe, raw_score=True, num_threads=1)
    assert np.array_equal(compiled.raw_score(probe), want)
    for start in range(0, 200):  # one row at a time, the online path
        row = probe[start : start + 1]
        assert np.array_equal(compiled.raw_score(row), want[start : start + 1])
    assert np.array_equal(compiled.raw_score(probe[10:17]), want[10:17])
    assert compiled.raw_score(probe[:0]).shape == (0,)


def test_constant_trees_and_a_model_read_back_from_text() -> None:
    matrix, labels = _data(5, rows=300)
    params = {"objective": "binary", "min_data_in_leaf": 400, "verbosity": -1, "seed": 1}
    booster = lightgbm.train(params, lightgbm.Dataset(matrix, labels), num_boost_round=5)
    loaded = lightgbm.Booster(model_str=booster.model_to_string())
    compiled = compile_trees(loaded)
    assert compiled is not None
    probe = _probe(matrix, 6)
    assert np.array_equal(
        compiled.raw_score(probe), loaded.predict(probe, raw_score=True, num_threads=1)
    )


def test_categorical_models_are_not_compiled() -> None:
    matrix, labels = _data(7, rows=1000)
    matrix[:, 2] = np.abs(matrix[:, 2]) % 5
    labels = np.isin(matrix[:, 2], [1, 3]).astype(float)
    dataset = lightgbm.Dataset(matrix, labels, categorical_feature=[2])
    params = {"objective": "binary", "verbosity": -1, "min_data_per_group": 5, "cat_smooth": 1}
    booster = lightgbm.train(params, dataset, num_boost_round=10)
    text = booster.model_to_string()
    if all(line == "num_cat=0" for line in text.splitlines() if line.startswith("num_cat=")):
        pytest.skip("no categorical split was learned")
    assert compile_trees(booster) is None

"""CompiledForest gives scikit-learn's isolation forest scores bit for bit."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.ensemble import IsolationForest

from coffer.risk.forest import CompiledForest


@pytest.mark.parametrize("max_features", [1.0, 0.6])
def test_scores_are_identical_to_scikit_learn(max_features: float) -> None:
    rng = np.random.default_rng(5)
    train = rng.normal(size=(3000, 12)) * rng.uniform(0.1, 100, size=12)
    train[:, 3] = np.round(train[:, 3])  # ties on thresholds
    forest = IsolationForest(
        n_estimators=60, max_features=max_features, random_state=3, n_jobs=1
    ).fit(train)
    compiled = CompiledForest(forest)
    probe = np.vstack([train[:200], rng.normal(size=(300, 12)) * 50, train[:5] + 1e-7])
    expected = forest.score_samples(probe)
    for rows in (probe, probe[:1], probe[7:9]):
        got = compiled.score_samples(rows)
        want = forest.score_samples(rows)
        assert got.dtype == want.dtype and np.array_equal(got, want)
    assert np.array_equal(compiled.score_samples(probe), expected)

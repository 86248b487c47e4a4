"""LightGBM's raw score of a few rows, fast and exactly as LightGBM computes it.

``Booster.predict`` costs a fixed 20 to 50 microseconds a call whatever the number of rows
(argument checks, a ctypes round trip, a thread pool): most of an online decision's model
time for one row. :class:`CompiledTrees` reads the trees from the model text (every threshold and leaf
value is written there with 17 significant digits, so they read back exactly) into flat
arrays and evaluates every split of every tree for every row at once, with LightGBM's
rules (``NumericalDecision``): NaN is 0 unless the split's missing type is NaN;
a missing value (NaN for type NaN, ``|x| <= 1e-35`` for type Zero) goes to the split's
default side; otherwise ``x <= threshold`` goes left. Each row's leaf values are summed tree
by tree in order from 0.0, as LightGBM does in double precision, so the raw scores are the
same (the tests compare them with ``Booster.predict(raw_score=True)``).

Its cost grows with rows x splits (every split is tested), LightGBM's with rows x depth:
:class:`~coffer.risk.model.FraudModel` uses it for a few rows of a small enough model only.
Categorical splits, linear trees and trees of more than 64 leaves are not compiled:
:func:`compile_trees` answers None for such a model and the caller keeps LightGBM's predict.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

ZERO_THRESHOLD = 1e-35  # LightGBM's kZeroThreshold
_CATEGORICAL = 1
_DEFAULT_LEFT = 2
_MISSING_ZERO = 1
_MISSING_NAN = 2
ALL_LEAVES = (1 << 64) - 1
ALL_LEAVES_U64 = np.uint64(ALL_LEAVES)
ONE_U64 = np.uint64(1)


def _numbers(text: str, kind: type) -> list[Any]:
    return [kind(item) for item in text.split()] if text else []


def _parse(model_text: str) -> tuple[list[dict[str, str]], int]:
    """The trees' fields (name -> text) in order, and the number of features."""
    features = 0
    trees: list[dict[str, str]] = []
    current: dict[str, str] | None = None
    for line in model_text.splitlines():
        if line.startswith("end of trees"):
            break
        if line.startswith("Tree="):
            current = {}
            trees.append(current)
            continue
        name, sep, value = line.partition("=")
        if not sep:
            continue
        if current is not None:
            current[name] = value
        elif name == "max_feature_idx":
            features = int(value) + 1
    return trees, features


class CompiledTrees:
    """The trees of a binary LightGBM model as flat arrays (see the module doc)."""

    def __init__(self, trees: list[dict[str, str]], features: int) -> None:
        split_features: list[int] = []
        thresholds: list[float] = []
        decision_types: list[int] = []
        masks: list[int] = []  # per split: the leaves still possible when it goes right
        starts: list[int] = []
        leaf_values: list[float] = []
        leaf_starts: list[int] = []
        for tree in trees:
            starts.append(len(split_features))
            leaf_starts.append(len(leaf_values))
            leaves = int(tree["num_leaves"])
            if leaves > 64:
                raise ValueError("a tree has more than 64 leaves")
            values = _numbers(tree["leaf_value"], float)
            if leaves == 1:  # a constant tree: one split that eliminates nothing
                split_features.append(0)
                thresholds.append(0.0)
                decision_types.append(0)
                masks.append(ALL_LEAVES)
                leaf_values.extend(values)
                continue
            left = _numbers(tree["left_child"], int)
            right = _numbers(tree["right_child"], int)
            order: list[int] = []  # LightGBM's leaf indexes from left to right
            below: dict[int, int] = {}  # split -> mask of the leaf positions under its left
            _walk(0, left, right, order, below)
            split_features.extend(_numbers(tree["split_feature"], int))
            thresholds.extend(_numbers(tree["threshold"], float))
            decision_types.extend(_numbers(tree["decision_type"], int))
            masks.extend(ALL_LEAVES & ~below[node] for node in range(leaves - 1))
            leaf_values.extend(values[leaf] for leaf in order)
        decision_type = np.asarray(decision_types, dtype=np.int64)
        missing = (decision_type >> 2) & 3
        self.feature = np.asarray(split_features, dtype=np.int64)
        self.threshold = np.asarray(thresholds, dtype=np.float64)
        self.mask = np.asarray(masks, dtype=np.uint64)
        self.default_left = (decision_type & _DEFAULT_LEFT) != 0
        self.missing_nan = missing == _MISSING_NAN
        self.missing_zero = missing == _MISSING_ZERO
        self.any_missing_zero = bool(self.missing_zero.any())
        self.starts = np.asarray(starts, dtype=np.int64)
        self.leaf_start = np.asarray(leaf_starts, dtype=np.int64)
        self.leaf_value = np.asarray(leaf_values, dtype=np.float64)
        self.features = features
        self.splits = len(self.feature)

    def raw_score(self, matrix: np.ndarray) -> np.ndarray:
        """``Booster.predict(matrix, raw_score=True)`` of a binary model.

        Every split of every tree is tested at once; a split that goes right rules out
        the leaves under its left side (QuickScorer): the leftmost leaf left is where the
        row lands."""
        rows = np.asarray(matrix, dtype=np.float64)
        count = len(rows)
        if count == 0 or len(self.starts) == 0:
            return np.zeros(count, dtype=np.float64)
        values = rows.take(self.feature, axis=1)
        # a NaN anywhere makes the sum NaN (so may +inf and -inf: the general path is exact too)
        if self.any_missing_zero or math.isnan(np.add.reduce(values, axis=None)):
            went_left = self._general(values)
        else:
            went_left = values <= self.threshold
        survivors = np.bitwise_and.reduceat(
            self.mask | (went_left * ALL_LEAVES_U64), self.starts, axis=1
        )
        lowest = survivors & (~survivors + ONE_U64)
        position = np.frexp(lowest.astype(np.float64))[1] - 1
        leaf_values = self.leaf_value[self.leaf_start + position]
        # summed tree by tree in order (not pairwise), as LightGBM does
        return np.asarray(np.add.accumulate(leaf_values, axis=1)[:, -1], dtype=np.float64)

    def _general(self, values: np.ndarray) -> np.ndarray:
        """LightGBM's ``NumericalDecision`` with missing values."""
        nan = np.isnan(values)
        values = np.where(nan & ~self.missing_nan, 0.0, values)
        default = (self.missing_nan & nan) | (
            self.missing_zero & (values > -ZERO_THRESHOLD) & (values <= ZERO_THRESHOLD)
        )
        with np.errstate(invalid="ignore"):
            compared = values <= self.threshold
        return np.where(default, self.default_left, compared)


def _walk(
    node: int, left: list[int], right: list[int], order: list[int], below: dict[int, int]
) -> int:
    """Number the leaves under ``node`` from left to right (appended to ``order``); fill
    ``below`` with each split's left-side leaf positions; return the positions under
    ``node`` as a mask. A child < 0 is the leaf ``~child``."""
    masks = []
    for child in (left[node], right[node]):
        if child < 0:
            masks.append(1 << len(order))
            order.append(~child)
        else:
            masks.append(_walk(child, left, right, order, below))
    below[node] = masks[0]
    return masks[0] | masks[1]


def compile_trees(booster: Any) -> CompiledTrees | None:
    """The compiled trees of a binary LightGBM ``booster`` (the iterations ``predict``
    uses), or None when the model has what this evaluator does not do (categorical splits,
    linear trees, several trees an iteration)."""
    if booster.num_model_per_iteration() != 1:
        return None
    iterations = booster.best_iteration if booster.best_iteration > 0 else None
    text = booster.model_to_string(num_iteration=iterations)
    trees, features = _parse(text)
    for tree in trees:
        if int(tree.get("num_cat", "0")) > 0 or tree.get("is_linear", "0") != "0":
            return None
        if int(tree["num_leaves"]) > 64:
            return None
        if any(int(d) & _CATEGORICAL for d in tree.get("decision_type", "").split()):
            return None
    return CompiledTrees(trees, features)

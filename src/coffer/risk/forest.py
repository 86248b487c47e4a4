"""The isolation forest's score of a few rows, fast and exactly as scikit-learn computes it.

``IsolationForest.score_samples`` costs a couple of milliseconds per call whatever the number
of rows (input validation, then one joblib-dispatched ``tree.apply`` per tree): fine for a
backtest's batches of thousands, too much for an online decision. :class:`CompiledForest`
holds every tree's nodes in flat arrays and walks all trees for all rows at once, a few numpy
steps per level, with scikit-learn's arithmetic: rows as float32 compared with the float64
thresholds, each tree's leaf contributing ``path length + average path length - 1``, summed
tree by tree in order (a cumulative sum, not a pairwise one), divided by the same denominator.
The scores are identical to scikit-learn's (the tests compare them bit for bit).
"""

from __future__ import annotations

from typing import Any

import numpy as np


class CompiledForest:
    def __init__(self, forest: Any) -> None:
        from sklearn.ensemble._iforest import _average_path_length

        subsample = forest._max_features != forest.n_features_in_
        lefts, rights, features, thresholds, leaf_values, roots = [], [], [], [], [], []
        offset = 0
        for tree, columns, path_lengths, average_lengths in zip(
            forest.estimators_,
            forest.estimators_features_,
            forest._decision_path_lengths,
            forest._average_path_length_per_tree,
            strict=True,
        ):
            nodes = tree.tree_
            left = nodes.children_left.astype(np.int64)
            right = nodes.children_right.astype(np.int64)
            leaf = left == -1
            feature = nodes.feature.astype(np.int64)
            if subsample:
                feature = np.where(leaf, 0, np.asarray(columns, dtype=np.int64)[feature])
            else:
                feature = np.where(leaf, 0, feature)
            lefts.append(np.where(leaf, np.arange(len(left)), left) + offset)
            rights.append(np.where(leaf, np.arange(len(right)), right) + offset)
            features.append(feature)
            thresholds.append(nodes.threshold.astype(np.float64))
            leaf_values.append(path_lengths + average_lengths - 1.0)
            roots.append(offset)
            offset += len(left)
        # a walk step is at a slot, 2 * node: the node's feature and threshold are at both
        # of its slots, and child[slot + went_left] is the next slot
        left = np.concatenate(lefts)
        right = np.concatenate(rights)
        self.child = 2 * np.stack([right, left], axis=1).ravel()
        self.feature = np.repeat(np.concatenate(features), 2)
        self.threshold = np.repeat(np.concatenate(thresholds), 2)
        self.leaf_value = np.repeat(np.concatenate(leaf_values), 2)
        self.is_leaf = np.repeat(left == np.arange(offset), 2)
        self.roots = 2 * np.asarray(roots, dtype=np.int64)
        self.depth = max(int(tree.tree_.max_depth) for tree in forest.estimators_)
        self.denominator = len(forest.estimators_) * _average_path_length([forest._max_samples])

    def score_samples(self, matrix: np.ndarray) -> np.ndarray:
        """``IsolationForest.score_samples`` of ``matrix`` (rows of the forest's features)."""
        rows = np.ascontiguousarray(matrix, dtype=np.float32)
        count, width = rows.shape
        if count == 1:  # the online path: one row, one-dimensional steps (the same numbers)
            return self._score_row(rows[0])
        flat = rows.ravel()
        base = (np.arange(count, dtype=np.int64) * width)[:, None]
        slots = np.broadcast_to(self.roots, (count, len(self.roots)))
        for _ in range(self.depth):
            columns = self.feature.take(slots)
            values = flat.take(columns if count == 1 else base + columns)
            slots = self.child.take(slots + (values <= self.threshold.take(slots)))
        assert self.is_leaf[slots].all()
        depths = np.cumsum(self.leaf_value[slots], axis=1)[:, -1]
        denominator = self.denominator
        scores: np.ndarray = 2 ** (
            -np.divide(depths, denominator, out=np.ones_like(depths), where=denominator != 0)
        )
        return -scores  # scikit-learn's sign: higher is more normal

    def _score_row(self, row: np.ndarray) -> np.ndarray:
        """:meth:`score_samples` of one row (float32): the same steps without a row axis."""
        feature, threshold, child = self.feature, self.threshold, self.child
        slots = self.roots
        for _ in range(self.depth):
            slots = child.take(slots + (row.take(feature.take(slots)) <= threshold.take(slots)))
        depth = np.add.accumulate(self.leaf_value.take(slots))[-1:]
        denominator = self.denominator
        scores: np.ndarray = 2 ** -(depth / denominator if denominator != 0 else np.ones(1))
        return -scores

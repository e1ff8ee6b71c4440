"""The chooser's fitted trees as flat arrays, scored with numpy.

scikit-learn's histogram gradient boosting walks its 500 trees one at a time, about 12 ms for a question's dozen
candidates; walking all trees a level at a time over arrays takes well under a millisecond and gives the same
probabilities (tests/knowledge/test_forest.py).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Forest:
    feature: np.ndarray         # (trees, nodes) split feature; a leaf's children are itself
    threshold: np.ndarray       # go left when the value is <= threshold
    missing_left: np.ndarray    # where a missing value goes
    left: np.ndarray
    right: np.ndarray
    value: np.ndarray           # a leaf's contribution to the log-odds
    baseline: float
    depth: int

    @classmethod
    def from_model(cls, model) -> Forest:
        """The trees of a fitted binary HistGradientBoostingClassifier (numeric features only)."""
        trees = [iteration[0].nodes for iteration in model._predictors]
        if any(t["is_categorical"].any() for t in trees):
            raise ValueError("categorical splits are not supported")
        width = max(len(t) for t in trees)
        shape = (len(trees), width)
        own = np.tile(np.arange(width), (len(trees), 1))      # padding nodes are leaves worth 0
        f = cls(np.zeros(shape, np.int64), np.zeros(shape), np.zeros(shape, bool), own.copy(), own.copy(),
                np.zeros(shape), float(np.ravel(model._baseline_prediction)[0]),
                int(max(t["depth"].max() for t in trees)))
        for i, t in enumerate(trees):
            n, leaf = len(t), t["is_leaf"].astype(bool)
            f.feature[i, :n] = t["feature_idx"]
            f.threshold[i, :n] = t["num_threshold"]
            f.missing_left[i, :n] = t["missing_go_to_left"].astype(bool)
            f.left[i, :n] = np.where(leaf, np.arange(n), t["left"])
            f.right[i, :n] = np.where(leaf, np.arange(n), t["right"])
            f.value[i, :n] = np.where(leaf, t["value"], 0.0)
        return f

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Like scikit-learn's: a column for "wrong" and one for "right"."""
        X = np.asarray(X, dtype=float)
        n_trees, width = self.feature.shape
        feature, threshold, missing_left = self.feature.ravel(), self.threshold.ravel(), self.missing_left.ravel()
        left, right, value = self.left.ravel(), self.right.ravel(), self.value.ravel()
        offset = np.arange(n_trees) * width                       # each tree's first node in the flat arrays
        node = np.broadcast_to(offset, (len(X), n_trees)).copy()
        for _ in range(self.depth):
            x = np.take_along_axis(X, feature[node], axis=1)
            go_left = np.where(np.isnan(x), missing_left[node], x <= threshold[node])
            node = offset + np.where(go_left, left[node], right[node])
        p = 1.0 / (1.0 + np.exp(-(self.baseline + value[node].sum(axis=1))))
        return np.column_stack([1.0 - p, p])

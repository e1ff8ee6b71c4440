"""The chooser's trees scored as arrays give scikit-learn's own probabilities."""
from __future__ import annotations

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier

from knowledge.forest import Forest


def test_forest_scores_like_the_fitted_model_missing_values_included():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(2000, 8))
    y = (X[:, 0] + X[:, 1] * X[:, 2] > 0).astype(int)
    X[rng.random(X.shape) < 0.05] = np.nan                  # missing values take the side learned for them
    model = HistGradientBoostingClassifier(max_iter=60, max_depth=5, max_features=0.7, random_state=0).fit(X, y)
    new = rng.normal(size=(300, 8))
    new[rng.random(new.shape) < 0.1] = np.nan
    assert np.allclose(Forest.from_model(model).predict_proba(new), model.predict_proba(new), atol=1e-12)

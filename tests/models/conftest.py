"""Fixtures for model tests: a small trained scikit-learn model, its data, and the fluent API on the real stack."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import numpy as np
import pytest

import mlledger
from mlledger import _fluent
from mlledger.testing import TestStack


@pytest.fixture(scope="session")
def iris_frame():  # type: ignore[no-untyped-def]
    """A small table with float features and a 3-class label (deterministic)."""
    import pandas as pd

    rng = np.random.default_rng(7)
    frame = pd.DataFrame({"sepal_length": rng.normal(5.8, 0.8, 150), "sepal_width": rng.normal(3.0, 0.4, 150),
                          "petal_length": rng.normal(3.7, 1.7, 150), "petal_width": rng.normal(1.2, 0.7, 150)})
    labels = (frame["petal_length"] > 3.0).astype(int) + (frame["petal_width"] > 1.7).astype(int)
    return frame, labels


@pytest.fixture(scope="session")
def sk_model(iris_frame):  # type: ignore[no-untyped-def]
    """A fitted scikit-learn pipeline (scaler + logistic regression)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    frame, labels = iris_frame
    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=500)).fit(frame, labels)


@pytest.fixture
def model_cache(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    """A fresh, private download cache."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("MLLEDGER_MODEL_CACHE", str(cache))
    return cache


@pytest.fixture
def fluent(mlledger_stack: TestStack) -> Iterator[mlledger.Client]:
    """The fluent API pointed at the shared stack, in a fresh experiment; leaves no run active."""
    mlledger.set_tracking_uri(mlledger_stack.tracking_uri)
    mlledger.set_experiment(f"models-{uuid.uuid4().hex[:10]}")
    try:
        yield _fluent._client()
    finally:
        while mlledger.active_run() is not None:
            try:
                mlledger.end_run()
            except mlledger.errors.MlledgerError:
                pass
        _fluent._state.experiment_id = None

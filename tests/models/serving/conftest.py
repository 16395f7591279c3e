"""Fixtures for serving tests: small models saved in mlledger's format, and servers for them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from .helpers import Server, scoring_server

FEATURES = ["a", "b", "c", "d"]


@pytest.fixture(scope="session")
def training_frame():  # type: ignore[no-untyped-def]
    """A deterministic table with four float features and a 3-class label."""
    import pandas as pd

    rng = np.random.default_rng(11)
    frame = pd.DataFrame(rng.normal(0.0, 1.0, (200, 4)), columns=FEATURES)
    labels = (frame["a"] > 0).astype(int) + (frame["b"] > 0.5).astype(int)
    return frame, labels


@pytest.fixture(scope="session")
def classifier(training_frame):  # type: ignore[no-untyped-def]
    """A fitted scikit-learn pipeline: scaler and logistic regression."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    frame, labels = training_frame
    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=500)).fit(frame, labels)


@pytest.fixture(scope="session")
def classifier_dir(classifier, training_frame, tmp_path_factory) -> Path:  # type: ignore[no-untyped-def]
    """The classifier saved with mlledger's sklearn flavor (signature inferred from an example)."""
    import mlledger.sklearn

    path = tmp_path_factory.mktemp("models") / "classifier"
    mlledger.sklearn.save_model(classifier, path, input_example=training_frame[0].head(3))
    return path


@pytest.fixture(scope="session")
def moody_dir(tmp_path_factory) -> Path:
    """A custom model that doubles column x, and on request sleeps (`sleep` param) or raises (`fail`)."""
    import mlledger.pyfunc
    from mlledger.models import ColSpec, ModelSignature, ParamSchema, ParamSpec, Schema

    class Moody(mlledger.pyfunc.PythonModel):  # defined here so it is pickled by value
        def predict(self, context: Any, model_input: Any, params: dict[str, Any] | None = None) -> Any:
            import time

            params = params or {}
            if params.get("fail"):
                raise RuntimeError("the model failed on purpose")
            time.sleep(float(params.get("sleep") or 0.0))
            return model_input["x"].to_numpy() * 2

    signature = ModelSignature(
        inputs=Schema([ColSpec("double", "x")]), outputs=Schema([ColSpec("double", "doubled")]),
        params=ParamSchema([ParamSpec("sleep", "double", 0.0), ParamSpec("fail", "boolean", False)]),
    )
    path = tmp_path_factory.mktemp("models") / "moody"
    mlledger.pyfunc.save_model(path, python_model=Moody(), signature=signature)
    return path


@pytest.fixture(scope="session")
def classifier_server(classifier_dir: Path, tmp_path_factory) -> Iterator[Server]:  # type: ignore[no-untyped-def]
    """A one-worker server for the classifier, shared by the protocol tests."""
    log = tmp_path_factory.mktemp("logs") / "classifier.log"
    with scoring_server(classifier_dir, log, "--model-name", "classifier", "--model-version", "3") as server:
        yield server

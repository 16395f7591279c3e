"""The scikit-learn flavor: estimators and pipelines saved as MLflow saves them (`model.pkl`,
`sklearn` and `python_function` entries in `MLmodel`), so either tool loads the other's models.

`predict_proba`, `predict_log_proba` and the rest are reachable through
`params={"predict_method": "predict_proba"}`.
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path
from typing import Any

from mlledger.models.enforce import SignatureError
from mlledger.models.environment import pinned
from mlledger.models.flavors import Flavor, register_flavor
from mlledger.models.logging import ModelInfo, log_model as _log
from mlledger.models.model import PYFUNC_FLAVOR, Model
from mlledger.models.saving import finish, prepare_directory, resolve_signature
from mlledger.models.schema import DataType, ModelSignature, ParamSchema, ParamSpec

FLAVOR_NAME = "sklearn"
#: Written as the pyfunc loader so MLflow loads these models with its own sklearn flavor.
LOADER_MODULE = "mlflow.sklearn"
PICKLE_FILE = "model.pkl"
SERIALIZATION_FORMATS = ("cloudpickle", "pickle", "skops")
PREDICT_METHODS = ("predict", "predict_proba", "predict_log_proba", "predict_joint_log_proba", "score",
                   "decision_function", "transform")


class _SklearnWrapper:
    """The pyfunc face of an estimator: `predict_method` (param, else the saved `predict_fn`) chooses the method."""

    def __init__(self, estimator: Any, default_method: str) -> None:
        self.sklearn_model = estimator
        self.default_method = default_method

    def predict(self, data: Any, params: dict[str, Any] | None = None) -> Any:
        method = (params or {}).get("predict_method") or self.default_method
        if method not in PREDICT_METHODS or not hasattr(self.sklearn_model, method):
            raise SignatureError(f"param 'predict_method': {method!r} is not a method of "
                                 f"{type(self.sklearn_model).__name__} (one of {list(PREDICT_METHODS)})")
        return getattr(self.sklearn_model, method)(data)

    def get_raw_model(self) -> Any:
        return self.sklearn_model


def _read(path: Path, serialization_format: str, trusted_types: Any = None) -> Any:
    if serialization_format == "skops":
        import skops.io

        return skops.io.load(path, trusted=trusted_types)
    with open(path, "rb") as handle:
        if serialization_format == "cloudpickle":
            import cloudpickle  # noqa: F401 - cloudpickled classes need its reconstructors

        return pickle.load(handle)


def _load_estimator(path: Path, model: Model) -> Any:
    conf = model.flavors.get(FLAVOR_NAME) or {}
    pyfunc_conf = model.flavors.get(PYFUNC_FLAVOR) or {}
    file = conf.get("pickled_model") or pyfunc_conf.get("model_path") or pyfunc_conf.get("data") or PICKLE_FILE
    return _read(path / file, conf.get("serialization_format", "pickle"), conf.get("skops_trusted_types"))


def _load_pyfunc_impl(path: Path, model: Model, conf: dict[str, Any]) -> _SklearnWrapper:
    return _SklearnWrapper(_load_estimator(path, model), str(conf.get("predict_fn") or "predict"))


FLAVOR = register_flavor(Flavor(FLAVOR_NAME, (LOADER_MODULE, "mlledger.sklearn"), _load_pyfunc_impl))


def load_model(model_uri: str, dst_path: str | None = None) -> Any:
    """The scikit-learn estimator itself, from any model URI (downloaded into `dst_path` when given)."""
    from mlledger.models.uri import download_model

    path = download_model(str(model_uri), dst_path=dst_path)
    model = Model.load(path)
    if FLAVOR_NAME not in model.flavors:
        raise ValueError(f"model {model_uri!r} has no {FLAVOR_NAME} flavor (flavors: {sorted(model.flavors)})")
    return _load_estimator(path, model)


def _with_predict_method(signature: ModelSignature | None) -> ModelSignature | None:
    """Declare `predict_method` in the signature's params so it is not dropped as unknown."""
    if signature is None:
        return None
    specs = list(signature.params.params) if signature.params is not None else []
    if not any(spec.name == "predict_method" for spec in specs):
        specs.append(ParamSpec("predict_method", DataType.string, "predict"))
    return ModelSignature(signature.inputs, signature.outputs, ParamSchema(specs))


def save_model(sk_model: Any, path: str | os.PathLike[str], *, signature: Any = None, input_example: Any = None,
               serialization_format: str = "cloudpickle", pyfunc_predict_fn: str = "predict",
               pip_requirements: list[str] | None = None, extra_pip_requirements: list[str] | None = None,
               metadata: dict[str, Any] | None = None, mlflow_model: Model | None = None) -> Model:
    """Save an estimator or pipeline as a model directory (signature inferred from `input_example` if not given)."""
    import cloudpickle
    import sklearn

    if serialization_format not in ("cloudpickle", "pickle"):
        raise ValueError(f"serialization_format: expected 'cloudpickle' or 'pickle', got {serialization_format!r}")
    if pyfunc_predict_fn not in PREDICT_METHODS:
        raise ValueError(f"pyfunc_predict_fn: expected one of {list(PREDICT_METHODS)}, got {pyfunc_predict_fn!r}")
    directory = prepare_directory(path)
    with open(directory / PICKLE_FILE, "wb") as handle:
        (cloudpickle if serialization_format == "cloudpickle" else pickle).dump(
            sk_model, handle, protocol=pickle.DEFAULT_PROTOCOL)
    model = mlflow_model or Model()
    predict = getattr(sk_model, pyfunc_predict_fn, None)
    model.signature = _with_predict_method(resolve_signature(signature, input_example, predict))
    model.add_flavor(FLAVOR_NAME, pickled_model=PICKLE_FILE, sklearn_version=sklearn.__version__,
                     serialization_format=serialization_format, code=None)
    requirements = pip_requirements if pip_requirements is not None else [
        pinned("scikit-learn"), pinned("cloudpickle"), pinned("numpy"), pinned("pandas")]
    return finish(directory, model, input_example=input_example, requirements=requirements,
                  extra_pip_requirements=extra_pip_requirements or (), metadata=metadata,
                  loader_module=LOADER_MODULE,
                  pyfunc={"model_path": PICKLE_FILE, "predict_fn": pyfunc_predict_fn, "code": None})


def log_model(sk_model: Any, name: str = "model", *, registered_model_name: str | None = None,
              artifact_path: str | None = None, **kwargs: Any) -> ModelInfo:
    """Save an estimator into the active run's artifacts under `name`, registering it if asked."""
    return _log(lambda directory, model: save_model(sk_model, directory, mlflow_model=model, **kwargs),
                artifact_path or name, registered_model_name=registered_model_name)

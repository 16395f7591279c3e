"""Custom models: a `PythonModel` subclass, pickled with cloudpickle, plus the artifacts it bundles.

The layout is MLflow's (`python_model.pkl`, `artifacts/`, the same `python_function` keys), and
MLflow's own custom models load here without MLflow installed: the pickle names MLflow's
`PythonModel` base class, which the loader maps to this module's when MLflow cannot be imported.
"""

from __future__ import annotations

import inspect
import os
import pickle
import shutil
import sys
from pathlib import Path
from typing import Any

from mlledger.models.flavors import Flavor, register_flavor
from mlledger.models.logging import ModelInfo, log_model as _log
from mlledger.models.model import PYFUNC_FLAVOR, Model
from mlledger.models.saving import finish, prepare_directory, resolve_signature
from mlledger.models.environment import pinned

LOADER_MODULE = "mlledger.pyfunc.python_model"
PICKLE_FILE = "python_model.pkl"
ARTIFACTS_DIR = "artifacts"


class PythonModelContext:
    """What `load_context` and `predict` receive: local paths of the bundled artifacts, and the model config."""

    def __init__(self, artifacts: dict[str, str], model_config: dict[str, Any] | None = None) -> None:
        self.artifacts = artifacts
        self.model_config = model_config or {}


class PythonModel:
    """Subclass and implement `predict(self, context, model_input, params=None)` (context may be left out)."""

    def load_context(self, context: PythonModelContext) -> None:
        """Called once at load time, e.g. to read the bundled artifacts."""

    def predict(self, context: PythonModelContext, model_input: Any, params: dict[str, Any] | None = None) -> Any:
        raise NotImplementedError("a PythonModel subclass must implement predict")


# MLflow's names for the classes a pickled MLflow custom model refers to by reference.
_MLFLOW_CLASSES = {("mlflow.pyfunc.model", "PythonModel"): PythonModel,
                   ("mlflow.pyfunc", "PythonModel"): PythonModel,
                   ("mlflow.pyfunc.model", "PythonModelContext"): PythonModelContext,
                   ("mlflow.pyfunc", "PythonModelContext"): PythonModelContext}


def _stand_in(module: str, name: str) -> type:
    """An empty class for other MLflow objects a pickle holds as data (e.g. the cached `_TypeHints`
    MLflow stores on the instance): their state is restored, and any use of them fails loudly."""
    key = (module, name)
    if key not in _STAND_INS:
        _STAND_INS[key] = type(name, (), {"__module__": module, "__doc__": f"Stand-in for MLflow's {module}.{name}."})
    return _STAND_INS[key]


_STAND_INS: dict[tuple[str, str], type] = {}


class _Unpickler(pickle.Unpickler):
    """Unpickles with MLflow's base classes replaced by ours when MLflow is not importable."""

    def find_class(self, module: str, name: str) -> Any:
        if module == "mlflow" or module.startswith("mlflow."):
            try:
                return super().find_class(module, name)
            except ImportError:
                return _MLFLOW_CLASSES.get((module, name)) or _stand_in(module, name)
        return super().find_class(module, name)


def _unpickle(path: Path) -> Any:
    import cloudpickle  # noqa: F401 - its reconstructors must be importable for cloudpickled classes

    with open(path, "rb") as handle:
        return _Unpickler(handle).load()


class _Wrapper:
    """Calls the PythonModel's predict with or without context and params, as its signature asks."""

    def __init__(self, python_model: Any, context: PythonModelContext) -> None:
        self.python_model = python_model
        self.context = context
        names = list(inspect.signature(python_model.predict).parameters)
        self._with_context = bool(names) and names[0] == "context" or len(
            [n for n in names if n not in ("params", "args", "kwargs")]) >= 2
        self._with_params = "params" in names or "kwargs" in names

    def predict(self, data: Any, params: dict[str, Any] | None = None) -> Any:
        args = (self.context, data) if self._with_context else (data,)
        if self._with_params:
            return self.python_model.predict(*args, params=params)
        return self.python_model.predict(*args)

    def get_raw_model(self) -> Any:
        return self.python_model


def _load_pyfunc_impl(path: Path, model: Model, conf: dict[str, Any]) -> _Wrapper:
    if conf.get("code"):
        sys.path.insert(0, str(path / conf["code"]))
    if "python_model" not in conf:
        raise ValueError("this custom model has no python_model file (models from code are not supported)")
    if conf.get("python_model_compression"):
        raise ValueError(f"compressed python models ({conf['python_model_compression']}) are not supported")
    python_model = _unpickle(path / conf["python_model"])
    artifacts = {name: str(path / entry["path"]) for name, entry in (conf.get("artifacts") or {}).items()}
    context = PythonModelContext(artifacts, conf.get("config"))
    python_model.load_context(context)
    return _Wrapper(python_model, context)


def _load_pyfunc(data_path: str, model_config: dict[str, Any] | None = None) -> _Wrapper:
    """MLflow's loader entry point, so MLflow can load these models when mlledger is installed."""
    path = Path(data_path)
    model = Model.load(path)
    return _load_pyfunc_impl(path, model, model.flavors[PYFUNC_FLAVOR])


FLAVOR = register_flavor(Flavor("python_model", (LOADER_MODULE, "mlflow.pyfunc.model"), _load_pyfunc_impl))


def _copy_artifacts(directory: Path, artifacts: dict[str, str] | None) -> dict[str, dict[str, str]]:
    saved = {}
    for name, source in (artifacts or {}).items():
        local = Path(source[len("file://"):] if source.startswith("file://") else source)
        if not local.exists():
            raise FileNotFoundError(f"artifact {name!r}: no file or directory at {source}")
        relative = f"{ARTIFACTS_DIR}/{local.name}"
        (directory / ARTIFACTS_DIR).mkdir(exist_ok=True)
        if local.is_dir():
            shutil.copytree(local, directory / relative)
        else:
            shutil.copy2(local, directory / relative)
        saved[name] = {"path": relative, "uri": str(source)}
    return saved


def save_model(path: str | os.PathLike[str], python_model: PythonModel | None = None, *,
               artifacts: dict[str, str] | None = None, signature: Any = None, input_example: Any = None,
               pip_requirements: list[str] | None = None, extra_pip_requirements: list[str] | None = None,
               metadata: dict[str, Any] | None = None, model_config: dict[str, Any] | None = None,
               mlflow_model: Model | None = None) -> Model:
    """Save a custom model (a PythonModel instance with its local artifacts) as a model directory."""
    import cloudpickle

    if python_model is None or not callable(getattr(python_model, "predict", None)):
        raise TypeError("python_model must be a PythonModel instance with a predict method")
    directory = prepare_directory(path)
    model = mlflow_model or Model()
    saved_artifacts = _copy_artifacts(directory, artifacts)
    with open(directory / PICKLE_FILE, "wb") as handle:
        cloudpickle.dump(python_model, handle)

    def predict(example: Any) -> Any:
        context = PythonModelContext({k: str(directory / v["path"]) for k, v in saved_artifacts.items()}, model_config)
        python_model.load_context(context)
        return _Wrapper(python_model, context).predict(example)

    model.signature = resolve_signature(signature, input_example, predict)
    extra: dict[str, Any] = {"python_model": PICKLE_FILE, "cloudpickle_version": cloudpickle.__version__}
    if saved_artifacts:
        extra["artifacts"] = saved_artifacts
    if model_config:
        extra["config"] = model_config
    requirements = pip_requirements if pip_requirements is not None else [pinned("mlledger"), pinned("cloudpickle")]
    return finish(directory, model, input_example=input_example, requirements=requirements,
                  extra_pip_requirements=extra_pip_requirements or (), metadata=metadata, pyfunc=extra,
                  loader_module=LOADER_MODULE)


def log_model(name: str = "model", python_model: PythonModel | None = None, *,
              artifacts: dict[str, str] | None = None, registered_model_name: str | None = None,
              artifact_path: str | None = None, **kwargs: Any) -> ModelInfo:
    """Save a custom model into the active run's artifacts under `name`, registering it if asked."""
    return _log(lambda directory, model: save_model(directory, python_model, artifacts=artifacts,
                                                    mlflow_model=model, **kwargs),
                artifact_path or name, registered_model_name=registered_model_name)

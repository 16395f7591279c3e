"""`mlledger.pyfunc.load_model`: any model URI -> a `PyFuncModel` whose `predict` enforces the
signature and then calls the flavor that wrote the model."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mlledger.models.enforce import enforce_input, enforce_params
from mlledger.models.flavors import PredictImpl, flavor_for_loader
from mlledger.models.model import PYFUNC_FLAVOR, Model
from mlledger.models.uri import download_model


class PyFuncModel:
    """A loaded model: `predict(data, params=None)` on DataFrames, arrays, dicts and lists."""

    def __init__(self, model_meta: Model, model_impl: PredictImpl, path: Path) -> None:
        self._model_meta = model_meta
        self._model_impl = model_impl
        self.path = path

    @property
    def metadata(self) -> Model:
        """The parsed `MLmodel`."""
        return self._model_meta

    @property
    def loader_module(self) -> str:
        return str(self._model_meta.flavors[PYFUNC_FLAVOR]["loader_module"])

    def predict(self, data: Any, params: dict[str, Any] | None = None) -> Any:
        """Check and convert `data` and `params` against the signature (SignatureError if they do not fit), then predict."""
        signature = self._model_meta.signature
        data = enforce_input(data, signature)
        params = enforce_params(params, signature.params if signature is not None else None)
        return self._model_impl.predict(data, params=params)

    def unwrap_python_model(self) -> Any:
        """The PythonModel instance of a custom model."""
        model = getattr(self._model_impl, "python_model", None)
        if model is None:
            raise ValueError("this model is not a custom python_model")
        return model

    def get_raw_model(self) -> Any:
        """The flavor's own object (e.g. the scikit-learn estimator)."""
        raw = getattr(self._model_impl, "get_raw_model", None)
        return raw() if raw is not None else self._model_impl

    def __repr__(self) -> str:
        return f"PyFuncModel(loader_module={self.loader_module!r}, path={str(self.path)!r})"


def load_model(model_uri: str, suppress_warnings: bool = False, dst_path: str | None = None) -> PyFuncModel:
    """Load the model `model_uri` names (runs:/, models:/, an artifact location or a local path) as a pyfunc.

    A remote model is downloaded into the cache, or into `dst_path` when given; `suppress_warnings`
    is accepted for MLflow compatibility.
    """
    path = download_model(str(model_uri), dst_path=dst_path)
    meta = Model.load(path)
    conf = meta.flavors.get(PYFUNC_FLAVOR)
    if conf is None:
        raise ValueError(f"model {model_uri!r} has no {PYFUNC_FLAVOR} flavor (flavors: {sorted(meta.flavors)})")
    flavor = flavor_for_loader(str(conf.get("loader_module")))
    return PyFuncModel(meta, flavor.load_pyfunc(path, meta, conf), path)

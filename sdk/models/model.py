"""The `MLmodel` file: a model directory's description, with MLflow 3's field names and meaning."""

from __future__ import annotations

import datetime as dt
import os
import uuid
from pathlib import Path
from typing import Any

import yaml

from mlledger.models.schema import ModelSignature

#: The file that makes a directory a model.
MLMODEL_FILE_NAME = "MLmodel"
#: The generic flavor every model offers, under MLflow's name for it.
PYFUNC_FLAVOR = "python_function"
_KNOWN = ("artifact_path", "flavors", "model_uuid", "run_id", "saved_input_example_info", "signature",
          "utc_time_created", "model_size_bytes", "metadata", "env_vars", "mlflow_version", "mlledger_version",
          "model_id", "prompts")


def _version() -> str:
    from mlledger import __version__

    return __version__


class Model:
    """A parsed `MLmodel`: flavors with their configuration, the signature and provenance.

    Fields this class does not know (written by a newer MLflow, say) are kept and written back.
    """

    def __init__(self, artifact_path: str | None = None, run_id: str | None = None,
                 utc_time_created: str | None = None, flavors: dict[str, dict[str, Any]] | None = None,
                 signature: ModelSignature | None = None, saved_input_example_info: dict[str, Any] | None = None,
                 model_uuid: str | None = None, model_size_bytes: int | None = None,
                 metadata: dict[str, Any] | None = None, env_vars: list[str] | None = None,
                 mlflow_version: str | None = None, mlledger_version: str | None = None,
                 **extra: Any) -> None:
        self.artifact_path = artifact_path
        self.run_id = run_id
        self.utc_time_created = utc_time_created or dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")
        self.flavors: dict[str, dict[str, Any]] = dict(flavors or {})
        self.signature = signature
        self.saved_input_example_info = saved_input_example_info
        self.model_uuid = model_uuid or uuid.uuid4().hex
        self.model_size_bytes = model_size_bytes
        self.metadata = metadata
        self.env_vars = env_vars
        self.mlflow_version = mlflow_version
        self.mlledger_version = mlledger_version or _version()
        self.extra = extra
        #: The directory this MLmodel was read from or written to (not part of the file).
        self.directory: str | None = None

    def add_flavor(self, name: str, **params: Any) -> Model:
        """Record a flavor and its configuration (e.g. which file holds the pickled estimator)."""
        self.flavors[name] = params
        return self

    def get_input_schema(self) -> Any:
        return self.signature.inputs if self.signature is not None else None

    def get_output_schema(self) -> Any:
        return self.signature.outputs if self.signature is not None else None

    def get_params_schema(self) -> Any:
        return self.signature.params if self.signature is not None else None

    def to_dict(self) -> dict[str, Any]:
        """The YAML content; unset optional fields are left out, as MLflow leaves them out."""
        out: dict[str, Any] = {}
        if self.artifact_path is not None:
            out["artifact_path"] = self.artifact_path
        out["flavors"] = self.flavors
        if self.mlflow_version is not None:
            out["mlflow_version"] = self.mlflow_version
        out["mlledger_version"] = self.mlledger_version
        if self.model_size_bytes is not None:
            out["model_size_bytes"] = self.model_size_bytes
        out["model_uuid"] = self.model_uuid
        if self.run_id is not None:
            out["run_id"] = self.run_id
        if self.saved_input_example_info is not None:
            out["saved_input_example_info"] = self.saved_input_example_info
        if self.signature is not None:
            out["signature"] = self.signature.to_dict()
        out["utc_time_created"] = self.utc_time_created
        if self.metadata is not None:
            out["metadata"] = self.metadata
        if self.env_vars is not None:
            out["env_vars"] = self.env_vars
        out.update(self.extra)
        return out

    def to_yaml(self) -> str:
        return str(yaml.safe_dump(self.to_dict(), default_flow_style=False, sort_keys=True))

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write `MLmodel` to `path` (a directory, or the file itself)."""
        target = Path(path)
        if target.is_dir():
            target = target / MLMODEL_FILE_NAME
        target.write_text(self.to_yaml(), encoding="utf-8")

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Model:
        data = dict(data)
        signature = data.pop("signature", None)
        # MLflow writes these beside the signature; they only matter to MLflow's type-hint models.
        hints: dict[str, Any] = {k: data.pop(k) for k in ("is_signature_from_type_hint", "type_hint_from_example") if k in data}
        model = cls(signature=ModelSignature.from_dict(signature) if signature else None, **data)
        model.extra.update(hints)
        return model

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Model:
        """Read `MLmodel` from a model directory or from the file's own path."""
        source = Path(path)
        if source.is_dir():
            source = source / MLMODEL_FILE_NAME
        if not source.is_file():
            raise FileNotFoundError(f"no {MLMODEL_FILE_NAME} file at {source}")
        data = yaml.safe_load(source.read_text(encoding="utf-8")) or {}
        if not isinstance(data, dict) or "flavors" not in data:
            raise ValueError(f"{source} is not an MLmodel file: it has no 'flavors'")
        model = cls.from_dict(data)
        model.directory = str(source.parent)
        return model

    def __repr__(self) -> str:
        return f"Model(flavors={sorted(self.flavors)}, run_id={self.run_id!r}, model_uuid={self.model_uuid!r})"


def directory_size(path: str | os.PathLike[str]) -> int:
    """Bytes of every file below `path` (what `model_size_bytes` records)."""
    return sum(f.stat().st_size for f in Path(path).rglob("*") if f.is_file())

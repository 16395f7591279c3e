"""Logging a model: save it to a temporary directory, store that as the active run's artifacts,
and (with `registered_model_name`) register it as a new version in the same call."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlledger import errors
from mlledger.models.model import Model
from mlledger.models.schema import ModelSignature


@dataclass(frozen=True)
class ModelInfo:
    """What `log_model` stored: where (a runs:/ URI), from which run, and its version if registered."""

    model_uri: str
    artifact_path: str
    run_id: str
    flavors: dict[str, Any]
    signature: ModelSignature | None
    model_uuid: str
    utc_time_created: str
    registered_model_version: int | None = None
    metadata: dict[str, Any] | None = None


def log_model(save: Callable[[Path, Model], Model], name: str, *,
              registered_model_name: str | None = None, tags: dict[str, Any] | None = None) -> ModelInfo:
    """Run `save(directory, Model(run_id, artifact_path))`, upload the directory under `name`, register it."""
    if not name or name.strip("/") != name or ".." in name.split("/"):
        raise errors.InvalidArgument("name", f"expected a relative artifact path such as 'model', got {name!r}")
    from mlledger import _fluent

    run_id = str(_fluent._get_or_start_run())
    client = _fluent._client()
    with tempfile.TemporaryDirectory(prefix="mlledger-model-") as scratch:
        directory = Path(scratch) / "model"
        model = save(directory, Model(artifact_path=name, run_id=run_id))
        client.log_artifacts(run_id, directory, name)
    uri = f"runs:/{run_id}/{name}"
    version = None
    if registered_model_name:
        from mlledger._fluent_registry import register_model

        version = int(register_model(uri, registered_model_name, tags=tags).version)
    return ModelInfo(uri, name, run_id, model.flavors, model.signature, model.model_uuid, model.utc_time_created,
                     version, model.metadata)

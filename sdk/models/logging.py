"""Logging a model: save it to a temporary directory, store that as the active run's artifacts,
and (with `registered_model_name`) register it as a new version in the same call."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlledger import errors
from mlledger.models.model import Model
from mlledger.models.schema import ModelSignature

#: The run tag listing the models logged in a run, under MLflow's name (its UI reads it).
HISTORY_TAG = "mlflow.log-model.history"


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
    _record_in_run(client, run_id, model)
    uri = f"runs:/{run_id}/{name}"
    version = None
    if registered_model_name:
        from mlledger._fluent_registry import register_model

        version = int(register_model(uri, registered_model_name, tags=tags).version)
    return ModelInfo(uri, name, run_id, model.flavors, model.signature, model.model_uuid, model.utc_time_created,
                     version, model.metadata)


def _record_in_run(client: Any, run_id: str, model: Model) -> None:
    """Append the model to the run's log-model history tag, so the run's events say a model was logged."""
    try:
        history = json.loads(client.get_run(run_id).data.tags.get(HISTORY_TAG, "[]"))
    except ValueError:
        history = []  # a tag someone else wrote by hand: start a fresh list
    entry: dict[str, Any] = {"run_id": run_id, "artifact_path": model.artifact_path, "utc_time_created": model.utc_time_created,
             "model_uuid": model.model_uuid, "flavors": {name: {} for name in model.flavors}}
    client.set_tag(run_id, HISTORY_TAG, json.dumps([*history, entry] if isinstance(history, list) else [entry]))

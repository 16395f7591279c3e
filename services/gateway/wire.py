"""Conversions between the services' protobuf messages and MLflow's JSON shapes.

MLflow sends times as integer milliseconds, enums as names ("RUNNING", "active", "Staging"),
model versions as strings and non-finite doubles as "NaN"/"Infinity". Managed artifact
locations (`mlledger-artifacts:/key`) are shown to MLflow clients as `mlflow-artifacts:/key`,
which they fetch through this gateway's artifact proxy.
"""

from __future__ import annotations

import math
from typing import Any


from mlledger.services.gateway.errors import invalid
from mlledger.timestamps import millis
from mlledger.v1 import registry_pb2 as rpb
from mlledger.v1 import tracking_pb2 as tpb
from mlledger.vocabulary import RUN_STATUS_NAMES, RUN_STATUSES, stage_by_name, stage_name

MANAGED = "mlledger-artifacts:/"
PROXIED = "mlflow-artifacts:/"

VIEW_TYPES: dict[str, tpb.ViewType] = {"ACTIVE_ONLY": tpb.ACTIVE_ONLY, "DELETED_ONLY": tpb.DELETED_ONLY, "ALL": tpb.ALL,
              "1": tpb.ACTIVE_ONLY, "2": tpb.DELETED_ONLY, "3": tpb.ALL}
_VERSION_STATUS = {rpb.PENDING_REGISTRATION: "PENDING_REGISTRATION", rpb.FAILED_REGISTRATION: "FAILED_REGISTRATION",
                   rpb.READY: "READY"}


def number(value: float) -> float | str:
    """A double as proto3 JSON writes it (non-finite values as strings)."""
    if math.isfinite(value):
        return value
    if math.isnan(value):
        return "NaN"
    return "Infinity" if value > 0 else "-Infinity"


def to_proxied(uri: str) -> str:
    """A location as MLflow clients should see it."""
    return PROXIED + uri[len(MANAGED):] if uri.startswith(MANAGED) else uri


def to_managed(uri: str) -> str:
    """A location as the services know it."""
    if uri.startswith(PROXIED):
        return MANAGED + uri[len(PROXIED):].lstrip("/")
    return uri


def run_status(name: str, field: str = "status") -> tpb.RunStatus:
    """A run status name as its enum number."""
    status = RUN_STATUSES.get(str(name).upper())
    if status is None:
        raise invalid(f"Invalid value '{name}' for parameter '{field}': expected one of {', '.join(RUN_STATUSES)}")
    return status


def view_type(value: Any, field: str) -> tpb.ViewType:
    """An MLflow ViewType name (or number) as the services' enum."""
    if value in (None, ""):
        return tpb.ACTIVE_ONLY
    view = VIEW_TYPES.get(str(value).upper())
    if view is None:
        raise invalid(f"Invalid value '{value}' for parameter '{field}': expected ACTIVE_ONLY, DELETED_ONLY or ALL")
    return view


def stage(value: str, field: str = "stage") -> rpb.ModelStage:
    """An MLflow stage name (any case) as the registry's enum."""
    found = stage_by_name(str(value).strip())
    if found is None:
        raise invalid(f"Invalid Model Version stage: {value}. Value must be one of None, Staging, Production, "
                      "Archived.")
    return found


def tags(items: Any) -> list[dict[str, str]]:
    return [{"key": tag.key, "value": tag.value} for tag in items]


def experiment(exp: tpb.Experiment) -> dict[str, Any]:
    return {
        "experiment_id": exp.experiment_id,
        "name": exp.name,
        "artifact_location": to_proxied(exp.artifact_location),
        "lifecycle_stage": "deleted" if exp.lifecycle_stage == tpb.DELETED else "active",
        "last_update_time": millis(exp.last_update_time),
        "creation_time": millis(exp.creation_time),
        "tags": tags(exp.tags),
    }


def run_info(info: tpb.RunInfo) -> dict[str, Any]:
    result: dict[str, Any] = {
        "run_uuid": info.run_id,
        "run_id": info.run_id,
        "run_name": info.run_name,
        "experiment_id": info.experiment_id,
        "user_id": info.user_id,
        "status": RUN_STATUS_NAMES.get(info.status, "RUNNING"),
        "start_time": millis(info.start_time),
        "artifact_uri": to_proxied(info.artifact_uri),
        "lifecycle_stage": "deleted" if info.lifecycle_stage == tpb.DELETED else "active",
    }
    if info.HasField("end_time"):
        result["end_time"] = millis(info.end_time)
    return result


def metric(point: tpb.Metric) -> dict[str, Any]:
    return {"key": point.key, "value": number(point.value), "timestamp": point.timestamp_ms, "step": point.step}


def dataset_input(item: tpb.DatasetInput) -> dict[str, Any]:
    data = item.dataset
    dataset = {"name": data.name, "digest": data.digest, "source_type": data.source_type, "source": data.source}
    if data.schema:
        dataset["schema"] = data.schema
    if data.profile:
        dataset["profile"] = data.profile
    input_tags = tags(item.tags)
    if item.context:
        input_tags.append({"key": "mlflow.data.context", "value": item.context})
    return {"tags": input_tags, "dataset": dataset}


def run(value: tpb.Run) -> dict[str, Any]:
    return {
        "info": run_info(value.info),
        "data": {
            "metrics": [metric(point) for point in value.data.metrics],
            "params": [{"key": p.key, "value": p.value} for p in value.data.params],
            "tags": tags(value.data.tags),
        },
        "inputs": {"dataset_inputs": [dataset_input(item) for item in value.inputs.dataset_inputs]},
    }


def model_version(version: rpb.ModelVersion) -> dict[str, Any]:
    result: dict[str, Any] = {
        "name": version.name,
        "version": str(version.version),
        "creation_timestamp": millis(version.creation_time),
        "last_updated_timestamp": millis(version.last_updated_time),
        "user_id": version.user_id,
        "current_stage": stage_name(version.current_stage),
        "description": version.description,
        "source": to_proxied(version.source),
        "run_id": version.run_id,
        "status": _VERSION_STATUS.get(version.status, "READY"),
        "tags": tags(version.tags),
        "aliases": list(version.aliases),
    }
    if version.status_message:
        result["status_message"] = version.status_message
    return result


def registered_model(model: rpb.RegisteredModel) -> dict[str, Any]:
    return {
        "name": model.name,
        "creation_timestamp": millis(model.creation_time),
        "last_updated_timestamp": millis(model.last_updated_time),
        "description": model.description,
        "latest_versions": [model_version(version) for version in model.latest_versions],
        "tags": tags(model.tags),
        "aliases": [{"alias": alias.alias, "version": str(alias.version)} for alias in model.aliases],
    }

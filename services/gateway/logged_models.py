"""MLflow 3 logged models, kept as one JSON document per model in the artifact service.

A logged model is the record `mlflow.<flavor>.log_model` creates before uploading a model's
files: name, experiment, source run, status, tags and params. The gateway stays stateless by
storing that record as `mlledger-artifacts:/logged-models/<model_id>.json` (every change is an
`artifact.stored` event with the caller as actor); the model's files live beside its
experiment's runs, under `<experiment artifact_location>/models/<model_id>/artifacts`.
Concurrent changes to one model's record are last-writer-wins.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import grpc

from mlledger.services.gateway import wire
from mlledger.services.gateway.backend import Caller
from mlledger.services.gateway.errors import MlflowError, from_rpc_error, invalid, not_found
from mlledger.services.gateway.params import Params
from mlledger.services.gateway.routes import Handler
from mlledger.v1 import artifacts_pb2 as apb
from mlledger.v1 import tracking_pb2 as tpb

LOCATION = wire.MANAGED + "logged-models"
STATUSES = ("LOGGED_MODEL_STATUS_UNSPECIFIED", "LOGGED_MODEL_PENDING", "LOGGED_MODEL_READY",
            "LOGGED_MODEL_UPLOAD_FAILED")
_MODEL_ID = re.compile(r"^m-[0-9a-f]{32}$")
_CONDITION = re.compile(r"^\s*([A-Za-z_][\w.]*)\s*(=|!=)\s*'((?:[^']|'')*)'\s*$")


def model_id_of(uri: str) -> str:
    """The model id of a `models:/<model_id>` URI, else ""."""
    rest = uri[len("models:/"):] if uri.startswith("models:/") else ""
    return rest if _MODEL_ID.match(rest) else ""


async def load(caller: Caller, model_id: str) -> dict[str, Any]:
    """A logged model's record; RESOURCE_DOES_NOT_EXIST when there is none."""
    if not _MODEL_ID.match(model_id):
        raise not_found(f"Logged model with ID '{model_id}' not found.")
    body = bytearray()
    try:
        async for message in caller.stream_out(caller.services.artifacts.DownloadArtifact,
                                               apb.DownloadArtifactRequest(artifact_uri=LOCATION,
                                                                           path=f"{model_id}.json")):
            body += message.chunk
    except grpc.aio.AioRpcError as exc:
        if exc.code() == grpc.StatusCode.NOT_FOUND:
            raise not_found(f"Logged model with ID '{model_id}' not found.") from None
        raise from_rpc_error(exc) from None  # e.g. the artifact service unavailable: 503, not a 500
    except Exception as exc:  # noqa: BLE001 - a stream failing other than with a status is a bug
        raise MlflowError("INTERNAL_ERROR", f"reading logged model {model_id}: {exc}") from None
    return json.loads(body)


async def _save(caller: Caller, info: dict[str, Any]) -> None:
    info["last_updated_timestamp_ms"] = int(time.time() * 1000)
    data = json.dumps(info, sort_keys=True).encode()

    async def messages() -> AsyncIterator[apb.UploadArtifactRequest]:
        yield apb.UploadArtifactRequest(header=apb.UploadHeader(artifact_uri=LOCATION, path=f"{info['model_id']}.json"))
        yield apb.UploadArtifactRequest(chunk=data)

    await caller.stream_in(caller.services.artifacts.UploadArtifact, messages())


def _json(info: dict[str, Any]) -> dict[str, Any]:
    shown = {key: value for key, value in info.items() if key != "params"}
    shown["artifact_uri"] = wire.to_proxied(info["artifact_uri"])
    shown["tags"] = [{"key": k, "value": v} for k, v in sorted(info.get("tags", {}).items())]
    return {"info": shown, "data": {"params": [{"key": k, "value": v} for k, v in sorted(info.get("params", {}).items())],
                                    "metrics": []}}


def _pairs(params: Params, name: str) -> dict[str, str]:
    return {str(item.get("key", "")): str(item.get("value", "")) for item in params.items(name)}


async def create(params: Params, caller: Caller) -> dict[str, Any]:
    experiment_id = params.string("experiment_id", required=True)
    experiment = await caller.call(caller.services.tracking.GetExperiment,
                                   tpb.GetExperimentRequest(experiment_id=experiment_id))
    model_id = f"m-{uuid.uuid4().hex}"
    now = int(time.time() * 1000)
    info = {
        "model_id": model_id, "experiment_id": experiment_id, "name": params.string("name") or "model",
        "creation_timestamp_ms": now, "last_updated_timestamp_ms": now,
        "artifact_uri": f"{experiment.experiment.artifact_location.rstrip('/')}/models/{model_id}/artifacts",
        "status": "LOGGED_MODEL_PENDING", "model_type": params.string("model_type"),
        "source_run_id": params.string("source_run_id"), "creator_id": 0,
        "tags": _pairs(params, "tags"), "params": _pairs(params, "params"),
    }
    await _save(caller, info)
    return {"model": _json(info)}


async def get(params: Params, caller: Caller) -> dict[str, Any]:
    return {"model": _json(await load(caller, params.string("model_id", required=True)))}


async def finalize(params: Params, caller: Caller) -> dict[str, Any]:
    info = await load(caller, params.string("model_id", required=True))
    status = params.get("status")
    if isinstance(status, int) and 0 <= status < len(STATUSES):
        status = STATUSES[status]
    if status not in STATUSES[1:]:
        raise invalid(f"Invalid value {status!r} for parameter 'status': expected one of {', '.join(STATUSES[1:])}")
    info["status"] = status
    await _save(caller, info)
    return {"model": _json(info)}


async def set_tags(params: Params, caller: Caller) -> dict[str, Any]:
    info = await load(caller, params.string("model_id", required=True))
    info.setdefault("tags", {}).update(_pairs(params, "tags"))
    await _save(caller, info)
    return {}


async def delete_tag(params: Params, caller: Caller) -> dict[str, Any]:
    info = await load(caller, params.string("model_id", required=True))
    key = params.string("tag_key", required=True)
    if key not in info.get("tags", {}):
        raise not_found(f"No tag with key {key!r} found for logged model {info['model_id']!r}.")
    del info["tags"][key]
    await _save(caller, info)
    return {}


async def log_params(params: Params, caller: Caller) -> dict[str, Any]:
    info = await load(caller, params.string("model_id", required=True))
    info.setdefault("params", {}).update(_pairs(params, "params"))
    await _save(caller, info)
    return {}


async def delete(params: Params, caller: Caller) -> dict[str, Any]:
    model_id = params.string("model_id", required=True)
    await load(caller, model_id)
    await caller.call(caller.services.artifacts.DeleteArtifacts,
                      apb.DeleteArtifactsRequest(artifact_uri=LOCATION, path=f"{model_id}.json"))
    return {}


def _matcher(text: str) -> list[tuple[str, str, str]]:
    conditions = []
    for part in re.split(r"\s+AND\s+", text.strip(), flags=re.IGNORECASE) if text.strip() else []:
        found = _CONDITION.match(part)
        if found is None:
            raise invalid(f"Invalid filter '{text}': the gateway supports conditions of the form "
                          "<attribute> = '<value>' or != joined with AND")
        conditions.append((found.group(1), found.group(2), found.group(3).replace("''", "'")))
    return conditions


def _value(info: dict[str, Any], name: str) -> str | None:
    for prefix, field in (("tags.", "tags"), ("params.", "params")):
        if name.startswith(prefix):
            return info.get(field, {}).get(name[len(prefix):])
    name = name.removeprefix("attributes.")
    if name not in ("name", "source_run_id", "model_type", "status", "model_id"):
        raise invalid(f"Invalid attribute key '{name}' in logged model filter")
    return str(info.get(name, ""))


async def search(params: Params, caller: Caller) -> dict[str, Any]:
    experiments = set(params.strings("experiment_ids"))
    conditions = _matcher(params.string("filter"))
    max_results = params.integer("max_results", default=100)
    offset = params.integer("page_token", default=0)
    found: list[dict[str, Any]] = []
    token = ""
    while True:
        page = await caller.call(caller.services.artifacts.ListArtifacts, apb.ListArtifactsRequest(
            artifact_uri=LOCATION, page_size=10_000, page_token=token))
        for item in page.files:
            if item.is_dir or not item.path.endswith(".json"):
                continue
            try:
                info = await load(caller, item.path[:-len(".json")])
            except MlflowError:
                continue  # deleted meanwhile
            if experiments and info["experiment_id"] not in experiments:
                continue
            if all((_value(info, name) == value) == (op == "=") for name, op, value in conditions):
                found.append(info)
        token = page.next_page_token
        if not token:
            break
    found.sort(key=lambda info: (-info["creation_timestamp_ms"], info["model_id"]))
    result: dict[str, Any] = {"models": [_json(info) for info in found[offset:offset + max_results]]}
    if offset + max_results < len(found):
        result["next_page_token"] = str(offset + max_results)
    return result


TABLE: list[tuple[str, list[str], Handler]] = [
    ("/logged-models", ["POST"], create),
    ("/logged-models/search", ["POST"], search),
    ("/logged-models/{model_id}", ["GET"], get),
    ("/logged-models/{model_id}", ["PATCH"], finalize),
    ("/logged-models/{model_id}", ["DELETE"], delete),
    ("/logged-models/{model_id}/tags", ["PATCH"], set_tags),
    ("/logged-models/{model_id}/tags/{tag_key}", ["DELETE"], delete_tag),
    ("/logged-models/{model_id}/params", ["POST"], log_params),
]

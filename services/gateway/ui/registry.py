"""Registry views beyond MLflow's API: a model's timeline, the model "as of" a moment, a version page.

The timeline is the registry's own event log for the model (GetHistory); the as-of view asks the
registry to fold those events up to the moment (AsOf reads), never the current state.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

from google.protobuf import timestamp_pb2

from mlledger.services.gateway import wire
from mlledger.services.gateway.backend import Caller
from mlledger.services.gateway.errors import MlflowError, invalid
from mlledger.services.gateway.params import Params
from mlledger.services.gateway.ui.events import event_json
from mlledger.v1 import events_pb2
from mlledger.v1 import registry_pb2 as pb
from mlledger.vocabulary import stage_name

HISTORY_PAGE = 1000
#: Events a timeline page shows at most (the newest, when a model has more).
MAX_TIMELINE = 20_000


async def _history(caller: Caller, name: str) -> list[events_pb2.Event]:
    """Every event of the model and its versions, ascending by position."""
    events: list[events_pb2.Event] = []
    after = 0
    while True:
        page = await caller.call(caller.services.registry.GetHistory, pb.GetHistoryRequest(
            name=name, after_position=after, limit=HISTORY_PAGE))
        events.extend(page.events)
        if len(page.events) < HISTORY_PAGE:
            return events
        after = page.last_position


def _timeline_event(event: events_pb2.Event) -> dict[str, Any]:
    shown = event_json(event)
    shown["position"] = event.global_position
    return shown


async def timeline(params: Params, caller: Caller) -> dict[str, Any]:
    """`GET /ui-api/models/{name}/timeline`: every event of the model, oldest first, and the model's id."""
    name = params.string("name", required=True)
    events = await _history(caller, name)
    model_id = events[0].stream.rpartition("/")[2] if events else ""
    return {"name": name, "model_id": model_id, "total": len(events),
            "events": [_timeline_event(event) for event in events[-MAX_TIMELINE:]]}


def _moment(params: Params) -> timestamp_pb2.Timestamp:
    """The `time` parameter: milliseconds since the epoch or an ISO 8601 time (UTC unless it says)."""
    text = params.string("time", required=True)
    try:
        millis = int(text)
    except ValueError:
        try:
            moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise invalid(f"Invalid value '{text}' for parameter 'time': expected milliseconds since the epoch "
                          "or an ISO 8601 time.") from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.timezone.utc)
        millis = int(moment.timestamp() * 1000)
    stamp = timestamp_pb2.Timestamp()
    stamp.FromMilliseconds(millis)
    return stamp


async def as_of(params: Params, caller: Caller) -> dict[str, Any]:
    """`GET /ui-api/models/{name}/as-of?time=|position=`: which version held which stage and alias then."""
    name = params.string("name", required=True)
    if params.string("position"):
        position = params.integer("position")
        if position < 1:
            raise invalid(f"Invalid value {position} for parameter 'position': positions start at 1.")
        point, moment_text = pb.AsOf(position=position), f"registry event {position}"
    else:
        moment = _moment(params)
        point, moment_text = pb.AsOf(time=moment), moment.ToJsonString()
    registry = caller.services.registry
    try:
        answer = await caller.call(registry.GetRegisteredModel, pb.GetRegisteredModelRequest(name=name, as_of=point))
    except MlflowError as exc:
        if exc.error_code != "RESOURCE_DOES_NOT_EXIST":
            raise
        raise MlflowError(exc.error_code, f"Model '{name}' did not exist at {moment_text}.") from None
    position, model = answer.position, answer.registered_model
    events = [event for event in await _history(caller, name) if event.global_position <= position]
    numbers = sorted({_version_of(event) for event in events if event.type == "model_version.created"})
    point = pb.AsOf(position=position)

    async def version(number: int) -> dict[str, Any] | None:
        try:
            found = (await caller.call(registry.GetModelVersion, pb.GetModelVersionRequest(
                name=model.name, version=number, as_of=point))).model_version
        except MlflowError as exc:
            if exc.error_code == "RESOURCE_DOES_NOT_EXIST":
                return None  # deleted by then
            raise
        return {"version": str(found.version), "stage": stage_name(found.current_stage),
                "aliases": sorted(found.aliases), "status": wire.model_version(found)["status"]}

    versions = [v for v in await asyncio.gather(*(version(n) for n in numbers)) if v is not None]
    return {"name": model.name, "position": position,
            "time": events[-1].time.ToMilliseconds() if events else None,
            "aliases": [{"alias": a.alias, "version": str(a.version)} for a in model.aliases],
            "versions": versions}


def _version_of(event: events_pb2.Event) -> int:
    created = pb.ModelVersionCreated()
    event.payload.Unpack(created)
    return created.version


def _load_snippet(uri: str, flavors: list[str]) -> str:
    lines = ["import mlledger.pyfunc", "", f'model = mlledger.pyfunc.load_model("{uri}")',
             "predictions = model.predict(data)"]
    if "python_function" not in flavors and flavors:
        lines.append(f"# flavors of this model: {', '.join(flavors)}")
    return "\n".join(lines)


async def version_page(params: Params, caller: Caller) -> dict[str, Any]:
    """`GET /ui-api/models/{name}/versions/{version}`: the version, its source run, signature and how to load it."""
    name = params.string("name", required=True)
    number = params.integer("version", required=True)
    if number < 1:
        raise invalid(f"Invalid value {number} for parameter 'version': versions start at 1.")
    found = (await caller.call(caller.services.registry.GetModelVersion, pb.GetModelVersionRequest(
        name=name, version=number))).model_version
    shown = wire.model_version(found)
    fmt, lineage = found.model_format, found.lineage
    uri = f"models:/{found.name}/{found.version}"
    shown.update({
        "storage_location": found.storage_location,
        "lineage": {"run_id": lineage.run_id, "experiment_id": lineage.experiment_id,
                    "run_digest": lineage.run_digest, "params": dict(lineage.params),
                    "metrics": {k: wire.number(v) for k, v in lineage.metrics.items()}},
        "format": {"flavors": list(fmt.flavors), "loader_module": fmt.loader_module,
                   "python_version": fmt.python_version, "signature_inputs": fmt.signature_inputs,
                   "signature_outputs": fmt.signature_outputs, "signature_params": fmt.signature_params},
        "load": {"uri": uri, "aliases": [f"models:/{found.name}@{a}" for a in found.aliases],
                 "python": _load_snippet(uri, list(fmt.flavors)),
                 "cli": f"mlledger models serve -m {uri}"},
    })
    return {"model_version": shown}

"""MLflow's experiment endpoints on the tracking service."""

from __future__ import annotations

from typing import Any

from mlledger.services.gateway import wire
from mlledger.services.gateway.backend import Caller
from mlledger.services.gateway.errors import invalid
from mlledger.services.gateway.params import Params
from mlledger.services.gateway.routes import Handler
from mlledger.v1 import tracking_pb2 as pb


def _tags(params: Params, name: str = "tags") -> list[pb.Tag]:
    return [pb.Tag(key=str(item.get("key", "")), value=str(item.get("value", ""))) for item in params.items(name)]


async def create(params: Params, caller: Caller) -> dict[str, Any]:
    name = params.string("name", required=True)
    response = await caller.call(caller.services.tracking.CreateExperiment, pb.CreateExperimentRequest(
        name=name, artifact_location=wire.to_managed(params.string("artifact_location")), tags=_tags(params)))
    return {"experiment_id": response.experiment_id}


async def get(params: Params, caller: Caller) -> dict[str, Any]:
    request = pb.GetExperimentRequest(experiment_id=params.string("experiment_id", required=True))
    response = await caller.call(caller.services.tracking.GetExperiment, request)
    return {"experiment": wire.experiment(response.experiment)}


async def get_by_name(params: Params, caller: Caller) -> dict[str, Any]:
    request = pb.GetExperimentByNameRequest(name=params.string("experiment_name", required=True))
    response = await caller.call(caller.services.tracking.GetExperimentByName, request)
    return {"experiment": wire.experiment(response.experiment)}


async def search(params: Params, caller: Caller) -> dict[str, Any]:
    max_results = params.integer("max_results", default=1000)
    if max_results < 1 or max_results > 50000:
        raise invalid(f"Invalid value {max_results} for parameter 'max_results' supplied. It must be at most "
                      "50000.")
    response = await caller.call(caller.services.tracking.SearchExperiments, pb.SearchExperimentsRequest(
        filter=params.string("filter"), order_by=params.strings("order_by"),
        view_type=wire.view_type(params.get("view_type"), "view_type"), page_size=max_results,
        page_token=params.string("page_token")))
    result: dict[str, Any] = {"experiments": [wire.experiment(exp) for exp in response.experiments]}
    if response.next_page_token:
        result["next_page_token"] = response.next_page_token
    return result


async def update(params: Params, caller: Caller) -> dict[str, Any]:
    experiment_id = params.string("experiment_id", required=True)
    new_name = params.string("new_name")
    if new_name:
        await caller.call(caller.services.tracking.UpdateExperiment,
                          pb.UpdateExperimentRequest(experiment_id=experiment_id, new_name=new_name))
    return {}


async def delete(params: Params, caller: Caller) -> dict[str, Any]:
    request = pb.DeleteExperimentRequest(experiment_id=params.string("experiment_id", required=True))
    await caller.call(caller.services.tracking.DeleteExperiment, request)
    return {}


async def restore(params: Params, caller: Caller) -> dict[str, Any]:
    request = pb.RestoreExperimentRequest(experiment_id=params.string("experiment_id", required=True))
    await caller.call(caller.services.tracking.RestoreExperiment, request)
    return {}


async def set_tag(params: Params, caller: Caller) -> dict[str, Any]:
    await caller.call(caller.services.tracking.SetExperimentTag, pb.SetExperimentTagRequest(
        experiment_id=params.string("experiment_id", required=True), key=params.string("key", required=True),
        value=params.string("value")))
    return {}


async def delete_tag(params: Params, caller: Caller) -> dict[str, Any]:
    await caller.call(caller.services.tracking.DeleteExperimentTag, pb.DeleteExperimentTagRequest(
        experiment_id=params.string("experiment_id", required=True), key=params.string("key", required=True)))
    return {}


TABLE: list[tuple[str, list[str], Handler]] = [
    ("/experiments/create", ["POST"], create),
    ("/experiments/get", ["GET"], get),
    ("/experiments/get-by-name", ["GET"], get_by_name),
    ("/experiments/search", ["GET", "POST"], search),
    ("/experiments/update", ["POST"], update),
    ("/experiments/delete", ["POST"], delete),
    ("/experiments/restore", ["POST"], restore),
    ("/experiments/set-experiment-tag", ["POST"], set_tag),
    ("/experiments/delete-experiment-tag", ["POST"], delete_tag),
]

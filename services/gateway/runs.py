"""MLflow's run endpoints on the tracking service."""

from __future__ import annotations

from typing import Any

from mlledger.services.gateway import wire
from mlledger.services.gateway.backend import Caller
from mlledger.services.gateway.errors import invalid
from mlledger.services.gateway.params import Params
from mlledger.services.gateway.routes import Handler
from mlledger.timestamps import timestamp
from mlledger.v1 import tracking_pb2 as pb

PARENT_TAG = "mlflow.parentRunId"
RUN_NAME_TAG = "mlflow.runName"
CONTEXT_TAG = "mlflow.data.context"
# MLflow's batch limits (mlflow/utils/validation.py), enforced with its messages.
MAX_METRICS_PER_BATCH = 1000
MAX_PARAMS_TAGS_PER_BATCH = 100
MAX_ENTITIES_PER_BATCH = 1000


def _pairs(params: Params, name: str) -> list[tuple[str, str]]:
    pairs = []
    for index, item in enumerate(params.items(name)):
        key = item.get("key")
        if not isinstance(key, str) or not key:
            raise invalid(f"Missing value for required parameter '{name}[{index}].key'.")
        pairs.append((key, "" if item.get("value") is None else str(item.get("value"))))
    return pairs


def _batch_limit(entity: str, limit: int, length: int) -> None:
    if length > limit:
        raise invalid(f"A batch logging request can contain at most {limit} {entity}. Got {length} {entity}. "
                      f"Please split up {entity} across multiple requests and try again.")


def with_mlflow_tags(run: dict[str, Any], parent_run_id: str) -> dict[str, Any]:
    """Show the run's name and a nested run's parent under the tags MLflow's clients and UI read."""
    run_tags = run["data"]["tags"]
    keys = {tag["key"] for tag in run_tags}
    if RUN_NAME_TAG not in keys and run["info"]["run_name"]:
        run_tags.append({"key": RUN_NAME_TAG, "value": run["info"]["run_name"]})
    if parent_run_id and PARENT_TAG not in keys:
        run_tags.append({"key": PARENT_TAG, "value": parent_run_id})
    return run


def run_json(run: pb.Run) -> dict[str, Any]:
    return with_mlflow_tags(wire.run(run), run.info.parent_run_id)


async def create(params: Params, caller: Caller) -> dict[str, Any]:
    tags = _pairs(params, "tags")
    parent = next((value for key, value in tags if key == PARENT_TAG), "")
    request = pb.CreateRunRequest(
        experiment_id=params.string("experiment_id", default="0"), run_name=params.string("run_name"),
        tags=[pb.Tag(key=key, value=value) for key, value in tags], parent_run_id=parent,
        user_id=params.string("user_id"))
    if params.get("start_time") is not None:
        request.start_time.CopyFrom(timestamp(params.integer("start_time")))
    if not request.run_name:
        request.run_name = next((value for key, value in tags if key == RUN_NAME_TAG), "")
    response = await caller.call(caller.services.tracking.CreateRun, request)
    return {"run": run_json(response.run)}


async def get(params: Params, caller: Caller) -> dict[str, Any]:
    response = await caller.call(caller.services.tracking.GetRun, pb.GetRunRequest(run_id=params.run_id()))
    return {"run": run_json(response.run)}


async def update(params: Params, caller: Caller) -> dict[str, Any]:
    request = pb.UpdateRunRequest(run_id=params.run_id())
    if params.string("status"):
        request.status = wire.run_status(params.string("status"))
    if params.get("end_time") is not None:
        request.end_time.CopyFrom(timestamp(params.integer("end_time")))
    if params.get("run_name") is not None:
        request.run_name = params.string("run_name")
    response = await caller.call(caller.services.tracking.UpdateRun, request)
    return {"run_info": wire.run_info(response.run_info)}


async def delete(params: Params, caller: Caller) -> dict[str, Any]:
    await caller.call(caller.services.tracking.DeleteRun, pb.DeleteRunRequest(run_id=params.run_id()))
    return {}


async def restore(params: Params, caller: Caller) -> dict[str, Any]:
    await caller.call(caller.services.tracking.RestoreRun, pb.RestoreRunRequest(run_id=params.run_id()))
    return {}


async def set_tag(params: Params, caller: Caller) -> dict[str, Any]:
    await caller.call(caller.services.tracking.SetTag, pb.SetTagRequest(
        run_id=params.run_id(), key=params.string("key", required=True), value=params.string("value")))
    return {}


async def delete_tag(params: Params, caller: Caller) -> dict[str, Any]:
    await caller.call(caller.services.tracking.DeleteTag, pb.DeleteTagRequest(
        run_id=params.run_id(), key=params.string("key", required=True)))
    return {}


async def log_param(params: Params, caller: Caller) -> dict[str, Any]:
    await caller.call(caller.services.tracking.LogParam, pb.LogParamRequest(
        run_id=params.run_id(), key=params.string("key", required=True), value=params.string("value")))
    return {}


async def log_metric(params: Params, caller: Caller) -> dict[str, Any]:
    value = params.number("value", required=True)
    await caller.call(caller.services.tracking.LogMetric, pb.LogMetricRequest(
        run_id=params.run_id(), key=params.string("key", required=True), value=value,
        timestamp_ms=params.integer("timestamp", required=True), step=params.integer("step")))
    return {}


def _series(items: list[dict[str, Any]]) -> list[pb.MetricSeries]:
    """Metric objects grouped into one columnar series per key (columns built as lists: much faster)."""
    columns: dict[str, tuple[list[float], list[int], list[int]]] = {}
    for index, item in enumerate(items):
        key = item.get("key")
        if not isinstance(key, str) or not key:
            raise invalid(f"Missing value for required parameter 'metrics[{index}].key'.")
        try:
            value, stamp, step = float(item["value"]), int(item["timestamp"]), int(item.get("step") or 0)
        except (KeyError, TypeError, ValueError):
            raise invalid(f"Invalid value for metrics[{index}]: value and timestamp are required numbers and step "
                          f"an integer (got {item.get('value')!r}, {item.get('timestamp')!r}, "
                          f"{item.get('step')!r})") from None
        values, stamps, steps = columns.setdefault(key, ([], [], []))
        values.append(value)
        stamps.append(stamp)
        steps.append(step)
    return [pb.MetricSeries(key=key, values=values, timestamps_ms=stamps, steps=steps)
            for key, (values, stamps, steps) in columns.items()]


async def log_batch(params: Params, caller: Caller) -> dict[str, Any]:
    run_id = params.run_id()
    metrics, param_pairs, tag_pairs = params.items("metrics"), _pairs(params, "params"), _pairs(params, "tags")
    _batch_limit("metrics", MAX_METRICS_PER_BATCH, len(metrics))
    _batch_limit("params", MAX_PARAMS_TAGS_PER_BATCH, len(param_pairs))
    _batch_limit("tags", MAX_PARAMS_TAGS_PER_BATCH, len(tag_pairs))
    _batch_limit("metrics, params, and tags", MAX_ENTITIES_PER_BATCH, len(metrics) + len(param_pairs) + len(tag_pairs))
    await caller.call(caller.services.tracking.LogBatch, pb.LogBatchRequest(
        run_id=run_id, metrics=_series(metrics), params=[pb.Param(key=k, value=v) for k, v in param_pairs],
        tags=[pb.Tag(key=k, value=v) for k, v in tag_pairs]))
    return {}


async def log_inputs(params: Params, caller: Caller) -> dict[str, Any]:
    inputs = []
    for index, item in enumerate(params.items("datasets")):
        dataset = item.get("dataset") or {}
        if not isinstance(dataset, dict):
            raise invalid(f"Invalid value for parameter 'datasets[{index}].dataset': expected an object")
        input_tags = [(str(t.get("key", "")), str(t.get("value", ""))) for t in item.get("tags") or []]
        context = next((value for key, value in input_tags if key == CONTEXT_TAG), "")
        inputs.append(pb.DatasetInput(
            dataset=pb.Dataset(**{name: str(dataset.get(name) or "") for name in
                                  ("name", "digest", "source_type", "source", "schema", "profile")}),
            context=context, tags=[pb.Tag(key=k, value=v) for k, v in input_tags if k != CONTEXT_TAG]))
    if inputs:
        await caller.call(caller.services.tracking.LogInputs, pb.LogInputsRequest(run_id=params.run_id(),
                                                                                   datasets=inputs))
    return {}


async def search(params: Params, caller: Caller) -> dict[str, Any]:
    max_results = params.integer("max_results", default=1000)
    if max_results < 1 or max_results > 50000:
        raise invalid(f"Invalid value {max_results} for parameter 'max_results' supplied. It must be at most "
                      "50000.")
    response = await caller.call(caller.services.tracking.SearchRuns, pb.SearchRunsRequest(
        experiment_ids=params.strings("experiment_ids"), filter=params.string("filter"),
        run_view_type=wire.view_type(params.get("run_view_type"), "run_view_type"), max_results=max_results,
        order_by=params.strings("order_by"), page_token=params.string("page_token")))
    result: dict[str, Any] = {"runs": [run_json(run) for run in response.runs]}
    if response.next_page_token:
        result["next_page_token"] = response.next_page_token
    return result


async def log_outputs(params: Params, caller: Caller) -> dict[str, Any]:
    # A run's model outputs are recorded on the logged models themselves (source_run_id).
    params.run_id()
    return {}


TABLE: list[tuple[str, list[str], Handler]] = [
    ("/runs/create", ["POST"], create),
    ("/runs/get", ["GET"], get),
    ("/runs/update", ["POST"], update),
    ("/runs/delete", ["POST"], delete),
    ("/runs/restore", ["POST"], restore),
    ("/runs/set-tag", ["POST"], set_tag),
    ("/runs/delete-tag", ["POST"], delete_tag),
    ("/runs/log-parameter", ["POST"], log_param),
    ("/runs/log-metric", ["POST"], log_metric),
    ("/runs/log-batch", ["POST"], log_batch),
    ("/runs/log-inputs", ["POST"], log_inputs),
    ("/runs/outputs", ["POST"], log_outputs),
    ("/runs/search", ["POST", "GET"], search),
]

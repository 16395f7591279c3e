"""Run views beyond MLflow's API: a run's lineage and the runs a compare page shows."""

from __future__ import annotations

import asyncio
from typing import Any

from mlledger.services.gateway import wire
from mlledger.services.gateway.backend import Caller
from mlledger.services.gateway.errors import invalid
from mlledger.services.gateway.params import Params
from mlledger.services.gateway.runs import run_json
from mlledger.v1 import registry_pb2 as rpb
from mlledger.v1 import tracking_pb2 as pb

#: Runs one compare page may hold.
MAX_COMPARE = 1000
#: Children and model versions listed on a run page.
MAX_LISTED = 500
#: GetRun calls in flight at once for a compare page.
PARALLEL = 16


def _quoted(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _brief(run: pb.Run) -> dict[str, Any]:
    info = run.info
    return {"run_id": info.run_id, "run_name": info.run_name, "status": wire.run_info(info)["status"],
            "experiment_id": info.experiment_id}


async def lineage(params: Params, caller: Caller) -> dict[str, Any]:
    """`GET /ui-api/runs/{run_id}/lineage`: the parent run, the child runs and the model versions it produced."""
    run_id = params.string("run_id", required=True)
    tracking, registry = caller.services.tracking, caller.services.registry
    run = (await caller.call(tracking.GetRun, pb.GetRunRequest(run_id=run_id))).run
    parent_id = run.info.parent_run_id
    children_call = caller.call(tracking.SearchRuns, pb.SearchRunsRequest(
        experiment_ids=[run.info.experiment_id], filter=f"attributes.parent_run_id = {_quoted(run_id)}",
        run_view_type=pb.ALL, max_results=MAX_LISTED, order_by=["attributes.start_time ASC"]))
    versions_call = caller.call(registry.SearchModelVersions, rpb.SearchModelVersionsRequest(
        filter=f"run_id = {_quoted(run_id)}", max_results=1000))
    parent_call = caller.call(tracking.GetRun, pb.GetRunRequest(run_id=parent_id)) if parent_id else None
    children, versions, parent = await asyncio.gather(children_call, versions_call,
                                                      parent_call or asyncio.sleep(0, None))
    return {
        "run_id": run_id,
        "parent": _brief(parent.run) if parent is not None else None,
        "children": [_brief(child) for child in children.runs],
        "model_versions": [{"name": v.name, "version": str(v.version), "stage": wire.model_version(v)["current_stage"],
                            "aliases": list(v.aliases)} for v in versions.model_versions],
    }


async def compare(params: Params, caller: Caller) -> dict[str, Any]:
    """`POST /ui-api/runs/compare {"run_ids": [...]}`: each run with its data, in the order given."""
    run_ids = list(dict.fromkeys(params.strings("run_ids")))
    if not run_ids:
        raise invalid("Missing value for required parameter 'run_ids'.")
    if len(run_ids) > MAX_COMPARE:
        raise invalid(f"Invalid value for parameter 'run_ids': at most {MAX_COMPARE} runs, got {len(run_ids)}.")
    gate = asyncio.Semaphore(PARALLEL)

    async def one(run_id: str) -> dict[str, Any]:
        async with gate:
            return run_json((await caller.call(caller.services.tracking.GetRun, pb.GetRunRequest(run_id=run_id))).run)

    return {"runs": await asyncio.gather(*(one(run_id) for run_id in run_ids))}

"""The UI's JSON endpoints: down-sampled metric histories for charts."""

from __future__ import annotations

import asyncio
import math
from typing import Any

import numpy as np

from mlledger.services.gateway.backend import Caller
from mlledger.services.gateway.errors import invalid
from mlledger.services.gateway.params import Params
from mlledger.services.gateway.ui.sampling import downsample
from mlledger.v1 import tracking_pb2 as pb

MAX_RUNS = 100
MAX_POINTS = 10_000
#: The most points per run the tracking service returns from one bulk call (its MAX_BULK_POINTS).
BULK_CAP = 100_000


def _number(value: float) -> float | None:
    return value if math.isfinite(value) else None


async def _series(caller: Caller, run_id: str, key: str) -> pb.MetricSeries:
    """A run's whole history of `key`, all pages joined."""
    series, token = pb.MetricSeries(key=key), ""
    while True:
        page = await caller.call(caller.services.tracking.GetMetricHistory, pb.GetMetricHistoryRequest(
            run_id=run_id, metric_key=key, columnar=True, page_token=token))
        series.values.extend(page.series.values)
        series.timestamps_ms.extend(page.series.timestamps_ms)
        series.steps.extend(page.series.steps)
        token = page.next_page_token
        if not token:
            return series


async def _histories(caller: Caller, run_ids: list[str], key: str) -> dict[str, pb.MetricSeries]:
    """Every run's whole history in one bulk call (one query); runs longer than its cap page in parallel."""
    bulk = await caller.call(caller.services.tracking.GetMetricHistoryBulk, pb.GetMetricHistoryBulkRequest(
        run_ids=list(dict.fromkeys(run_ids)), metric_key=key, max_points_per_run=BULK_CAP))
    result = {item.run_id: item.series for item in bulk.histories}
    longer = [item.run_id for item in bulk.histories if item.total_points > len(item.series.values)]
    for run_id, series in zip(longer, await asyncio.gather(*(_series(caller, run_id, key) for run_id in longer))):
        result[run_id] = series
    return result


async def sampled_history(params: Params, caller: Caller) -> dict[str, Any]:
    """`GET /ui-api/metrics/sampled?run_ids=..&metric_key=..&points=..[&x=step|time][&start=..&end=..]`."""
    run_ids = params.strings("run_ids")
    if not run_ids:
        raise invalid("Missing value for required parameter 'run_ids'.")
    if len(run_ids) > MAX_RUNS:
        raise invalid(f"Invalid value for parameter 'run_ids': at most {MAX_RUNS} runs, got {len(run_ids)}.")
    key = params.string("metric_key", required=True)
    points = params.integer("points", default=1000)
    if not 3 <= points <= MAX_POINTS:
        raise invalid(f"Invalid value {points} for parameter 'points': it must be between 3 and {MAX_POINTS}.")
    axis = params.string("x", default="step")
    if axis not in ("step", "time"):
        raise invalid(f"Invalid value '{axis}' for parameter 'x': expected 'step' or 'time'.")
    start = params.number("start") if params.string("start") else -math.inf
    end = params.number("end") if params.string("end") else math.inf
    result = []
    histories = await _histories(caller, run_ids, key)
    for run_id in run_ids:
        series = histories.get(run_id, pb.MetricSeries(key=key))
        steps = np.asarray(series.steps, dtype=np.float64)
        stamps = np.asarray(series.timestamps_ms, dtype=np.float64)
        values = np.asarray(series.values, dtype=np.float64)
        if len(steps) != len(values):
            steps = np.zeros(len(values))
        x = steps if axis == "step" else stamps
        order = np.argsort(x, kind="stable")
        x, values, steps, stamps = x[order], values[order], steps[order], stamps[order]
        window = (x >= start) & (x <= end)
        x, values, steps, stamps = x[window], values[window], steps[window], stamps[window]
        picks = downsample(x, values, points)
        result.append({"run_id": run_id, "total": int(len(x)), "x": x[picks].tolist(),
                       "y": [_number(v) for v in values[picks].tolist()]})
    return {"metric_key": key, "x": axis, "series": result}

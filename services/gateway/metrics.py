"""MLflow's metric-history endpoints: paged full history, and down-sampled history of many runs."""

from __future__ import annotations

import math
from typing import Any

from mlledger.services.gateway.backend import Caller
from mlledger.services.gateway.errors import invalid
from mlledger.services.gateway.params import Params
from mlledger.services.gateway.routes import Handler
from mlledger.v1 import tracking_pb2 as pb

MAX_BULK_RUNS = 100
DEFAULT_BULK_POINTS = 320


def _points(series: pb.MetricSeries, key: str, run_id: str = "") -> list[dict[str, Any]]:
    """Columns as MLflow's metric objects; built column-wise because histories are long."""
    values = [value if math.isfinite(value) else ("NaN" if math.isnan(value) else
                                                  ("Infinity" if value > 0 else "-Infinity"))
              for value in series.values]
    steps = list(series.steps) or [0] * len(values)
    if run_id:
        return [{"key": key, "value": v, "timestamp": t, "step": s, "run_id": run_id}
                for v, t, s in zip(values, series.timestamps_ms, steps)]
    return [{"key": key, "value": v, "timestamp": t, "step": s}
            for v, t, s in zip(values, series.timestamps_ms, steps)]


async def history(params: Params, caller: Caller) -> dict[str, Any]:
    key = params.string("metric_key", required=True)
    max_results = params.integer("max_results", default=0)
    if params.get("max_results") is not None and max_results <= 0:
        raise invalid(f"Invalid value {max_results} for parameter 'max_results' supplied. It must be a positive "
                      "integer.")
    response = await caller.call(caller.services.tracking.GetMetricHistory, pb.GetMetricHistoryRequest(
        run_id=params.run_id(), metric_key=key, page_size=min(max_results, 1_000_000),
        page_token=params.string("page_token"), columnar=True))
    result: dict[str, Any] = {"metrics": _points(response.series, key)}
    if response.next_page_token:
        result["next_page_token"] = response.next_page_token
    return result


def _in_steps(series: pb.MetricSeries, start: int | None, end: int | None) -> pb.MetricSeries:
    if start is None and end is None:
        return series
    kept = pb.MetricSeries(key=series.key)
    for value, stamp, step in zip(series.values, series.timestamps_ms, series.steps):
        if (start is None or step >= start) and (end is None or step <= end):
            kept.values.append(value)
            kept.timestamps_ms.append(stamp)
            kept.steps.append(step)
    return kept


async def bulk_interval(params: Params, caller: Caller) -> dict[str, Any]:
    """One metric of up to 100 runs, at most `max_results` points per run, optionally within a step range."""
    run_ids = params.strings("run_ids")
    if not run_ids:
        raise invalid("GetMetricHistoryBulkInterval request must specify at least one run_id.")
    if len(run_ids) > MAX_BULK_RUNS:
        raise invalid(f"GetMetricHistoryBulkInterval request cannot specify more than {MAX_BULK_RUNS} run_ids. "
                      f"Received {len(run_ids)} run_ids.")
    key = params.string("metric_key", required=True)
    max_results = params.integer("max_results", default=DEFAULT_BULK_POINTS)
    if max_results < 2 or max_results > 100_000:
        raise invalid(f"max_results must be between 2 and 100000, got {max_results}.")
    start = params.integer("start_step") if params.get("start_step") is not None else None
    end = params.integer("end_step") if params.get("end_step") is not None else None
    if start is not None and end is not None and start > end:
        raise invalid(f"end_step must be greater than start_step. Found start_step={start} and end_step={end}.")
    if start is None and end is None:
        response = await caller.call(caller.services.tracking.GetMetricHistoryBulk, pb.GetMetricHistoryBulkRequest(
            run_ids=run_ids, metric_key=key, max_points_per_run=max_results))
        histories = [(item.run_id, item.series) for item in response.histories]
    else:
        histories = []
        for run_id in run_ids:
            page = await caller.call(caller.services.tracking.GetMetricHistory, pb.GetMetricHistoryRequest(
                run_id=run_id, metric_key=key, columnar=True))
            histories.append((run_id, _sampled(_in_steps(page.series, start, end), max_results)))
    metrics: list[dict[str, Any]] = []
    for run_id, series in histories:
        metrics.extend(_points(series, key, run_id))
    return {"metrics": metrics}


def _sampled(series: pb.MetricSeries, limit: int) -> pb.MetricSeries:
    """Evenly spaced points of a series, always keeping its first and last."""
    count = len(series.values)
    if count <= limit:
        return series
    picks = sorted({round(i * (count - 1) / (limit - 1)) for i in range(limit)})
    return pb.MetricSeries(key=series.key, values=[series.values[i] for i in picks],
                           timestamps_ms=[series.timestamps_ms[i] for i in picks],
                           steps=[series.steps[i] for i in picks])


TABLE: list[tuple[str, list[str], Handler]] = [
    ("/metrics/get-history", ["GET"], history),
    ("/metrics/get-history-bulk-interval", ["GET"], bulk_interval),
]

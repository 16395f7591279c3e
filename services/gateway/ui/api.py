"""`/ui-api/metrics/sampled`: metric histories down-sampled for the pixels a chart fills.

The tracking service cuts each history to the min and max of `points` buckets next to the data
(GetMetricHistoryBulk with HISTORY_SAMPLING_MIN_MAX); this process only runs LTTB over those.
"""

from __future__ import annotations

import asyncio
import math
from typing import Any

import numpy as np

from mlledger.services.gateway.backend import Caller
from mlledger.services.gateway.errors import invalid
from mlledger.services.gateway.params import Params
from mlledger.services.gateway.ui.sampling import lttb_indices
from mlledger.v1 import tracking_pb2 as pb

#: Runs one chart may overlay (a compare page of several hundred runs).
MAX_RUNS = 1000
MAX_POINTS = 10_000
#: Runs per GetMetricHistoryBulk call (the tracking service's MAX_BULK_RUNS).
BULK_RUNS = 100


def _number(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _bound(params: Params, name: str) -> float | None:
    text = params.string(name)
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise invalid(f"Invalid value '{text}' for parameter '{name}': expected a number.") from None
    if not math.isfinite(value):
        raise invalid(f"Invalid value '{text}' for parameter '{name}': expected a finite number.")
    return value


async def _bulk(caller: Caller, run_ids: list[str], key: str, points: int, axis: pb.HistoryAxis,
                start: float | None, end: float | None) -> list[pb.RunMetricHistory]:
    request = pb.GetMetricHistoryBulkRequest(run_ids=run_ids, metric_key=key, max_points_per_run=2 * points,
                                             sampling=pb.HISTORY_SAMPLING_MIN_MAX, axis=axis)
    if start is not None:
        request.window_start = start
    if end is not None:
        request.window_end = end
    return list((await caller.call(caller.services.tracking.GetMetricHistoryBulk, request)).histories)


def _run_series(history: pb.RunMetricHistory, by_time: bool, points: int) -> dict[str, Any]:
    """One run's bucketed series reduced by LTTB to at most `points`, first and last kept."""
    # Steps and timestamps are integers: sent as such, they cost fewer bytes than floats.
    x = np.asarray(history.series.timestamps_ms if by_time else history.series.steps, dtype=np.int64)
    y = np.asarray(history.series.values, dtype=np.float64)
    picks = lttb_indices(x.astype(np.float64), y, points)
    return {"run_id": history.run_id, "total": int(history.total_points), "x": x[picks].tolist(),
            "y": [_number(v) for v in y[picks].tolist()]}


async def sampled_history(params: Params, caller: Caller) -> dict[str, Any]:
    """`GET|POST /ui-api/metrics/sampled` with run_ids, metric_key, points, x=step|time, start, end."""
    run_ids = list(dict.fromkeys(params.strings("run_ids")))
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
    start, end = _bound(params, "start"), _bound(params, "end")
    by_time = axis == "time"
    groups = [run_ids[i:i + BULK_RUNS] for i in range(0, len(run_ids), BULK_RUNS)]
    answers = await asyncio.gather(*(_bulk(caller, group, key, points,
                                           pb.HISTORY_AXIS_TIME if by_time else pb.HISTORY_AXIS_STEP, start, end)
                                     for group in groups))
    series = [_run_series(history, by_time, points) for answer in answers for history in answer]
    return {"metric_key": key, "x": axis, "series": series}

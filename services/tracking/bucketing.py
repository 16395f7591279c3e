"""Charts' view of a long history: a window on the step or time axis, and min/max per bucket.

Reducing 100,000 points to the minimum and maximum of each of ~1,000 buckets here, next to the
data, means a chart's request moves kilobytes instead of megabytes between the services.
"""

from __future__ import annotations

import numpy as np

from mlledger.services.tracking.metrics import Points

_F64 = np.dtype("<f8")


def on_axis(points: Points, by_time: bool) -> Points:
    """The points ordered by the chart's x: steps as stored, or timestamps (stable for ties)."""
    if not by_time:
        return points
    order = np.argsort(points.timestamps, kind="stable")
    return Points(points.steps[order], points.timestamps[order], points.values[order])


def window(points: Points, by_time: bool, start: float | None, end: float | None) -> Points:
    """The points whose x lies in [start, end] (either bound may be open)."""
    if start is None and end is None:
        return points
    x = (points.timestamps if by_time else points.steps).astype(_F64)
    keep = np.ones(len(points), dtype=bool)
    if start is not None:
        keep &= x >= start
    if end is not None:
        keep &= x <= end
    return Points(points.steps[keep], points.timestamps[keep], points.values[keep])


def min_max(points: Points, limit: int) -> Points:
    """At most `limit` points: each of limit/2 - 1 equal-count buckets keeps its minimum and
    maximum (in order), plus the first and last point. NaNs never win a bucket unless it is all NaN."""
    count = len(points)
    if count <= limit:
        return points
    buckets = max(1, limit // 2 - 1)
    edges = np.linspace(0, count, buckets + 1).astype(np.int64)
    values = points.values
    # reduceat over NaN-free copies: NaN would otherwise win every comparison in its bucket.
    low = np.where(np.isnan(values), np.inf, values)
    high = np.where(np.isnan(values), -np.inf, values)
    starts = edges[:-1]
    mins = np.minimum.reduceat(low, starts)
    maxs = np.maximum.reduceat(high, starts)
    # The first index in each bucket holding its min (max): searched per bucket via a mask.
    bucket_of = np.repeat(np.arange(buckets), np.diff(edges))
    at_min = np.flatnonzero(low == mins[bucket_of])
    at_max = np.flatnonzero(high == maxs[bucket_of])
    first_min = at_min[np.unique(bucket_of[at_min], return_index=True)[1]]
    first_max = at_max[np.unique(bucket_of[at_max], return_index=True)[1]]
    chosen = np.unique(np.concatenate([first_min, first_max, [0, count - 1]]))
    return Points(points.steps[chosen], points.timestamps[chosen], points.values[chosen])

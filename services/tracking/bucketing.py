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
    """At most `limit` points: each of limit/2 - 1 equal-count buckets (the last also takes the
    remainder) keeps its minimum and maximum, in order, plus the first and last point. NaN never
    wins a bucket unless the bucket is all NaN."""
    count = len(points)
    if count <= limit:
        return points
    buckets = max(1, limit // 2 - 1)
    width = count // buckets
    full = width * buckets
    nan = np.isnan(points.values)
    low = np.where(nan, np.inf, points.values)
    high = np.where(nan, -np.inf, points.values)
    # Equal widths make this a reshape (vectorised); the ragged tail joins the last bucket.
    base = np.arange(0, full, width)
    mins = base + low[:full].reshape(buckets, width).argmin(axis=1)
    maxs = base + high[:full].reshape(buckets, width).argmax(axis=1)
    last = full - width
    mins[-1] = last + int(low[last:].argmin())
    maxs[-1] = last + int(high[last:].argmax())
    chosen = np.unique(np.concatenate([mins, maxs, [0, count - 1]]))
    return Points(points.steps[chosen], points.timestamps[chosen], points.values[chosen])

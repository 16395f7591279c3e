"""Down-sampling a metric series for a chart: min/max per bucket, then LTTB, first and last kept."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

Floats = npt.NDArray[np.float64]


def min_max_indices(y: Floats, buckets: int) -> npt.NDArray[np.int64]:
    """Indices of each bucket's minimum and maximum (in order), plus the first and last point."""
    count = len(y)
    if count <= 2 * buckets + 2:
        return np.arange(count)
    edges = np.linspace(0, count, buckets + 1).astype(np.int64)
    width = int(edges[1] - edges[0]) or 1
    # Equal-width buckets via a reshape keep this vectorised; the ragged tail is its own bucket.
    full = (count // width) * width
    shaped = np.where(np.isfinite(y[:full]), y[:full], 0.0).reshape(-1, width)
    base = np.arange(0, full, width)
    picks = [base + shaped.argmin(axis=1), base + shaped.argmax(axis=1)]
    if full < count:
        tail = y[full:]
        finite = np.where(np.isfinite(tail), tail, 0.0)
        picks.append(np.array([full + finite.argmin(), full + finite.argmax()]))
    picks.append(np.array([0, count - 1]))
    return np.unique(np.concatenate(picks))


def lttb_indices(x: Floats, y: Floats, threshold: int) -> npt.NDArray[np.int64]:
    """Largest-Triangle-Three-Buckets: `threshold` indices keeping the series' visual shape."""
    count = len(x)
    if threshold >= count or threshold < 3:
        return np.arange(count)
    # Buckets hold a handful of points each, so plain Python floats beat numpy's per-call overhead.
    xs, ys = x.tolist(), np.where(np.isfinite(y), y, 0.0).tolist()
    edges = np.linspace(1, count - 1, threshold - 1).astype(np.int64).tolist()
    edges.append(count)
    chosen = [0]
    previous = 0
    for bucket in range(threshold - 2):
        start, end = edges[bucket], max(edges[bucket + 1], edges[bucket] + 1)
        nxt_start = edges[bucket + 1]
        nxt_end = max(edges[bucket + 2] if bucket + 2 < len(edges) - 1 else count, nxt_start + 1)
        span = nxt_end - nxt_start
        avg_x = sum(xs[nxt_start:nxt_end]) / span
        avg_y = sum(ys[nxt_start:nxt_end]) / span
        px, py = xs[previous], ys[previous]
        best, best_area = start, -1.0
        for index in range(start, end):
            area = abs((px - avg_x) * (ys[index] - py) - (px - xs[index]) * (avg_y - py))
            if area > best_area:
                best, best_area = index, area
        previous = best
        chosen.append(best)
    chosen.append(count - 1)
    return np.asarray(chosen, dtype=np.int64)


def downsample(x: Floats, y: Floats, points: int) -> npt.NDArray[np.int64]:
    """At most about `points` indices of a series ordered by x; first and last always included."""
    if len(x) <= points:
        return np.arange(len(x))
    coarse = min_max_indices(y, points * 2)
    fine = lttb_indices(x[coarse], y[coarse], points)
    return coarse[fine]

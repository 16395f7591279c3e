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
    ys_clean = np.where(np.isfinite(y), y, 0.0)
    edges = np.linspace(1, count - 1, threshold - 1).astype(np.int64)
    starts = edges[:-1]
    ends = np.maximum(edges[1:], starts + 1)
    # The next bucket of each bucket (the last point for the final one), averaged in one pass.
    next_starts = np.append(edges[1:-1], count - 1)
    next_ends = np.maximum(np.append(edges[2:], count), next_starts + 1)
    cx, cy = np.concatenate([[0.0], np.cumsum(x)]), np.concatenate([[0.0], np.cumsum(ys_clean)])
    span = next_ends - next_starts
    avg_x, avg_y = (cx[next_ends] - cx[next_starts]) / span, (cy[next_ends] - cy[next_starts]) / span
    # The triangle's doubled area with the previous pick (px, py) is |px*a + py*b + c| per candidate,
    # with a, b, c fixed by the candidate and its bucket's next average: only that sum runs in Python.
    owner = np.repeat(np.arange(len(starts)), ends - starts)
    index = np.concatenate([np.arange(a, b) for a, b in zip(starts.tolist(), ends.tolist())])
    xi, yi = x[index], ys_clean[index]
    a = (yi - avg_y[owner]).tolist()
    b = (avg_x[owner] - xi).tolist()
    c = (xi * avg_y[owner] - avg_x[owner] * yi).tolist()
    xs, ys = x.tolist(), ys_clean.tolist()
    chosen = [0]
    px, py = xs[0], ys[0]
    offset = 0
    for width in (ends - starts).tolist():
        best, best_area = offset, -1.0
        for k in range(offset, offset + width):
            area = abs(px * a[k] + py * b[k] + c[k])
            if area > best_area:
                best, best_area = k, area
        offset += width
        pick = int(index[best])
        chosen.append(pick)
        px, py = xs[pick], ys[pick]
    chosen.append(count - 1)
    return np.asarray(chosen, dtype=np.int64)


def downsample(x: Floats, y: Floats, points: int) -> npt.NDArray[np.int64]:
    """At most about `points` indices of a series ordered by x; first and last always included."""
    if len(x) <= points:
        return np.arange(len(x))
    coarse = min_max_indices(y, points * 2)
    fine = lttb_indices(x[coarse], y[coarse], points)
    return coarse[fine]

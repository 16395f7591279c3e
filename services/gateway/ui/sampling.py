"""Largest-Triangle-Three-Buckets over a series the tracking service already cut to min/max per bucket."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

Floats = npt.NDArray[np.float64]


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

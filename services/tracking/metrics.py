"""Metric points as numpy columns: chunk encoding, the latest point, ordering and down-sampling.

A chunk is one logged series stored as three little-endian arrays (int64 steps, int64
timestamps, float64 values). Decoding repeated protobuf fields once into numpy and encoding
with `.tobytes()` keeps the per-point Python work near zero, which is what ingestion is bound by.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from mlledger.v1 import tracking_pb2 as pb

_I64 = np.dtype("<i8")
_F64 = np.dtype("<f8")


@dataclass(frozen=True)
class Points:
    """Points of one key as three equally long columns."""

    steps: np.ndarray
    timestamps: np.ndarray
    values: np.ndarray

    def __len__(self) -> int:
        return int(self.values.shape[0])


def from_series(series: pb.MetricSeries) -> Points:
    """Decode a MetricSeries (empty steps mean step 0 everywhere)."""
    values = np.array(series.values, dtype=_F64)
    timestamps = np.array(series.timestamps_ms, dtype=_I64)
    steps = np.array(series.steps, dtype=_I64) if len(series.steps) else np.zeros(values.shape[0], dtype=_I64)
    return Points(steps, timestamps, values)


def from_chunks(rows: Iterable[tuple[bytes, bytes, bytes]]) -> Points:
    """Concatenate stored chunks (steps, timestamps, values) into one unsorted Points."""
    steps, timestamps, values = [], [], []
    for step_bytes, time_bytes, value_bytes in rows:
        steps.append(np.frombuffer(step_bytes, dtype=_I64))
        timestamps.append(np.frombuffer(time_bytes, dtype=_I64))
        values.append(np.frombuffer(value_bytes, dtype=_F64))
    if not values:
        empty = np.zeros(0, dtype=_I64)
        return Points(empty, empty, np.zeros(0, dtype=_F64))
    return Points(np.concatenate(steps), np.concatenate(timestamps), np.concatenate(values))


def ordered(points: Points) -> Points:
    """The points sorted by (step, timestamp), stable for ties."""
    steps = points.steps
    if steps.shape[0] < 2 or bool(np.all(steps[1:] > steps[:-1])):
        return points  # the usual case (one point per step, logged in order) needs no sort
    order = np.lexsort((points.timestamps, points.steps))
    return Points(points.steps[order], points.timestamps[order], points.values[order])


def latest(points: Points) -> tuple[float, int, int]:
    """(value, step, timestamp) of the latest point: highest step, then timestamp, then value."""
    index = int(np.lexsort((points.values, points.timestamps, points.steps))[-1])
    return float(points.values[index]), int(points.steps[index]), int(points.timestamps[index])


def downsample(points: Points, limit: int) -> Points:
    """At most `limit` ordered points: evenly spaced, always keeping first, last, minimum and maximum."""
    count = len(points)
    if count <= limit:
        return points
    keep = np.linspace(0, count - 1, num=max(limit - 2, 2)).round().astype(np.int64)
    chosen = np.unique(np.concatenate([keep, _extremes(points.values), [0, count - 1]]))
    if chosen.shape[0] > limit:
        # The extremes pushed the count over: drop evenly spaced interior points, never the ends.
        interior = chosen[1:-1]
        drop = np.linspace(0, interior.shape[0] - 1, num=chosen.shape[0] - limit).round().astype(np.int64)
        chosen = np.concatenate([[chosen[0]], np.delete(interior, drop), [chosen[-1]]])
    return Points(points.steps[chosen], points.timestamps[chosen], points.values[chosen])


def _extremes(values: np.ndarray) -> np.ndarray:
    """Indexes of the smallest and largest non-NaN value (none when all are NaN)."""
    valid = np.flatnonzero(~np.isnan(values))
    if valid.shape[0] == 0:
        return np.zeros(0, dtype=np.int64)
    return np.array([valid[np.argmin(values[valid])], valid[np.argmax(values[valid])]], dtype=np.int64)


def fill_series(target: pb.MetricSeries, key: str, points: Points) -> None:
    """Write columns into a MetricSeries (steps always filled)."""
    target.key = key
    target.values.extend(points.values.tolist())
    target.timestamps_ms.extend(points.timestamps.tolist())
    target.steps.extend(points.steps.tolist())


def to_metrics(key: str, points: Points) -> list[pb.Metric]:
    """Row-shaped Metric messages (costly for long histories; the columnar form is preferred)."""
    return [
        pb.Metric(key=key, value=value, timestamp_ms=time, step=step)
        for step, time, value in zip(points.steps.tolist(), points.timestamps.tolist(), points.values.tolist())
    ]


def chunk_row(points: Points) -> tuple[int, int, int, bytes, bytes, bytes]:
    """(points, min_step, max_step, steps, timestamps, values) for the metric_chunks table."""
    return (len(points), int(points.steps.min()), int(points.steps.max()), points.steps.astype(_I64).tobytes(),
            points.timestamps.astype(_I64).tobytes(), points.values.astype(_F64).tobytes())

"""Metric point arrays: chunk round trips, latest point, ordering and down-sampling (pure)."""

from __future__ import annotations

import math

import numpy as np

from mlledger.services.tracking import metrics
from mlledger.v1 import tracking_pb2 as pb


def test_chunk_round_trip_keeps_nan_and_infinities():
    """Encoding a series to chunk bytes and back preserves every value bit for bit."""
    series = pb.MetricSeries(key="k", values=[math.nan, math.inf, -math.inf, 1.5], timestamps_ms=[1, 2, 3, 4])
    points = metrics.from_series(series)
    _, _, _, steps, times, values = metrics.chunk_row(points)
    back = metrics.from_chunks([(steps, times, values)])
    assert np.array_equal(back.values, points.values, equal_nan=True)
    assert back.steps.tolist() == [0, 0, 0, 0] and back.timestamps.tolist() == [1, 2, 3, 4]


def test_latest_prefers_step_then_timestamp():
    """The latest point has the highest step, then the highest timestamp."""
    points = metrics.from_series(pb.MetricSeries(key="k", values=[5, 1, 2], timestamps_ms=[9, 1, 2], steps=[1, 3, 3]))
    assert metrics.latest(points) == (2.0, 3, 2)


def test_ordered_sorts_by_step_then_timestamp():
    """Points come back ordered by (step, timestamp) whatever the logging order."""
    points = metrics.from_series(pb.MetricSeries(key="k", values=[1, 2, 3], timestamps_ms=[5, 1, 3], steps=[2, 2, 1]))
    assert metrics.ordered(points).values.tolist() == [3, 2, 1]


def test_downsample_keeps_ends_and_extremes_within_limit():
    """Down-sampling returns at most the limit, ordered, with the first, last, minimum and maximum points."""
    values = np.sin(np.linspace(0, 20, 10_000))
    values[1234] = -5.0
    values[8765] = 7.0
    count = values.shape[0]
    points = metrics.Points(np.arange(count), np.arange(count), values)
    sampled = metrics.downsample(points, 100)
    assert len(sampled) <= 100
    assert sampled.steps[0] == 0 and sampled.steps[-1] == count - 1
    assert {1234, 8765} <= set(sampled.steps.tolist())
    assert np.all(np.diff(sampled.steps) > 0)


def test_downsample_leaves_short_histories_alone():
    """A history within the limit is returned whole."""
    points = metrics.Points(np.arange(5), np.arange(5), np.arange(5, dtype=float))
    assert len(metrics.downsample(points, 10)) == 5


def test_metric_groups_split_large_batches_only():
    """A batch within the event limit stays one group; a larger one splits series into slices in order."""
    from mlledger.services.tracking.events import metric_groups

    small = [pb.MetricSeries(key="a", values=[1.0] * 3, timestamps_ms=[1] * 3)]
    assert metric_groups(small, limit=4) == [small]
    series = [pb.MetricSeries(key="a", values=[float(i) for i in range(7)], timestamps_ms=[1] * 7),
              pb.MetricSeries(key="b", values=[9.0] * 3, timestamps_ms=[2] * 3, steps=[1, 2, 3])]
    groups = metric_groups(series, limit=4)
    assert [[(s.key, list(s.values)) for s in group] for group in groups] == [
        [("a", [0.0, 1.0, 2.0, 3.0])], [("a", [4.0, 5.0, 6.0]), ("b", [9.0])], [("b", [9.0, 9.0])]]
    assert list(groups[2][0].steps) == [2, 3]

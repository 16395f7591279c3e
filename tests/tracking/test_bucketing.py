"""Chart-side reduction of a history in the tracking service: axis order, window, min/max per bucket (pure)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from mlledger.services.tracking import bucketing
from mlledger.services.tracking.metrics import Points


def _points(values: np.ndarray) -> Points:
    count = values.shape[0]
    return Points(np.arange(count), 1_000 + np.arange(count) * 10, values.astype(float))


def test_min_max_keeps_every_buckets_extremes_and_the_ends():
    """Each bucket contributes its minimum and maximum; the first and last points are always there."""
    values = np.sin(np.linspace(0, 30, 100_000))
    values[31_337], values[77_777] = 40.0, -40.0
    sampled = bucketing.min_max(_points(values), 1000)
    assert len(sampled) <= 1000
    assert sampled.steps[0] == 0 and sampled.steps[-1] == 99_999
    assert {31_337, 77_777} <= set(sampled.steps.tolist())
    assert np.all(np.diff(sampled.steps) > 0)
    width = 100_000 // (1000 // 2 - 1)
    edges = [*range(0, 100_000 - 2 * width + 1, width), 100_000]  # the last bucket takes the remainder
    for low, high in zip(edges[:-1], edges[1:]):
        inside = sampled.values[(sampled.steps >= low) & (sampled.steps < high)]
        assert inside.max() == values[low:high].max() and inside.min() == values[low:high].min()


def test_min_max_ignores_nan_unless_a_bucket_is_all_nan():
    """NaN never displaces a real extreme."""
    values = np.array([np.nan, 1.0, 5.0, np.nan, -2.0, 3.0, np.nan, np.nan] * 10)
    sampled = bucketing.min_max(_points(values), 10)
    assert 5.0 in sampled.values and -2.0 in sampled.values


def test_window_on_time_and_step_axes():
    """A window cuts on the chosen axis; the time axis orders by timestamp."""
    points = Points(np.array([0, 1, 2, 3]), np.array([40, 30, 20, 10]), np.array([0.0, 1.0, 2.0, 3.0]))
    by_time = bucketing.on_axis(points, True)
    assert by_time.timestamps.tolist() == [10, 20, 30, 40] and by_time.values.tolist() == [3.0, 2.0, 1.0, 0.0]
    assert bucketing.window(by_time, True, 15, 30).values.tolist() == [2.0, 1.0]
    assert bucketing.window(points, False, 2, None).values.tolist() == [2.0, 3.0]
    assert bucketing.window(points, False, None, None) is points


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=0, max_value=5000), st.integers(min_value=4, max_value=800))
def test_min_max_is_bounded_and_ordered(count: int, limit: int):
    """Never more than the limit, strictly increasing, first and last kept."""
    values = np.random.default_rng(count).normal(size=count)
    sampled = bucketing.min_max(_points(values), limit)
    assert len(sampled) <= max(limit, 0) or len(sampled) == count <= limit
    if count:
        assert sampled.steps[0] == 0 and sampled.steps[-1] == count - 1
        assert np.all(np.diff(sampled.steps) > 0)

"""The chart down-sampling: bounded size, first/last and extremes kept, and the HTTP endpoint's errors."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from mlledger.services.gateway.ui.sampling import downsample, lttb_indices, min_max_indices


def test_short_series_are_returned_whole() -> None:
    x = np.arange(50, dtype=float)
    assert downsample(x, x * 2, 100).tolist() == list(range(50))


def test_long_series_keep_first_last_and_a_spike() -> None:
    x = np.arange(100_000, dtype=float)
    y = np.sin(x / 300)
    y[31_337] = 40.0
    y[77_777] = -40.0
    picks = downsample(x, y, 800)
    assert len(picks) == 800
    assert picks[0] == 0 and picks[-1] == 99_999
    assert 31_337 in picks and 77_777 in picks
    assert np.all(np.diff(picks) > 0)


def test_min_max_keeps_each_buckets_extremes() -> None:
    y = np.array([0, 5, 1, 2, -3, 2, 9, 1, 0, 4], dtype=float)
    assert min_max_indices(y, 4).tolist() == list(range(10))  # too short to thin
    assert y[min_max_indices(y, 2)].tolist() == [0, 5, -3, 9, 0, 4]  # first, each half's min and max, last
    y = np.tile(np.array([0.0, 1.0, -1.0, 0.0]), 100)
    picks = min_max_indices(y, 10)
    assert set(y[picks]) == {0.0, 1.0, -1.0} and picks[0] == 0 and picks[-1] == 399


def test_lttb_handles_non_finite_values() -> None:
    x = np.arange(1000, dtype=float)
    y = np.cos(x)
    y[10] = np.nan
    y[20] = np.inf
    picks = lttb_indices(x, y, 50)
    assert len(picks) == 50 and picks[0] == 0 and picks[-1] == 999


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=0, max_value=5000), st.integers(min_value=3, max_value=600))
def test_downsample_is_bounded_and_ordered(count: int, points: int) -> None:
    x = np.arange(count, dtype=float)
    y = np.random.default_rng(count).normal(size=count)
    picks = downsample(x, y, points)
    assert len(picks) <= max(points, count if count <= points else points)
    if count:
        assert picks[0] == 0 and picks[-1] == count - 1
        assert np.all(np.diff(picks) > 0)

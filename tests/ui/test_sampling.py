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


def _textbook_lttb(x: np.ndarray, y: np.ndarray, threshold: int) -> list[int]:
    """LTTB as published (Steinarsson 2013): per bucket, the point making the largest triangle with the
    previous pick and the next bucket's average."""
    count = len(x)
    edges = [*np.linspace(1, count - 1, threshold - 1).astype(np.int64).tolist(), count]
    chosen, previous = [0], 0
    for bucket in range(threshold - 2):
        start, end = edges[bucket], max(edges[bucket + 1], edges[bucket] + 1)
        nxt_start = edges[bucket + 1]
        nxt_end = max(edges[bucket + 2] if bucket + 2 < len(edges) - 1 else count, nxt_start + 1)
        avg_x, avg_y = x[nxt_start:nxt_end].mean(), y[nxt_start:nxt_end].mean()
        areas = [abs((x[previous] - avg_x) * (y[i] - y[previous]) - (x[previous] - x[i]) * (avg_y - y[previous]))
                 for i in range(start, end)]
        previous = start + int(np.argmax(areas))
        chosen.append(previous)
    return [*chosen, count - 1]


@settings(max_examples=80, deadline=None)
@given(st.integers(min_value=5, max_value=3000), st.integers(min_value=3, max_value=800), st.booleans())
def test_lttb_picks_what_the_textbook_form_picks(count: int, threshold: int, uneven: bool) -> None:
    """The vectorised LTTB chooses exactly the points of the plain per-bucket loop."""
    rng = np.random.default_rng(count * 1000 + threshold)
    x = np.cumsum(rng.uniform(0.1, 3.0, size=count)) if uneven else np.arange(count, dtype=float)
    y = rng.normal(size=count)
    if threshold < count:
        assert lttb_indices(x, y, threshold).tolist() == _textbook_lttb(x, y, threshold)

"""LTTB for charts: bounded size, first and last kept, the same picks as the textbook loop."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from mlledger.services.gateway.ui.sampling import lttb_indices


def test_short_series_are_returned_whole() -> None:
    """A series no longer than the threshold is kept whole."""
    x = np.arange(50, dtype=float)
    assert lttb_indices(x, x * 2, 100).tolist() == list(range(50))


def test_lttb_handles_non_finite_values() -> None:
    x = np.arange(1000, dtype=float)
    y = np.cos(x)
    y[10] = np.nan
    y[20] = np.inf
    picks = lttb_indices(x, y, 50)
    assert len(picks) == 50 and picks[0] == 0 and picks[-1] == 999


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=0, max_value=5000), st.integers(min_value=3, max_value=600))
def test_lttb_is_bounded_and_ordered(count: int, points: int) -> None:
    """Never more than the threshold, strictly increasing, first and last kept."""
    x = np.arange(count, dtype=float)
    y = np.random.default_rng(count).normal(size=count)
    picks = lttb_indices(x, y, points)
    assert len(picks) == min(count, points)
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

"""Background delivery of metric points: cheap to log, batched on the wire, never silently lost.

`MetricBatcher.add` appends one point to per-run, per-key column lists under a lock and
returns; a daemon thread sends the accumulated columns every `interval` seconds (sooner when
`batch_points` are waiting) as one columnar request per run. Each request keeps its
idempotency key across retries, so a retry after an outage or a lost reply never doubles a
point. Memory is bounded: once `max_pending` points are accepted but not yet delivered,
`add` waits for the sender (back-pressure). A request that finally fails is reported by the
next `add`, `flush` or `close` on the caller's thread, and logged.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from mlledger import errors

logger = logging.getLogger("mlledger")

#: One key's pending points of one run: values, timestamps (ms), steps — parallel lists.
Columns = tuple[list[float], list[int], list[int]]
#: Sends one run's columns (key -> columns) with the given idempotency key; raises mlledger.errors.
Deliver = Callable[[str, dict[str, Columns], str], None]

#: Failures worth retrying with the same idempotency key: the write may or may not have happened.
_TRANSIENT = (errors.Unavailable, errors.DeadlineExceeded, errors.ConcurrencyConflict)


@dataclass
class _Request:
    """Points of one run on their way to the server, under one idempotency key."""

    run_id: str
    columns: dict[str, Columns]
    points: int
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex)


class MetricBatcher:
    """Collects metric points from any thread and delivers them in the background."""

    def __init__(self, deliver: Deliver, *, interval: float = 0.5, batch_points: int = 50_000,
                 max_request_points: int = 200_000, max_pending: int = 2_000_000,
                 retry_seconds: float = 300.0) -> None:
        self._deliver = deliver
        self._interval = interval
        self._batch_points = batch_points
        self._max_request_points = max_request_points
        self._max_pending = max_pending
        self._retry_seconds = retry_seconds
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self._wake = threading.Event()
        self._buffers: dict[str, dict[str, Columns]] = {}
        self._buffered = 0  # points in _buffers
        self._accepted = 0  # points ever accepted
        self._settled = 0  # points delivered, or given up on and reported
        self._errors: list[errors.MlledgerError] = []
        self._closed = False
        self._thread: threading.Thread | None = None

    # -- caller side -------------------------------------------------------------------------

    def add(self, run_id: str, key: str, value: float, step: int, timestamp_ms: int) -> None:
        """Accept one point (blocks only while `max_pending` points are undelivered)."""
        with self._lock:  # the bare lock: Condition.__enter__ is a Python-level call on the hot path
            if self._accepted - self._settled >= self._max_pending:
                self._wait_for_room()
            run = self._buffers.get(run_id)
            if run is None:
                run = self._buffers[run_id] = {}
            columns = run.get(key)
            if columns is None:
                columns = run[key] = ([], [], [])
            columns[0].append(value)
            columns[1].append(timestamp_ms)
            columns[2].append(step)
            self._accepted += 1
            self._buffered += 1
            if self._buffered >= self._batch_points and not self._wake.is_set():
                self._wake.set()
            if self._errors:  # after accepting: this point is kept, earlier ones were lost
                self._raise_errors()
        if self._thread is None:
            self._start()

    def flush(self, timeout: float | None = None) -> None:
        """Deliver every point accepted so far; raises the first delivery failure, if any."""
        with self._cond:
            target = self._accepted
            self._wake.set()
            deadline = None if timeout is None else time.monotonic() + timeout
            while self._settled < target:
                if self._thread is None or not self._thread.is_alive():
                    self._start_locked()
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    raise errors.DeadlineExceeded(
                        f"{target - self._settled} metric points not yet delivered after {timeout}s")
                self._cond.wait(0.5 if remaining is None else min(remaining, 0.5))
            if self._errors:
                self._raise_errors()

    def pending(self) -> int:
        """Points accepted but not yet delivered (or given up on)."""
        with self._cond:
            return self._accepted - self._settled

    def close(self, timeout: float | None = None) -> None:
        """Deliver what is pending, then stop the sender thread."""
        try:
            self.flush(timeout)
        finally:
            self._closed = True
            self._wake.set()
            if self._thread is not None:
                self._thread.join(timeout=5)

    def _wait_for_room(self) -> None:
        self._wake.set()
        if self._thread is None or not self._thread.is_alive():
            self._start_locked()
        while self._accepted - self._settled >= self._max_pending and not self._errors:
            self._cond.wait(0.5)

    def _raise_errors(self) -> None:
        failures, self._errors = self._errors, []
        first = failures[0]
        if len(failures) > 1:
            first.add_note(f"({len(failures) - 1} more metric deliveries failed as well; see the log)")
        raise first

    def _start(self) -> None:
        with self._cond:
            if self._thread is None:
                self._start_locked()

    def _start_locked(self) -> None:
        self._thread = threading.Thread(target=self._run, name="mlledger-metrics", daemon=True)
        self._thread.start()

    # -- sender side -------------------------------------------------------------------------

    def _run(self) -> None:
        while True:
            self._wake.wait(self._interval)
            self._wake.clear()
            for request in self._take():
                self._send(request)
            if self._closed and not self._buffered:
                return

    def _take(self) -> list[_Request]:
        """Swap out everything buffered, cut into requests of at most `max_request_points`."""
        with self._cond:
            buffers, self._buffers, self._buffered = self._buffers, {}, 0
        requests = []
        for run_id, keys in buffers.items():
            requests.extend(_split(run_id, keys, self._max_request_points))
        return requests

    def _send(self, request: _Request) -> None:
        failure = self._deliver_with_retries(request)
        with self._cond:
            if failure is not None:
                failure.add_note(f"{request.points} metric points of run {request.run_id} were not stored")
                logger.error("metric delivery failed for run %s (%d points): %s",
                             request.run_id, request.points, failure)
                self._errors.append(failure)
            self._settled += request.points
            self._cond.notify_all()

    def _deliver_with_retries(self, request: _Request) -> errors.MlledgerError | None:
        deadline = time.monotonic() + self._retry_seconds
        delay = 0.1
        while True:
            try:
                self._deliver(request.run_id, request.columns, request.request_id)
                return None
            except _TRANSIENT as exc:
                if time.monotonic() + delay >= deadline:
                    return exc
                logger.warning("metric delivery for run %s failed (%s); retrying", request.run_id, exc)
                time.sleep(delay)
                delay = min(delay * 2, 2.0)
            except errors.MlledgerError as exc:
                return exc
            except Exception as exc:  # noqa: BLE001 - reported to the caller instead of killing the sender
                return errors.InternalError(f"metric delivery failed: {exc!r}")


def _split(run_id: str, keys: dict[str, Columns], limit: int) -> list[_Request]:
    """One run's columns as requests of at most `limit` points (a long key spans several)."""
    requests: list[_Request] = []
    current: dict[str, Columns] = {}
    size = 0
    for key, (values, timestamps, steps) in keys.items():
        start = 0
        while start < len(values):
            take = min(limit - size, len(values) - start)
            end = start + take
            if start == 0 and end == len(values):
                current[key] = (values, timestamps, steps)
            else:
                current[key] = (values[start:end], timestamps[start:end], steps[start:end])
            size += take
            start = end
            if size >= limit:
                requests.append(_Request(run_id, current, size))
                current, size = {}, 0
    if current:
        requests.append(_Request(run_id, current, size))
    return requests

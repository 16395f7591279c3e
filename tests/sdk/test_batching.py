"""Background metric batching against the real tracking service: delivery, failures, back-pressure."""

from __future__ import annotations

import threading
import time

import pytest

import mlledger
from mlledger import _fluent, errors
from mlledger._batcher import MetricBatcher


def _deliver_to(client: mlledger.Client):
    return lambda run_id, columns, request_id: client.log_metric_columns(run_id, columns, request_id=request_id)


def test_end_run_delivers_every_pending_point(fluent):
    """Points still buffered when the run ends are all stored, each once, in step order."""
    with mlledger.start_run() as run:
        for step in range(20_000):
            mlledger.log_metrics({"loss": 1.0 / (step + 1), "acc": step / 20_000}, step=step)
    for key in ("loss", "acc"):
        values, _, steps = fluent.get_metric_history_columns(run.run_id, key)
        assert steps == list(range(20_000))
    assert values[-1] == pytest.approx(19_999 / 20_000)


def test_flush_delivers_without_ending_the_run(fluent):
    """flush() makes every point logged so far readable while the run stays RUNNING."""
    with mlledger.start_run() as run:
        for step in range(1000):
            mlledger.log_metric("m", step, step=step, timestamp=1_700_000_000_000 + step)
        mlledger.flush()
        history = fluent.get_metric_history(run.run_id, "m")
        assert [m.timestamp for m in history] == [1_700_000_000_000 + step for step in range(1000)]
        assert mlledger.get_run(run.run_id).info.status == "RUNNING"


def test_synchronous_log_metric_is_readable_at_once(fluent):
    """log_metric(..., synchronous=True) returns only once the point is stored."""
    with mlledger.start_run() as run:
        mlledger.log_metric("m", 3.5, step=7, synchronous=True)
        assert [(m.step, m.value) for m in fluent.get_metric_history(run.run_id, "m")] == [(7, 3.5)]


def test_rejected_batch_is_reported_at_the_next_flush(fluent):
    """Points the service refuses (the run was deleted) raise at the next flush, once, not silently."""
    with mlledger.start_run() as run:
        fluent.delete_run(run.run_id)
        mlledger.log_metric("m", 1.0)
        with pytest.raises(errors.FailedPrecondition) as failure:
            mlledger.flush()
        assert any("1 metric points" in note for note in failure.value.__notes__)
        mlledger.flush()  # the failure was reported; nothing is pending
        fluent.restore_run(run.run_id)


def test_retry_after_a_lost_reply_stores_points_once(client, experiment_id):
    """A batch whose reply is lost is retried with the same idempotency key and stored exactly once."""
    run_id = client.create_run(experiment_id).info.run_id
    attempts = []

    def deliver_losing_first_reply(run: str, columns, request_id: str) -> None:
        client.log_metric_columns(run, columns, request_id=request_id)
        attempts.append(request_id)
        if len(attempts) == 1:
            raise errors.Unavailable("reply lost")

    batcher = MetricBatcher(deliver_losing_first_reply, interval=0.05)
    for step in range(500):
        batcher.add(run_id, "m", float(step), step, 1_700_000_000_000)
    batcher.close()
    assert len(attempts) == 2 and attempts[0] == attempts[1]
    assert len(client.get_metric_history(run_id, "m")) == 500


def test_back_pressure_blocks_until_the_sender_catches_up(client, experiment_id):
    """With max_pending points undelivered, add() waits; once delivery resumes every point arrives."""
    run_id = client.create_run(experiment_id).info.run_id
    gate = threading.Event()

    def gated(run: str, columns, request_id: str) -> None:
        gate.wait()
        client.log_metric_columns(run, columns, request_id=request_id)

    batcher = MetricBatcher(gated, interval=0.05, max_pending=100)
    done = threading.Event()

    def produce() -> None:
        for step in range(150):
            batcher.add(run_id, "m", float(step), step, 1_700_000_000_000)
        done.set()

    producer = threading.Thread(target=produce)
    producer.start()
    time.sleep(0.5)
    assert not done.is_set() and batcher.pending() == 100
    gate.set()
    producer.join(10)
    batcher.close()
    assert done.is_set()
    assert len(client.get_metric_history(run_id, "m")) == 150


def test_large_volume_splits_into_several_requests(client, experiment_id):
    """A backlog larger than one request is cut into several and all of it arrives."""
    run_id = client.create_run(experiment_id).info.run_id
    sizes = []

    def deliver(run: str, columns, request_id: str) -> None:
        sizes.append(sum(len(values) for values, _, _ in columns.values()))
        client.log_metric_columns(run, columns, request_id=request_id)

    batcher = MetricBatcher(deliver, interval=5, max_request_points=40_000, batch_points=10**9)
    for step in range(100_000):
        batcher.add(run_id, "a" if step % 2 else "b", float(step), step, 1_700_000_000_000)
    batcher.flush()
    assert sizes == [40_000, 40_000, 20_000]
    values, _, _ = client.get_metric_history_columns(run_id, "a")
    assert len(values) == 50_000 and values[:2] == [1.0, 3.0]


def test_rejected_batch_is_reported_by_the_next_log_metric(fluent):
    """When the sender gives up on points, the next log_metric raises the failure (and keeps its own point)."""
    with mlledger.start_run() as run:
        fluent.delete_run(run.run_id)
        mlledger.log_metric("m", 1.0)
        batcher = _fluent._state.batcher
        deadline = time.monotonic() + 10
        while batcher.pending() and time.monotonic() < deadline:
            time.sleep(0.02)
        fluent.restore_run(run.run_id)
        with pytest.raises(errors.FailedPrecondition):
            mlledger.log_metric("m", 2.0)
        mlledger.flush()
    assert [m.value for m in fluent.get_metric_history(run.run_id, "m")] == [2.0]


def test_threads_logging_to_one_run_lose_nothing(fluent):
    """Four threads logging concurrently into one run deliver every point."""
    with mlledger.start_run() as run:
        def produce(worker: int) -> None:
            for step in range(5000):
                mlledger.log_metric(f"w{worker}", float(step), step=step, run_id=run.run_id)

        threads = [threading.Thread(target=produce, args=(worker,)) for worker in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    for worker in range(4):
        assert fluent.get_metric_history_columns(run.run_id, f"w{worker}")[2] == list(range(5000))

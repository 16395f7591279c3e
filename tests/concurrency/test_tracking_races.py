"""Real clients racing on the tracking service: experiment deletion, big batches, opposite key orders."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest

import mlledger
from mlledger import Metric, RunTag, errors
from mlledger.testing import TestStack


@pytest.fixture(scope="module")
def clients(mlledger_stack: TestStack) -> Iterator[list[mlledger.Client]]:
    group = [mlledger.Client(mlledger_stack.tracking_uri, actor=f"tracker-{i}") for i in range(4)]
    yield group
    for c in group:
        c.close()


def test_no_run_is_created_after_its_experiment_is_deleted(clients, mlledger_stack: TestStack):
    """Runs created while their experiment is deleted either fail with FAILED_PRECONDITION or commit
    before the deletion: the log never has run.created after experiment.deleted."""
    for _ in range(3):
        experiment_id = clients[0].create_experiment(f"doomed-{uuid.uuid4().hex[:8]}")
        stop = threading.Event()
        created: list[str] = []

        def create(client: mlledger.Client) -> None:
            while not stop.is_set():
                try:
                    created.append(client.create_run(experiment_id).info.run_id)
                except errors.FailedPrecondition:
                    return

        with ThreadPoolExecutor(3) as pool:
            workers = [pool.submit(create, c) for c in clients[1:]]
            while len(created) < 10:
                threading.Event().wait(0.005)
            clients[0].delete_experiment(experiment_id)
            stop.set()
            for w in workers:
                w.result()
        with psycopg.connect(mlledger_stack.database_url) as conn:
            deleted_at = conn.execute(
                "SELECT position FROM tracking.events WHERE stream = %s AND type = 'experiment.deleted'",
                (f"experiment/{experiment_id}",)).fetchone()[0]
            late = conn.execute(
                "SELECT count(*) FROM tracking.events WHERE type = 'run.created' AND position > %s "
                "AND stream = ANY(%s)", (deleted_at, [f"run/{r}" for r in created])).fetchone()[0]
            in_log = conn.execute(
                "SELECT count(*) FROM tracking.events WHERE type = 'run.created' AND stream = ANY(%s)",
                ([f"run/{r}" for r in created],)).fetchone()[0]
        assert in_log == len(created) and late == 0


def test_a_batch_of_many_long_keys_is_split_by_size(clients, mlledger_stack: TestStack):
    """4,000 series of one point with 250-character keys (over 1 MB) are stored as several events."""
    client = clients[0]
    run_id = client.create_run().info.run_id
    keys = [f"{i:04d}" + "k" * 246 for i in range(4000)]
    client.log_batch(run_id, metrics=[Metric(key, float(i), 1000 + i, i) for i, key in enumerate(keys)])
    stored = client.get_run(run_id).data.metrics
    assert len(stored) == 4000 and stored[keys[3999]] == 3999.0
    with psycopg.connect(mlledger_stack.database_url) as conn:
        sizes = [row[0] for row in conn.execute(
            "SELECT octet_length(payload) FROM tracking.events WHERE stream = %s AND type = 'run.metrics_logged'",
            (f"run/{run_id}",))]
    assert len(sizes) >= 2 and max(sizes) < 1_000_000


def test_batches_with_the_same_keys_in_opposite_orders_do_not_deadlock(clients):
    """Concurrent batches upserting the same latest-metric and tag rows in opposite key orders all succeed."""
    run_id = clients[0].create_run().info.run_id
    keys = [f"key-{i:03d}" for i in range(200)]
    barrier = threading.Barrier(4)

    def log(index: int) -> list[Exception]:
        ordered = keys if index % 2 else keys[::-1]
        failures = []
        for round_ in range(6):
            barrier.wait()
            try:
                clients[index].log_batch(run_id, metrics=[Metric(k, float(round_), 1, round_) for k in ordered],
                                         tags=[RunTag(k, str(round_)) for k in ordered])
            except errors.MlledgerError as exc:
                failures.append(exc)
        return failures

    with ThreadPoolExecutor(4) as pool:
        failures = [f for result in pool.map(log, range(4)) for f in result]
    assert failures == []
    assert clients[0].get_run(run_id).data.metrics[keys[0]] == 5.0

"""Invariants of the log under racing writers on the real services: time follows position, and a
rebuild running among writers neither deadlocks nor fails them."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest

import mlledger
from mlledger import Metric, RunTag, errors
from mlledger.services import catalog
from mlledger.services.eventstore import PostgresEventStore
from mlledger.services.eventstore.database import open_pool
from mlledger.testing import TestStack, running_stack


@pytest.fixture(scope="module")
def tracking_stack(mlledger_infrastructure) -> Iterator[TestStack]:
    """A stack of its own (tracking only), so a rebuild replays only this module's events."""
    with running_stack(mlledger_infrastructure, services=("tracking",)) as stack:
        yield stack


def write_concurrently(stack: TestStack, writers: int, until: threading.Event, rounds: int = 0) -> list[Exception]:
    """Writers logging batches (metrics and tags, same keys) and tags to shared runs until `until`
    is set (or each has written `rounds` times)."""
    failures: list[Exception] = []
    with mlledger.Client(stack.tracking_uri, actor="setup") as setup:
        runs = [setup.create_run().info.run_id for _ in range(2)]

    def writer(index: int) -> None:
        with mlledger.Client(stack.tracking_uri, actor=f"writer-{index}") as client:
            step = 0
            while not until.is_set() and not (rounds and step >= rounds):
                step += 1
                run_id = runs[step % 2]
                try:
                    client.log_batch(run_id, metrics=[Metric(f"m{k}", float(step), step, step) for k in range(5)],
                                     tags=[RunTag(f"t{k}", str(step)) for k in range(5)])
                    client.set_tag(run_id, f"w{index}", str(step))
                except errors.MlledgerError as exc:
                    failures.append(exc)
    with ThreadPoolExecutor(writers) as pool:
        for done in [pool.submit(writer, i) for i in range(writers)]:
            done.result()
    return failures


def test_event_time_never_decreases_along_the_log(tracking_stack: TestStack):
    """With four clients writing at once, every event's time is at least that of the event before it."""
    assert write_concurrently(tracking_stack, 4, threading.Event(), rounds=30) == []
    with psycopg.connect(tracking_stack.database_url) as conn:
        count, backwards = conn.execute(
            "SELECT count(*), count(*) FILTER (WHERE time < previous) FROM "
            "(SELECT time, lag(time) OVER (ORDER BY position) AS previous FROM tracking.events) t").fetchone()
    assert count > 100 and backwards == 0


async def rebuild_tracking(database_url: str) -> int:
    pool = await open_pool(database_url, max_size=2)
    try:
        return await PostgresEventStore(pool, "tracking", catalog.definition("tracking").projector("tracking")).rebuild()
    finally:
        await pool.close()


def test_rebuild_among_writers_neither_deadlocks_nor_fails_them(tracking_stack: TestStack):
    """Rebuilds run while clients write: every rebuild and every write succeeds."""
    stop = threading.Event()
    with ThreadPoolExecutor(1) as pool:
        writing = pool.submit(write_concurrently, tracking_stack, 3, stop)
        try:
            for _ in range(4):
                assert asyncio.run(rebuild_tracking(tracking_stack.database_url)) > 0
        finally:
            stop.set()
        assert writing.result() == []

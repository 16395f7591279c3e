"""Writes of time-free events, which take the append lock and the time in their final statement:
same guarantees as writes that take them at the first append. And fresh planner statistics."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from psycopg import AsyncConnection

from mlledger import errors
from mlledger.services.eventstore import ANY, NO_STREAM, NewEvent, PostgresEventStore
from mlledger.services.eventstore.model import Envelope
from mlledger.services.eventstore.planner_statistics import PlannerStatistics
from mlledger.v1 import common_pb2

from .conftest import SCHEMA, CounterProjector, bump

Response = common_pb2.GetEndpointsResponse
TIME_FREE = "counter.bumped"
TIMED = "counter.stamped"


class TimeFreeCounterProjector(CounterProjector):
    """The toy counters, declaring `counter.bumped` time-free; remembers the times it was given."""

    time_free_events = frozenset({TIME_FREE})

    def __init__(self) -> None:
        self.seen: list[tuple[str, dt.datetime | None]] = []

    async def apply(self, conn: AsyncConnection, event: Envelope) -> None:
        self.seen.append((event.type, event.time))
        await super().apply(conn, event)


@pytest.fixture
async def time_free_store(store: PostgresEventStore) -> PostgresEventStore:
    return PostgresEventStore(store.pool, SCHEMA, TimeFreeCounterProjector())


def recording(stream: str, event_type: str = TIME_FREE, expected: int = ANY):
    async def fn(tx):
        await tx.record(NewEvent(stream, event_type, bump(stream)), expected_version=expected)
        return Response(server_version=stream)
    return fn


async def test_time_free_events_get_their_time_at_commit(time_free_store):
    """A recorded time-free event is projected without a time and logged with the commit's time;
    an event the projector did not declare time-free is projected with its time."""
    before = dt.datetime.now(dt.timezone.utc)
    await time_free_store.write(recording("counter/free"), Response)
    await time_free_store.write(recording("counter/timed", TIMED), Response)
    logged = await time_free_store.read_all()
    projector = time_free_store.projector
    assert projector.seen[0] == (TIME_FREE, None)  # type: ignore[attr-defined]
    assert projector.seen[1] == (TIMED, logged[1].time)  # type: ignore[attr-defined]
    assert before <= logged[0].time <= logged[1].time


async def test_time_free_writes_keep_the_expected_version_check(time_free_store):
    """Two recorded creations of one stream: the second is ABORTED and leaves nothing behind."""
    await time_free_store.write(recording("counter/once", expected=NO_STREAM), Response)
    with pytest.raises(errors.ConcurrencyConflict):
        await time_free_store.write(recording("counter/once", expected=NO_STREAM), Response)
    assert len(await time_free_store.read_stream("counter/once")) == 1


async def test_mixed_concurrent_writers_keep_time_in_position_order(time_free_store):
    """Writers taking the lock at commit and writers taking it at their first append, racing:
    every event is logged, and time never decreases along positions."""
    async def writer(index: int) -> None:
        for round_ in range(15):
            kind = TIME_FREE if (index + round_) % 2 else TIMED
            await time_free_store.write(recording(f"counter/{index}", kind), Response)
    await asyncio.gather(*(writer(i) for i in range(8)))
    logged = await time_free_store.read_all(limit=1000)
    assert len(logged) == 120
    assert [e.position for e in logged] == sorted(e.position for e in logged)
    assert all(earlier.time <= later.time for earlier, later in zip(logged, logged[1:]))


async def test_planner_statistics_follow_a_bulk_load(store):
    """After a bulk insert into a read-model table, refresh() analyzes it (and only then)."""
    statistics = PlannerStatistics(store.pool, [f"{SCHEMA}.counters"])
    async with store.pool.connection() as conn:
        await conn.execute(f"INSERT INTO {SCHEMA}.counters SELECT 'c' || i, i FROM generate_series(1, 5000) i")
        await conn.execute("SELECT pg_stat_force_next_flush()")
    assert await statistics.refresh() == [f"{SCHEMA}.counters"]
    async with store.pool.connection() as conn:
        await conn.execute("SELECT pg_stat_force_next_flush()")
        row = await (await conn.execute(
            "SELECT reltuples FROM pg_class WHERE oid = %s::regclass", (f"{SCHEMA}.counters",))).fetchone()
    assert row is not None and row[0] == 5000
    assert await statistics.refresh() == []

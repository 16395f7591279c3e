"""A write is one pipelined transaction: its statements travel together and are synced once, and a
write that fails leaves nothing behind and its connection idle for the next user of the pool."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
from psycopg import pq

from mlledger import errors
from mlledger.services.eventstore import NewEvent, PostgresEventStore
from mlledger.services.eventstore.database import open_pool

from .conftest import SCHEMA, bump
from .test_time_at_commit import TIME_FREE, Response, TimeFreeCounterProjector


@pytest.fixture
async def one_connection_store(store: PostgresEventStore) -> PostgresEventStore:
    """The demo store on a pool of exactly one connection, so a test can watch that connection."""
    pool = await open_pool(store.pool.conninfo, min_size=1, max_size=1)
    yield PostgresEventStore(pool, SCHEMA, TimeFreeCounterProjector())
    await pool.close()


async def _syncs_sent(store: PostgresEventStore, trace: Path, fn) -> int:
    """How many Sync messages the store's one connection sends while `fn` writes."""
    conn = await store.pool.getconn()
    with trace.open("w") as sink:
        conn.pgconn.trace(sink.fileno())
        conn.pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS | pq.Trace.REGRESS_MODE)
        await store.pool.putconn(conn)
        await store.write(fn, Response, request_id="one-round-trip")
        conn.pgconn.untrace()
    return sum(1 for line in trace.read_text().splitlines() if line.split("\t")[:1] == ["F"] and "\tSync" in line)


async def test_a_write_that_reads_nothing_is_synced_once(one_connection_store, tmp_path):
    """BEGIN, the projection, the append with the idempotency key and COMMIT are sent together
    and synced once: one round trip (a transaction() inside the pipeline would sync four times)."""
    async def fn(tx):
        await tx.record(NewEvent("counter/rt", TIME_FREE, bump("rt")))
        return Response()

    assert await _syncs_sent(one_connection_store, tmp_path / "trace.txt", fn) == 1
    assert [event.type for event in await one_connection_store.read_stream("counter/rt")] == [TIME_FREE]


@pytest.mark.parametrize("failure", ["refused by the service", "refused by the database"])
async def test_a_failed_write_leaves_nothing_and_an_idle_connection(one_connection_store, failure):
    """A write failing after it sent statements (in Python, or in the database) commits nothing,
    and the pool's one connection serves the next write, out of any transaction."""
    async def fn(tx):
        await tx.record(NewEvent("counter/failed", TIME_FREE, bump("failed")))
        if failure == "refused by the service":
            raise errors.FailedPrecondition("no")
        await tx.conn.execute(f"INSERT INTO {SCHEMA}.counters (name, total) VALUES (NULL, 1)")
        return Response()

    with pytest.raises(errors.MlledgerError if failure == "refused by the service" else psycopg.Error):
        await one_connection_store.write(fn, Response)
    conn = await one_connection_store.pool.getconn()
    try:
        assert conn.pgconn.transaction_status == pq.TransactionStatus.IDLE
    finally:
        await one_connection_store.pool.putconn(conn)
    assert await one_connection_store.read_stream("counter/failed") == []
    async with one_connection_store.pool.connection() as conn:
        cursor = await conn.execute(f"SELECT count(*) FROM {SCHEMA}.counters WHERE name = 'failed'")
        assert await cursor.fetchone() == (0,)
    await one_connection_store.write(_bump_once, Response)
    assert len(await one_connection_store.read_stream("counter/after")) == 1


async def _bump_once(tx):
    await tx.record(NewEvent("counter/after", TIME_FREE, bump("after")))
    return Response()

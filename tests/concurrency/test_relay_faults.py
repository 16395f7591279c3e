"""The relay under NATS crashes and lost leadership: stream order equals log order, one leader publishes."""

from __future__ import annotations

import asyncio

import psycopg

from mlledger.services.eventstore import NewEvent, schema as log_schema
from mlledger.services.eventstore.relay import Relay
from mlledger.v1 import common_pb2

from .conftest import SCHEMA, payload, stream_events, unique_stream_settings

Response = common_pb2.GetEndpointsResponse


async def append_many(store, total: int, per_transaction: int = 250, streams: int = 20) -> None:
    """Append `total` events in transactions of `per_transaction`, spread over `streams` streams."""
    async def fn(tx, start):
        await tx.append([NewEvent(f"s/{(start + i) % streams}", "thing.happened", payload(str(start + i)))
                         for i in range(per_transaction)])
        return Response()
    for start in range(0, total, per_transaction):
        await store.write(lambda tx, start=start: fn(tx, start), Response, request_id="")


async def wait_for(condition, timeout: float = 90.0, what: str = "condition") -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await condition():
        assert asyncio.get_running_loop().time() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.02)


async def test_nats_killed_mid_batch_keeps_stream_in_log_order(store, private_nats):
    """15,000 events relayed in batches of 500; NATS SIGKILLed right after a checkpoint and restarted:
    every event reaches the stream, and the first copy of each is in log order."""
    await append_many(store, 15_000)
    settings = unique_stream_settings()
    relay = Relay(store, store.database_url, private_nats.url, SCHEMA, settings, batch_size=500, poll_interval=0.2)
    relay.start()
    try:
        for _ in range(2):  # two crashes, each just after a checkpoint, while batches are in flight
            mark = relay.stats.position
            await wait_for(lambda mark=mark: asyncio.sleep(0, relay.stats.position > mark), what="a checkpoint")
            private_nats.kill()
            await asyncio.sleep(0.5)
            private_nats.start()
        await wait_for(lambda: asyncio.sleep(0, relay.stats.position >= 15_000), what="the relay to catch up")
    finally:
        await relay.stop()
    assert relay.stats.failures >= 1
    logged = [str(e.id) for e in await store.read_all(limit=20_000)]
    first_copies = list(dict.fromkeys(e.id for e in await stream_events(private_nats.url, settings.stream_name)))
    assert set(first_copies) == set(logged), "events lost or unknown on the stream"
    assert first_copies == logged, "published out of order"


async def leader_pid(store) -> int | None:
    key = log_schema.lock_key(SCHEMA, "relay")
    async with store.pool.connection() as conn:
        row = await (await conn.execute(
            "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = %s::bigint::oid "
            "AND objid = %s::bigint::oid AND objsubid = 1", ((key >> 32) & 0xFFFFFFFF, key & 0xFFFFFFFF))).fetchone()
    return None if row is None else int(row[0])


async def checkpoint(store) -> int:
    async with store.pool.connection() as conn:
        row = await (await conn.execute(f"SELECT coalesce(max(position), 0) FROM {SCHEMA}.checkpoints")).fetchone()
    return int(row[0])


async def test_relay_that_lost_its_lock_session_stops_publishing(store, mlledger_infrastructure):
    """When the leader's lock session dies (as with an idle-session timeout), that relay publishes
    nothing more; the standby takes over and only it moves the checkpoint."""
    settings = unique_stream_settings()
    first = Relay(store, store.database_url, mlledger_infrastructure.nats_url, SCHEMA, settings, poll_interval=0.1)
    second = Relay(store, store.database_url, mlledger_infrastructure.nats_url, SCHEMA, settings, poll_interval=0.1)
    first.start()
    try:
        await append_many(store, 100, per_transaction=10)
        await wait_for(lambda: asyncio.sleep(0, first.stats.position >= 100), what="the first relay")
        second.start()
        await asyncio.sleep(0.5)
        assert second.stats.published == 0  # a standby while the first one leads
        old_leader = await leader_pid(store)
        assert old_leader is not None
        async with await psycopg.AsyncConnection.connect(store.database_url, autocommit=True) as admin:
            await admin.execute("SELECT pg_terminate_backend(%s)", (old_leader,))
        await wait_for(lambda: asyncio.sleep(0, second.stats.position >= 100), what="the standby to lead")
        published_by_first = first.stats.published
        await append_many(store, 300, per_transaction=10)
        await wait_for(lambda: asyncio.sleep(0, second.stats.position >= 400), what="the new leader")
        await wait_for(lambda: _ge(checkpoint(store), 400), what="the checkpoint")
        await asyncio.sleep(0.5)
        assert first.stats.published == published_by_first, "the deposed relay kept publishing"
        assert await leader_pid(store) not in (None, old_leader)
    finally:
        await first.stop()
        await second.stop()
    logged = [str(e.id) for e in await store.read_all(limit=1000)]
    first_copies = list(dict.fromkeys(e.id for e in await stream_events(mlledger_infrastructure.nats_url,
                                                                        settings.stream_name)))
    assert first_copies == logged


async def _ge(value, bound: int) -> bool:
    return await value >= bound

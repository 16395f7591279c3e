"""The outbox relay against real PostgreSQL and NATS JetStream: complete, ordered, crash-safe."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import nats
import pytest

from mlledger.services.eventstore import NewEvent
from mlledger.services.eventstore.jetstream import StreamSettings
from mlledger.services.eventstore.relay import Relay
from mlledger.services.stack.nats import EmbeddedNats
from mlledger.services.stack.ports import free_port
from mlledger.v1 import common_pb2, events_pb2

from .conftest import SCHEMA, bump

Response = common_pb2.GetEndpointsResponse


def unique_stream_settings() -> StreamSettings:
    token = uuid.uuid4().hex[:8]
    return StreamSettings(subject_prefix=f"relay{token}", stream_name=f"RELAY{token.upper()}")


async def write_concurrently(
    store, writers: int, writes_each: int, pause: float = 0.0, until: asyncio.Event | None = None
) -> int:
    """Writers appending 1-3 events per transaction with random pauses inside the transaction;
    each makes `writes_each` writes, or keeps writing until `until` is set."""

    async def writer(w: int) -> int:
        written = 0
        i = 0
        while (i < writes_each) if until is None else not until.is_set():
            i += 1
            count = random.randint(1, 3)

            async def fn(tx, w=w, i=i, count=count):
                await tx.append([NewEvent(f"counter/{w}", "counter.bumped", bump(f"w{w}")) for _ in range(count)])
                await asyncio.sleep(random.random() * 0.004)  # hold the transaction open a little
                return Response()

            await store.write(fn, Response)
            written += count
            await asyncio.sleep(pause)
        return written

    return sum(await asyncio.gather(*(writer(w) for w in range(writers))))


async def published(nats_url: str, settings: StreamSettings) -> list[events_pb2.Event]:
    """Every message on the stream, in stream order, decoded."""
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        info = await js.stream_info(settings.stream_name)
        events = []
        for seq in range(info.state.first_seq, info.state.last_seq + 1):
            msg = await js.get_msg(settings.stream_name, seq)
            events.append(events_pb2.Event.FromString(msg.data))
        return events
    finally:
        await nc.close()


async def wait_until_published(store, relay_position, timeout: float = 60.0) -> None:
    head = await store.head_position()
    deadline = asyncio.get_running_loop().time() + timeout
    while await relay_position() < head:
        assert asyncio.get_running_loop().time() < deadline, "the relay did not catch up"
        await asyncio.sleep(0.05)


async def wait_for_checkpoint_beyond(store, position: int, timeout: float = 60.0) -> int:
    deadline = asyncio.get_running_loop().time() + timeout
    while (current := await checkpoint(store)) <= position:
        assert asyncio.get_running_loop().time() < deadline, "the relay published nothing"
        await asyncio.sleep(0.05)
    return current


async def checkpoint(store) -> int:
    async with store.pool.connection() as conn:
        cursor = await conn.execute(f"SELECT coalesce(max(position), 0) FROM {SCHEMA}.checkpoints")
        return (await cursor.fetchone())[0]


async def test_concurrent_writers_are_published_exactly_once_in_order(store, database_url, mlledger_infrastructure):
    """With many concurrent writers, the relay publishes every event once, in global order, with subjects by type."""
    settings = unique_stream_settings()
    relay = Relay(store, database_url, mlledger_infrastructure.nats_url, SCHEMA, settings, batch_size=50)
    relay.start()
    try:
        written = await write_concurrently(store, writers=10, writes_each=30)
        await wait_until_published(store, lambda: asyncio.sleep(0, relay.stats.position))
    finally:
        await relay.stop()
    events = await published(mlledger_infrastructure.nats_url, settings)
    logged = await store.read_all(limit=100_000)
    assert len(logged) == written
    assert [e.id for e in events] == [str(e.id) for e in logged]
    positions = [e.global_position for e in events]
    assert positions == sorted(positions) and len(set(positions)) == len(positions)
    assert events[0].type == "counter.bumped" and events[0].service == SCHEMA


async def test_relay_wakes_on_notify_not_only_on_poll(store, database_url, mlledger_infrastructure):
    """A new event is published well before the relay's (long) poll interval elapses."""
    settings = unique_stream_settings()
    relay = Relay(store, database_url, mlledger_infrastructure.nats_url, SCHEMA, settings, poll_interval=30)
    relay.start()
    nc = await nats.connect(mlledger_infrastructure.nats_url)
    try:
        await asyncio.sleep(0.5)  # the relay is connected and idle
        sub = await nc.subscribe(f"{settings.subject_prefix}.>")
        await store.write(_one, Response)
        msg = await sub.next_msg(timeout=5)
        assert msg.subject == f"{settings.subject_prefix}.{SCHEMA}.counter.bumped"
        assert msg.headers["Nats-Msg-Id"] == events_pb2.Event.FromString(msg.data).id
        await sub.unsubscribe()
    finally:
        await relay.stop()
        await nc.close()


async def _one(tx):
    await tx.append(NewEvent("counter/notify", "counter.bumped", bump("n")))
    return Response()


@pytest.fixture
def private_nats(tmp_path: Path):
    server = EmbeddedNats(tmp_path / "nats", free_port(), log_file=tmp_path / "nats.log")
    server.start()
    yield server
    server.stop()


def start_relay_process(database_url: str, nats_url: str, settings: StreamSettings) -> subprocess.Popen:
    env = dict(os.environ, MLLEDGER_LOG_FORMAT="json")
    return subprocess.Popen(
        [sys.executable, "-m", "mlledger", "relay", SCHEMA, "--database-url", database_url, "--nats-url", nats_url,
         "--subject-prefix", settings.subject_prefix, "--stream-name", settings.stream_name],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )


async def test_relay_killed_and_nats_restarted_mid_way_loses_nothing(store, database_url, private_nats):
    """SIGKILL of the relay and a NATS crash during writes still end with every event published once."""
    settings = unique_stream_settings()
    relay = start_relay_process(database_url, private_nats.url, settings)
    try:
        stop_writing = asyncio.Event()
        writing = asyncio.create_task(write_concurrently(store, 6, 0, pause=0.02, until=stop_writing))
        published_before_crash = await wait_for_checkpoint_beyond(store, 0)
        relay.send_signal(signal.SIGKILL)  # crash: no checkpoint saved for what was in flight
        relay.wait()
        relay = start_relay_process(database_url, private_nats.url, settings)
        published_before_nats_crash = await wait_for_checkpoint_beyond(store, published_before_crash)
        private_nats.kill()  # NATS crashes while events keep coming
        await asyncio.sleep(1.0)
        private_nats.start()
        await asyncio.sleep(0.5)
        stop_writing.set()
        written = await writing
        await wait_until_published(store, lambda: checkpoint(store), timeout=90)
    finally:
        relay.send_signal(signal.SIGTERM)
        relay.wait(15)
    events = await published(private_nats.url, settings)
    logged = await store.read_all(limit=100_000)
    assert len(logged) == written
    unique_ids = list(dict.fromkeys(e.id for e in events))  # what a de-duplicating consumer sees
    assert 0 < published_before_crash < published_before_nats_crash < logged[-1].position
    logged_ids = [str(e.id) for e in logged]
    missing, extra = set(logged_ids) - set(unique_ids), set(unique_ids) - set(logged_ids)
    assert (len(missing), len(extra)) == (0, 0), f"{len(missing)} events never published, {len(extra)} unknown"
    assert unique_ids == logged_ids, "published out of order"


async def test_caught_up_relay_reads_twice_per_event_written(store, database_url, mlledger_infrastructure):
    """Writes one at a time cost the relay two statements each: the read finding the event and the
    read finding nothing new, each of which also checks leadership (no separate check)."""
    settings = unique_stream_settings()
    relay = Relay(store, database_url, mlledger_infrastructure.nats_url, SCHEMA, settings, poll_interval=30)
    relay.start()
    try:
        await store.write(_one, Response)
        await wait_until_published(store, lambda: asyncio.sleep(0, relay.stats.published))
        reads_before = relay.stats.reads
        for _ in range(20):
            await store.write(_one, Response)
            await wait_until_published(store, lambda: asyncio.sleep(0, relay.stats.published))
        reads = relay.stats.reads - reads_before
    finally:
        await relay.stop()
    assert 39 <= reads <= 42, f"{reads} reads for 20 events written one at a time"
    assert [e.id for e in await published(mlledger_infrastructure.nats_url, settings)] == [
        str(e.id) for e in await store.read_all()]


async def test_relay_that_does_not_listen_publishes_by_polling(store, database_url, mlledger_infrastructure):
    """With listen=False (a rarely written log) no session LISTENs, so commits signal nobody, and
    the relay still publishes every event at its next poll."""
    settings = unique_stream_settings()
    relay = Relay(store, database_url, mlledger_infrastructure.nats_url, SCHEMA, settings, poll_interval=0.2,
                  listen=False)
    relay.start()
    try:
        for _ in range(3):
            await store.write(_one, Response)
        await wait_until_published(store, lambda: asyncio.sleep(0, relay.stats.published), timeout=10)
        async with store.pool.connection() as conn:
            cursor = await conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                        "AND query ILIKE 'LISTEN%%'")
            assert await cursor.fetchone() == (0,)
    finally:
        await relay.stop()
    assert len(await published(mlledger_infrastructure.nats_url, settings)) == 3

"""Fixtures for the concurrency-and-faults tests: a store with a toy log, private NATS servers, stacks."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import nats
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
import pytest
from psycopg import AsyncConnection

from mlledger.services.eventstore import PostgresEventStore
from mlledger.services.eventstore.database import open_pool
from mlledger.services.eventstore.jetstream import StreamSettings
from mlledger.services.eventstore.model import Envelope
from mlledger.services.eventstore.schema import migrate
from mlledger.services.stack.nats import EmbeddedNats
from mlledger.services.stack.ports import free_port
from mlledger.v1 import common_pb2, events_pb2

SCHEMA = "faults"


class CountingProjector:
    """A read model with one row per stream counting its events."""

    tables = (f"{SCHEMA}.counts",)

    async def apply(self, conn: AsyncConnection, event: Envelope) -> None:
        await conn.execute(
            f"INSERT INTO {SCHEMA}.counts (stream, total) VALUES (%s, 1) "
            "ON CONFLICT (stream) DO UPDATE SET total = counts.total + 1",
            (event.stream,),
        )


def payload(name: str) -> common_pb2.ServiceEndpoint:
    """Any generated message serves as a payload; the address pads it to a realistic size."""
    return common_pb2.ServiceEndpoint(name=name, address=uuid.uuid4().hex * 4)


def unique_stream_settings() -> StreamSettings:
    token = uuid.uuid4().hex[:8]
    return StreamSettings(subject_prefix=f"faults{token}", stream_name=f"FAULTS{token.upper()}")


@pytest.fixture
async def store(mlledger_infrastructure) -> AsyncIterator[PostgresEventStore]:
    url = mlledger_infrastructure.new_database("faults")
    pool = await open_pool(url, max_size=20)
    await migrate(pool, SCHEMA, [("faults-0001", "CREATE TABLE {schema}.counts (stream text PRIMARY KEY, total bigint)")])
    store = PostgresEventStore(pool, SCHEMA, CountingProjector())
    store.database_url = url  # type: ignore[attr-defined]
    yield store
    await pool.close()


@pytest.fixture
def private_nats(tmp_path: Path) -> Iterator[EmbeddedNats]:
    """A NATS server of this test's own, free to be killed."""
    server = EmbeddedNats(tmp_path / "nats", free_port(), log_file=tmp_path / "nats.log")
    server.start()
    yield server
    server.stop()


async def stream_events(nats_url: str, stream_name: str) -> list[events_pb2.Event]:
    """Every message on a JetStream stream, in stream order, decoded (fetched in batches)."""
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        total = (await js.stream_info(stream_name)).state.messages
        subscription = await js.pull_subscribe("", stream=stream_name,
                                               config=ConsumerConfig(deliver_policy=DeliverPolicy.ALL,
                                                                     ack_policy=AckPolicy.NONE))
        events: list[events_pb2.Event] = []
        while len(events) < total:
            for msg in await subscription.fetch(min(1000, total - len(events)), timeout=10):
                events.append(events_pb2.Event.FromString(msg.data))
        await subscription.unsubscribe()
        return events
    finally:
        await nc.close()

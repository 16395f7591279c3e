"""Fixtures for the event store: a fresh database and store per test, with a toy read model."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from psycopg import AsyncConnection

from mlledger.services.eventstore import PostgresEventStore
from mlledger.services.eventstore.database import open_pool
from mlledger.services.eventstore.model import Envelope
from mlledger.services.eventstore.schema import migrate
from mlledger.v1 import common_pb2

SCHEMA = "demo"
COUNTER_MIGRATIONS = [
    ("demo-0001-counters", "CREATE TABLE {schema}.counters (name text PRIMARY KEY, total bigint NOT NULL, updated_by text)"),
]


class CounterProjector:
    """A read model: per stream, the number of events seen; the payload's name is the counter."""

    tables = (f"{SCHEMA}.counters",)

    async def apply(self, conn: AsyncConnection, event: Envelope) -> None:
        await conn.execute(
            f"""INSERT INTO {SCHEMA}.counters (name, total, updated_by) VALUES (%s, 1, %s)
                ON CONFLICT (name) DO UPDATE SET total = counters.total + 1, updated_by = excluded.updated_by""",
            (event.payload.name, event.actor),  # type: ignore[attr-defined]
        )


def bump(name: str) -> common_pb2.ServiceEndpoint:
    """A payload for the toy read model (any generated message serves as an event payload)."""
    return common_pb2.ServiceEndpoint(name=name, address=uuid.uuid4().hex)


@pytest.fixture
async def database_url(mlledger_infrastructure) -> str:
    return mlledger_infrastructure.new_database("eventstore")


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[PostgresEventStore]:
    pool = await open_pool(database_url, max_size=40)
    await migrate(pool, SCHEMA, COUNTER_MIGRATIONS)
    yield PostgresEventStore(pool, SCHEMA, CounterProjector())
    await pool.close()

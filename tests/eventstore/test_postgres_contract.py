"""The event store contract (`contract.py`) run against the PostgreSQL adapter."""

from __future__ import annotations

import pytest

from mlledger.services.eventstore import EventStore, PostgresEventStore

from .contract import EventStoreContract


class TestPostgresEventStore(EventStoreContract):
    """PostgresEventStore on a fresh database passes the whole contract."""

    @pytest.fixture
    async def event_store(self, store: PostgresEventStore) -> EventStore:
        return store

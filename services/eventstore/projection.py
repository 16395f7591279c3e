"""Projectors turn events into read-model rows; the same code runs live and when rebuilding.

A service's write path appends events and lets its projector apply them in the same
transaction, so the live read model is by construction what a replay of the log produces.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from psycopg import AsyncConnection

from mlledger.services.eventstore.model import Envelope


class Projector(Protocol):
    """Applies events to a service's read models."""

    #: The read-model tables (schema-qualified) a rebuild empties before replaying the log.
    tables: Sequence[str]
    # Optional attribute `time_free_events` (a collection of event types): the events whose
    # projection never reads the event's time. A write that only `record`s these leaves the append
    # lock and the time to its final statement (postgres.py); live, their envelopes carry no time.
    # Absent means none.

    async def apply(self, conn: AsyncConnection, event: Envelope) -> None:
        """Update the read models for one event (called inside the appending transaction)."""
        ...


class NullProjector:
    """A projector with no read models (services whose state is the log alone)."""

    tables: Sequence[str] = ()

    async def apply(self, conn: AsyncConnection, event: Envelope) -> None:
        return None

"""Projectors turn events into read-model rows; the same code runs live and when rebuilding.

A service's write path appends events and lets its projector apply them in the same
transaction, so the live read model is by construction what a replay of the log produces.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Protocol

from psycopg import AsyncConnection

from mlledger.services.eventstore.model import Envelope


class Projector(Protocol):
    """Applies events to a service's read models."""

    #: The read-model tables (schema-qualified) a rebuild empties before replaying the log.
    tables: Sequence[str]
    #: Optional: the event types whose projection never reads the event's time. A write that
    #: records only these leaves the append lock and the time to its final statement (store.py);
    #: live, their envelopes carry no time. Absent means none.
    time_free_events: Collection[str]

    async def apply(self, conn: AsyncConnection, event: Envelope) -> None:
        """Update the read models for one event (called inside the appending transaction)."""
        ...


class NullProjector:
    """A projector with no read models (services whose state is the log alone)."""

    tables: Sequence[str] = ()
    time_free_events: Collection[str] = ()

    async def apply(self, conn: AsyncConnection, event: Envelope) -> None:
        return None

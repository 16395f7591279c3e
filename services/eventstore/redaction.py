"""Redaction: a purge replaces the payloads of an entity's events with a marker, keeping the events.

The event rows stay (id, stream, version, position, type, time, actor, correlation id), so the
log still says what happened, when and by whom; the payload becomes a `mlledger.v1.RedactedPayload`
naming the purge event. Projections skip redacted events (`Redacting`), so a rebuild after a
purge cannot bring the data back; the purge event's own handler removes the read-model rows.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence

from psycopg import AsyncConnection

from mlledger.services.eventstore.model import Envelope
from mlledger.services.eventstore.projection import Projector
from mlledger.v1 import events_pb2

REDACTED_PAYLOAD_TYPE: str = events_pb2.RedactedPayload.DESCRIPTOR.full_name

#: A purge event's handler: deletes the read-model rows of what was purged.
PurgeHandler = Callable[[AsyncConnection, Envelope], Awaitable[None]]


def is_redacted(payload_type: str) -> bool:
    """Whether an event's payload is the redaction marker."""
    return payload_type == REDACTED_PAYLOAD_TYPE


async def redact(conn: AsyncConnection, schema: str, purge_event_id: uuid.UUID, *, streams: Sequence[str] = (),
                 stream_prefixes: Sequence[str] = ()) -> int:
    """Replace the payloads of every event of `streams` (exact) and of streams starting with
    `stream_prefixes`, in the caller's transaction; returns how many events were redacted.

    The marker keeps the original payload's type name; events already redacted are left alone.
    """
    if not streams and not stream_prefixes:
        return 0
    # The marker is the encoded RedactedPayload: field 1 (the purge event id) from Python, then
    # field 2 (the original type name, ASCII and under 128 bytes, so one length byte) in SQL, so
    # one UPDATE redacts every event without reading them back.
    head = events_pb2.RedactedPayload(purge_event_id=str(purge_event_id)).SerializeToString()
    cursor = await conn.execute(
        f"""WITH redacted AS (UPDATE {schema}.events
               SET payload = %s || CASE WHEN octet_length(payload_type) < 128
                                        THEN '\\x12'::bytea || set_byte('\\x00'::bytea, 0, octet_length(payload_type))
                                             || convert_to(payload_type, 'UTF8')
                                        ELSE ''::bytea END,
                   payload_type = %s
             WHERE payload_type <> %s
               AND (stream = ANY(%s::text[])
                    OR EXISTS (SELECT 1 FROM unnest(%s::text[]) AS p(prefix) WHERE starts_with(stream, p.prefix)))
                    RETURNING 1)
            SELECT count(*) FROM redacted""",
        (head, REDACTED_PAYLOAD_TYPE, REDACTED_PAYLOAD_TYPE, list(streams), list(stream_prefixes)),
    )
    row = await cursor.fetchone()
    return int(row[0]) if row else 0


class Redacting:
    """Wraps a service's projector: skips redacted events and runs the purge events' handlers."""

    def __init__(self, inner: Projector, purges: Mapping[str, PurgeHandler]) -> None:
        self.inner = inner
        self.tables: Sequence[str] = inner.tables
        # The wrapped projector's time-free events stay time-free (see projection.Projector).
        self.time_free_events = frozenset(getattr(inner, "time_free_events", ()))
        self._purges = dict(purges)

    async def apply(self, conn: AsyncConnection, event: Envelope) -> None:
        if isinstance(event.payload, events_pb2.RedactedPayload):
            return  # its data is gone on purpose; the purge event that follows removed the rows
        handler = self._purges.get(event.type)
        if handler is not None:
            await handler(conn, event)
            return
        await self.inner.apply(conn, event)

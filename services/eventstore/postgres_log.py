"""Reading a service's log in PostgreSQL, and replaying it into the read models (the adapter's read side)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from psycopg import AsyncConnection

from mlledger.services.eventstore.model import RecordedEvent, envelope_of
from mlledger.services.eventstore.projection import Projector

COLUMNS = "position, id, stream, stream_version, type, time, actor, correlation_id, payload_type, payload"


def recorded(row: tuple[Any, ...]) -> RecordedEvent:
    """The event of one row selected with COLUMNS."""
    position, event_id, stream, version, event_type, time, actor, correlation_id, payload_type, payload = row
    return RecordedEvent(event_id, stream, version, position, event_type, time, actor, correlation_id, payload_type,
                         bytes(payload))


async def read_stream(conn: AsyncConnection, schema: str, stream: str, after_version: int,
                      limit: int | None) -> list[RecordedEvent]:
    """The events of one stream after a version, in version order."""
    cursor = await conn.execute(
        f"SELECT {COLUMNS} FROM {schema}.events WHERE stream = %s AND stream_version > %s "
        "ORDER BY stream_version LIMIT %s",
        (stream, after_version, limit),
    )
    return [recorded(row) for row in await cursor.fetchall()]


async def read_all(conn: AsyncConnection, schema: str, *, after_position: int, limit: int,
                   until_position: int | None, stream: str | None, stream_prefix: str | None) -> list[RecordedEvent]:
    """Events in position order after a position, optionally bounded, for one stream or a prefix."""
    conditions: list[str] = ["position > %s"]
    params: list[Any] = [after_position]
    if until_position:
        conditions.append("position <= %s")
        params.append(until_position)
    if stream:
        conditions.append("stream = %s")
        params.append(stream)
    if stream_prefix:
        conditions.append("starts_with(stream, %s)")
        params.append(stream_prefix)
    cursor = await conn.execute(
        f"SELECT {COLUMNS} FROM {schema}.events WHERE {' AND '.join(conditions)} ORDER BY position LIMIT %s",
        (*params, limit),
    )
    return [recorded(row) for row in await cursor.fetchall()]


async def head_position(conn: AsyncConnection, schema: str) -> int:
    """The highest committed global position (0 for an empty log)."""
    cursor = await conn.execute(f"SELECT coalesce(max(position), 0) FROM {schema}.events")
    row = await cursor.fetchone()
    return int(row[0]) if row is not None else 0


async def replay(conn: AsyncConnection, schema: str, projector: Projector, batch_size: int,
                 on_progress: Callable[[int], None] | None) -> int:
    """Apply every event of the log to `projector` in position order; returns how many."""
    replayed, position = 0, 0
    while True:
        cursor = await conn.execute(
            f"SELECT {COLUMNS} FROM {schema}.events WHERE position > %s ORDER BY position LIMIT %s",
            (position, batch_size),
        )
        rows = await cursor.fetchall()
        if not rows:
            return replayed
        for row in rows:
            await projector.apply(conn, envelope_of(recorded(row)))
        position = rows[-1][0]
        replayed += len(rows)
        if on_progress is not None:
            on_progress(replayed)

"""The PostgreSQL adapter of the event store: append inside the caller's transaction, write idempotently.

A write is a `Transaction`: the service appends events to it, its projector updates the read
models in the same database transaction, and at commit the events are inserted. The first append
takes a transaction-level advisory lock held until COMMIT and reads the events' time under it.
Holding that lock while positions are taken and committed means positions become visible
strictly in order, so a reader tailing `position > cursor` (the relay) can never skip an event
that commits late, and event times never decrease along positions. Reads and the rebuild's
replay are in `postgres_log.py`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Sequence

import psycopg
from google.protobuf.message import Message
from psycopg import AsyncConnection
from psycopg import errors as pg_errors
from psycopg_pool import AsyncConnectionPool

from mlledger import errors
from mlledger.services.core import context as request_context
from mlledger.services.eventstore import errors as store_errors
from mlledger.services.eventstore import postgres_log as log
from mlledger.services.eventstore import schema as log_schema
from mlledger.services.eventstore.database import translated
from mlledger.services.eventstore.model import ANY, Envelope, NewEvent, RecordedEvent
from mlledger.services.eventstore.port import MAX_PAYLOAD_BYTES, EventStore, R, UnitOfWork
from mlledger.services.eventstore.projection import NullProjector, Projector

#: SQLSTATE the append function raises when an expected version does not match.
CONFLICT_SQLSTATE = "ML001"
#: First letters of the SQLSTATEs services raise from their own SQL (`StatementRefused`).
SERVICE_CONDITION_PREFIX = "ML"

class Transaction(UnitOfWork):
    """One unit of work in one PostgreSQL transaction; `conn` runs the service's own SQL in it."""

    def __init__(self, store: PostgresEventStore, conn: AsyncConnection, ctx: request_context.RequestContext) -> None:
        self.conn = conn
        self.context = ctx
        self._store = store
        self._pending: list[tuple[NewEvent, dt.datetime]] = []
        self._expected: dict[str, int] = {}
        self._time: dt.datetime | None = None

    async def append(self, event: NewEvent | Sequence[NewEvent], *, expected_version: int = ANY) -> list[Envelope]:
        """Append events (all to streams checked against `expected_version`) and project them now.

        `expected_version` is the version the stream must have before these events: NO_STREAM (0)
        for a new stream, ANY to skip the check. A mismatch fails the whole transaction with
        WriteConflict (gRPC ABORTED) when it commits.
        """
        batch = [event] if isinstance(event, NewEvent) else list(event)
        envelopes = []
        if batch and self._time is None:
            # The append lock is taken at the first append and held to COMMIT, and the events'
            # time is read under it: time then never decreases along the log's positions.
            self._time = await self._store.lock_for_append(self.conn)
        for item in batch:
            size = item.payload.ByteSize()
            if size > MAX_PAYLOAD_BYTES:
                # A larger event could never be published (NATS refuses messages over 1 MiB by
                # default) and would stall the relay for every event behind it.
                raise store_errors.StoreLimitExceeded(
                    "event_payload_bytes",
                    f"a {item.type} event of {size} bytes exceeds the {MAX_PAYLOAD_BYTES}-byte limit; send smaller batches",
                )
            if expected_version != ANY and item.stream not in self._expected:
                self._expected[item.stream] = expected_version
            now = self._time
            assert now is not None
            self._pending.append((item, now))
            envelope = Envelope(
                item.id, item.stream, item.type, item.payload, now, self.context.actor, self.context.correlation_id
            )
            await self._store.projector.apply(self.conn, envelope)
            envelopes.append(envelope)
        return envelopes

    async def flush(self, request_id: str = "", response: Message | None = None) -> int:
        """Insert the pending events (and the idempotency key's response) in one server-side call
        under the append lock; called just before COMMIT. Returns the number of events appended."""
        if not self._pending and not request_id:
            return 0
        expected = sorted(self._expected.items())
        ctx = self.context
        count = len(self._pending)
        await self.conn.execute(
            f"SELECT count(*) FROM {self._store.schema}.append_events("
            "%b, %b, %b::text[], %b::bigint[], %b::uuid[], %b::text[], %b::text[], %b::timestamptz[], "
            "%b::text[], %b::text[], %b::text[], %b::bytea[], %b, %b, %b)",
            (
                self._store.append_lock, self._store.channel,
                [stream for stream, _ in expected], [version for _, version in expected],
                [event.id for event, _ in self._pending], [event.stream for event, _ in self._pending],
                [event.type for event, _ in self._pending], [time for _, time in self._pending],
                [ctx.actor] * count, [ctx.correlation_id] * count,
                [event.payload_type for event, _ in self._pending],
                [event.payload.SerializeToString() for event, _ in self._pending],
                request_id or None,
                _call_kind(response.DESCRIPTOR.full_name, ctx.method) if response is not None else None,
                response.SerializeToString() if response is not None else None,
            ),
        )
        self._pending.clear()
        return count


class PostgresEventStore(EventStore):
    """The event log in one PostgreSQL schema, with the service's projector applied on every append."""

    def __init__(self, pool: AsyncConnectionPool, schema: str, projector: Projector | None = None) -> None:
        self.pool = pool
        self.schema = log_schema.check_identifier(schema)
        self.projector: Projector = projector or NullProjector()
        self.append_lock = log_schema.lock_key(schema, "append")
        self.channel = f"{schema}_events"

    async def lock_for_append(self, conn: AsyncConnection) -> dt.datetime:
        """Take the append lock (until COMMIT) and return the time for this transaction's events:
        the clock under the lock, never earlier than the last logged event's time."""
        await conn.execute("SELECT pg_advisory_xact_lock(%s)", (self.append_lock,))
        # A separate statement: its snapshot, taken once the lock is held, sees the last holder's events.
        cursor = await conn.execute(f"SELECT greatest(clock_timestamp(), (SELECT max(time) FROM {self.schema}.events))")
        row = await cursor.fetchone()
        return row[0]  # type: ignore[index,no-any-return]

    async def write(
        self, fn: Callable[[Transaction], Awaitable[R]], response_type: type[R], *, request_id: str | None = None
    ) -> R:
        """Run `fn` in one transaction; with a request id (from the call's metadata unless given),
        a retried call returns the first call's response and writes nothing again.

        The key is checked before `fn` runs, since `fn` may act outside the database (store a
        file, call another service). A duplicate running concurrently is recognised when its key
        collides at commit, or when `fn` refuses it because of what the first one did.
        """
        ctx = request_context.current()
        key = ctx.request_id if request_id is None else request_id
        async with translated():
            try:
                # Pipeline mode: statements whose results are not read travel together, so a
                # write costs about four round trips (BEGIN with the key check, the service's
                # reads, the append lock and time at the first append, and the insert with
                # COMMIT) however many rows its projector writes.
                async with self.pool.connection() as conn, conn.pipeline(), conn.transaction():
                    if self.projector.tables:
                        # All read-model tables first (ROW EXCLUSIVE: writers never block each
                        # other), in the order a rebuild locks them, then the append lock later:
                        # a writer and a rebuild can never wait for each other in a cycle.
                        await conn.execute(f"LOCK TABLE {', '.join(self.projector.tables)} IN ROW EXCLUSIVE MODE")
                    if key:
                        earlier = await self._stored_response(conn, key, response_type)
                        if earlier is not None:
                            return earlier
                    tx = Transaction(self, conn, ctx)
                    response = await fn(tx)
                    await tx.flush(key, response)
                return response
            except errors.MlledgerError:
                # A concurrent duplicate may be refused because of what the first attempt did
                # (e.g. it deleted the resource): the first answer stands.
                earlier = await self._earlier_response(key, response_type)
                if earlier is None:
                    raise
                return earlier
            except psycopg.Error as exc:
                # The same request committed concurrently collides on its key (or on what it
                # wrote): answer as it did.
                earlier = await self._earlier_response(key, response_type)
                if earlier is not None:
                    return earlier
                # In pipeline mode errors surface at the sync point, so they are mapped here.
                if exc.sqlstate == CONFLICT_SQLSTATE:
                    raise store_errors.WriteConflict(exc.diag.message_primary or "concurrent change, retry") from exc
                if exc.diag.constraint_name == "events_stream_stream_version_key":
                    raise store_errors.WriteConflict("the stream changed concurrently, retry") from exc
                if isinstance(exc, pg_errors.UniqueViolation):
                    raise store_errors.ConstraintViolated(exc.diag.constraint_name or "",
                                                          exc.diag.message_primary or str(exc)) from exc
                if exc.sqlstate and exc.sqlstate.startswith(SERVICE_CONDITION_PREFIX):
                    raise store_errors.StatementRefused(exc.sqlstate, exc.diag.message_primary or str(exc)) from exc
                raise

    async def _earlier_response(self, request_id: str, response_type: type[R]) -> R | None:
        """The response stored for `request_id`, if a write with that key committed."""
        if not request_id:
            return None
        async with self.pool.connection() as conn:
            return await self._stored_response(conn, request_id, response_type)

    async def _stored_response(self, conn: AsyncConnection, request_id: str, response_type: type[R]) -> R | None:
        cursor = await conn.execute(
            f"SELECT response_type, response FROM {self.schema}.requests WHERE request_id = %s", (request_id,)
        )
        row = await cursor.fetchone()
        if row is None:
            return None
        # The call's method is stored with the response type: calls sharing a response type
        # (DeleteRun and RestoreRun, LogParam and SetTag...) must not answer each other.
        kind = _call_kind(response_type.DESCRIPTOR.full_name, request_context.current().method)
        if row[0] != kind:
            raise store_errors.RequestIdReused(
                "x-mlledger-request-id", f"request id {request_id!r} was already used for a different call"
            )
        stored: R = response_type.FromString(bytes(row[1]))
        return stored

    async def read_stream(self, stream: str, *, after_version: int = 0, limit: int | None = None) -> list[RecordedEvent]:
        async with translated(), self.pool.connection() as conn:
            return await log.read_stream(conn, self.schema, stream, after_version, limit)

    async def read_all(
        self, *, after_position: int = 0, limit: int = 1000, until_position: int | None = None,
        stream: str | None = None, stream_prefix: str | None = None,
    ) -> list[RecordedEvent]:
        async with translated(), self.pool.connection() as conn:
            return await log.read_all(conn, self.schema, after_position=after_position, limit=limit,
                                      until_position=until_position, stream=stream, stream_prefix=stream_prefix)

    async def head_position(self) -> int:
        """The highest committed global position (0 for an empty log)."""
        async with translated(), self.pool.connection() as conn:
            return await log.head_position(conn, self.schema)

    async def rebuild(self, batch_size: int = 1000, on_progress: Callable[[int], None] | None = None) -> int:
        """Empty the read models and replay the whole log into them; returns the events replayed.

        Runs in one transaction holding the read models' tables and then the append lock (the
        order writers take them in, so neither waits for the other in a cycle): no write
        interleaves with the replay, and readers see either the old or the rebuilt read models,
        never a half-built one. `on_progress` is called with the running count after each batch.
        """
        async with translated(), self.pool.connection() as conn, conn.transaction():
            if self.projector.tables:
                tables = ", ".join(self.projector.tables)
                await conn.execute(f"LOCK TABLE {tables} IN ACCESS EXCLUSIVE MODE")
            await conn.execute("SELECT pg_advisory_xact_lock(%s)", (self.append_lock,))
            if self.projector.tables:
                await conn.execute(f"TRUNCATE {tables}")
            return await log.replay(conn, self.schema, self.projector, batch_size, on_progress)


def _call_kind(response_type: str, method: str) -> str:
    """What the requests table remembers a key was used for: the response type and the gRPC method."""
    return f"{response_type} {method}" if method else response_type


"""The PostgreSQL adapter of the event store: append inside the caller's transaction, write idempotently.

A write is a `Transaction`: the service appends events to it, its projector updates the read
models in the same database transaction, and at commit the events are inserted under a
transaction-level advisory lock (the append lock) held until COMMIT, with their time read
under it. Holding that lock while positions are taken and committed means positions become
visible strictly in order, so a reader tailing `position > cursor` (the relay) can never skip an
event that commits late, and event times never decrease along positions.

When the lock is taken: a write whose events the projector declares time-free (their projection
never reads the event's time) and whose caller does not read the time either leaves it to the
final statement before COMMIT, so it holds the lock only while the database finishes it. Any
other write takes the lock and the time at its first append, since its projection or its answer
needs the time before commit; it then holds the lock across its remaining round trips.

Reads and the rebuild's replay are in `postgres_log.py`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any

import psycopg
from google.protobuf.message import Message
from psycopg import AsyncConnection, AsyncCursor
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
        self._pending: list[NewEvent] = []
        self._expected: dict[str, int] = {}
        #: The events' time once the append lock is held; None while it is left to the commit.
        self._time: dt.datetime | None = None
        #: The query reading that time, once the lock and it were sent (see `lock_early`).
        self._time_query: AsyncCursor[Any] | None = None

    async def append(self, event: NewEvent | Sequence[NewEvent], *, expected_version: int = ANY) -> list[Envelope]:
        """Append events (all to streams checked against `expected_version`) and project them now;
        the envelopes returned carry the events' time.

        `expected_version` is the version the stream must have before these events: NO_STREAM (0)
        for a new stream, ANY to skip the check. A mismatch fails the whole transaction with
        WriteConflict (gRPC ABORTED) when it commits.
        """
        return await self._append(event, expected_version, caller_reads_time=True)

    async def record(self, event: NewEvent | Sequence[NewEvent], *, expected_version: int = ANY) -> None:
        """Append events like `append`, for a caller that does not read their time.

        If the projector declares these event types time-free, the append lock and the time are
        left to the final statement before COMMIT (see the module docstring).
        """
        await self._append(event, expected_version, caller_reads_time=False)

    async def lock_early(self) -> None:
        """Send the append lock and the time query now without waiting for them, so they ride
        with the caller's next read instead of a round trip of their own at the first append.

        For a write that will append events whose time it needs: the lock is held from here
        to COMMIT, so call it right before the write's last read.
        """
        if self._time is None and self._time_query is None:
            self._time_query = await self._store.send_lock_for_append(self.conn)

    async def _append(self, event: NewEvent | Sequence[NewEvent], expected_version: int, *,
                      caller_reads_time: bool) -> list[Envelope]:
        batch = [event] if isinstance(event, NewEvent) else list(event)
        envelopes = []
        if batch and self._time is None and (caller_reads_time or not self._store.time_free(batch)):
            # Someone reads the time before commit: take the lock now (unless lock_early sent it)
            # and read the time under it, so time never decreases along the log's positions.
            if self._time_query is None:
                self._time_query = await self._store.send_lock_for_append(self.conn)
            row = await self._time_query.fetchone()
            assert row is not None
            self._time = row[0]
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
            self._pending.append(item)
            envelope = Envelope(
                item.id, item.stream, item.type, item.payload, self._time, self.context.actor,
                self.context.correlation_id,
            )
            await self._store.projector.apply(self.conn, envelope)
            envelopes.append(envelope)
        return envelopes

    async def flush(self, request_id: str = "", response: Message | None = None) -> int:
        """Insert the pending events (and the idempotency key's response) in one server-side call
        that takes the append lock (and the time, unless already taken); called just before
        COMMIT. Returns the number of events appended."""
        if not self._pending and not request_id:
            return 0
        expected = sorted(self._expected.items())
        ctx = self.context
        pending = self._pending
        await self.conn.execute(
            f"SELECT {self._store.schema}.append_events("
            "%b, %b, %b::text[], %b::bigint[], %b::uuid[], %b::text[], %b::text[], %b::timestamptz, "
            "%b, %b, %b::text[], %b::bytea[], %b, %b, %b)",
            (
                self._store.append_lock, self._store.channel,
                [stream for stream, _ in expected], [version for _, version in expected],
                [event.id for event in pending], [event.stream for event in pending],
                [event.type for event in pending], self._time, ctx.actor, ctx.correlation_id,
                [event.payload_type for event in pending],
                [event.payload.SerializeToString() for event in pending],
                request_id or None,
                _call_kind(response.DESCRIPTOR.full_name, ctx.method) if response is not None else None,
                response.SerializeToString() if response is not None else None,
            ),
        )
        count = len(pending)
        self._pending = []
        return count


class PostgresEventStore(EventStore):
    """The event log in one PostgreSQL schema, with the service's projector applied on every append."""

    def __init__(self, pool: AsyncConnectionPool, schema: str, projector: Projector | None = None) -> None:
        self.pool = pool
        self.schema = log_schema.check_identifier(schema)
        self.projector: Projector = projector or NullProjector()
        self.append_lock = log_schema.lock_key(schema, "append")
        self.channel = f"{schema}_events"
        self._time_free_events = frozenset(getattr(self.projector, "time_free_events", ()))

    def time_free(self, events: Sequence[NewEvent]) -> bool:
        """Whether the projector never reads the time of any of `events` (so it may be taken at commit)."""
        return all(event.type in self._time_free_events for event in events)

    async def send_lock_for_append(self, conn: AsyncConnection) -> AsyncCursor[Any]:
        """Send the statements taking the append lock (until COMMIT) and reading the time for this
        transaction's events: the clock under the lock, never earlier than the last logged event's
        time. Returns the cursor whose one row is that time (fetching it waits for the lock)."""
        await conn.execute("SELECT pg_advisory_xact_lock(%s)", (self.append_lock,))
        # A separate statement: its snapshot, taken once the lock is held, sees the last holder's events.
        return await conn.execute(
            f"SELECT greatest(clock_timestamp(), (SELECT max(time) FROM {self.schema}.events))")

    async def write(
        self, fn: Callable[[Transaction], Awaitable[R]], response_type: type[R], *, request_id: str | None = None,
        database_only: bool = False,
    ) -> R:
        """Run `fn` in one transaction; with a request id (from the call's metadata unless given),
        a retried call returns the first call's response and writes nothing again.

        The key is checked before `fn` runs, since `fn` may act outside the database (store a
        file, call another service). A duplicate running concurrently is recognised when its key
        collides at commit, or when `fn` refuses it because of what the first one did. When `fn`
        acts on nothing but this transaction (`database_only`), that collision is the only check:
        a retry runs `fn` again, is rolled back at commit and answers as the first call did, and
        every first call saves the round trip of the early check.
        """
        ctx = request_context.current()
        key = ctx.request_id if request_id is None else request_id
        async with translated():
            try:
                # Pipeline mode: statements whose results are not read travel together, so a
                # write costs one round trip plus one per result it reads before deciding
                # (the key check, the service's reads, the time at the first append), however
                # many rows its projector writes.
                async with self.pool.connection() as conn, pipelined_transaction(conn):
                    if self.projector.tables:
                        # All read-model tables first (ROW EXCLUSIVE: writers never block each
                        # other), in the order a rebuild locks them, then the append lock later:
                        # a writer and a rebuild can never wait for each other in a cycle.
                        await conn.execute(f"LOCK TABLE {', '.join(self.projector.tables)} IN ROW EXCLUSIVE MODE")
                    if key and not database_only:
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


@contextlib.asynccontextmanager
async def pipelined_transaction(conn: AsyncConnection) -> AsyncIterator[None]:
    """One transaction in pipeline mode: BEGIN, the block's statements and COMMIT are sent
    without waiting, and one Sync at the end collects their results.

    psycopg's `transaction()` inside a pipeline waits for the server after BEGIN and again
    before COMMIT (it syncs to learn the transaction's state): three round trips more per write
    than the server needs. A failed statement makes the server skip the rest, COMMIT included,
    until the Sync; the pool's `connection()` block, which this one runs in, then rolls the
    failed transaction back, as it does after an exception raised here.

    When the block fails, the results still queued are collected here, quietly: they can only
    say that the server skipped them after the failure, which the raised error already tells.
    """
    async with conn.pipeline() as pipeline:
        await conn.execute("BEGIN", prepare=False)
        try:
            yield
            await conn.execute("COMMIT", prepare=False)
        except BaseException:
            with contextlib.suppress(psycopg.Error):
                await pipeline.sync()
            raise


def _call_kind(response_type: str, method: str) -> str:
    """What the requests table remembers a key was used for: the response type and the gRPC method."""
    return f"{response_type} {method}" if method else response_type


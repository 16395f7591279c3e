"""The outbox relay: publishes every committed event of one service's log to JetStream, in order.

The log is its own outbox. The relay reads events after its checkpoint in global order,
publishes them with the event id as Nats-Msg-Id, waits for JetStream's acks, and only then
advances the checkpoint (stored in the service's schema). The checkpoint is written once a full
batch or CHECKPOINT_INTERVAL's worth of events is acknowledged, not after every small batch: a
crash republishes at most that much, with the same ids, which JetStream drops inside its
duplicate window and consumers drop by id. Appends commit in position order (see store.py), so
`position > cursor` never skips a late commit. It wakes on NOTIFY from each append, and polls as
a fallback.

Order on the stream: the relay's NATS connection never reconnects by itself. A message written
to a socket that dies is lost together with every later one of the batch, so no later position
can reach JetStream on a new connection ahead of an earlier one; the relay then opens a fresh
connection and starts again from its checkpoint.

Leadership: one relay per schema is active. It holds a session-level advisory lock on a
dedicated connection, reads every batch through that session in a statement that reads no
event unless the session still holds the lock (and says whether it does), and writes its
checkpoint through that session only while it holds the lock and only forwards.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass

import psycopg
from nats.aio.client import Client as NATS
from nats.js.client import JetStreamContext

from mlledger.services.core.logging import get_logger
from mlledger.services.eventstore import jetstream, schema as log_schema
from mlledger.services.eventstore.database import named
from mlledger.services.eventstore.jetstream import StreamSettings
from mlledger.services.eventstore.model import RecordedEvent
from mlledger.services.eventstore import postgres_log
from mlledger.services.eventstore.postgres import PostgresEventStore

log = get_logger("relay")

#: Seconds to wait for JetStream's acks of one batch before restarting from the checkpoint.
ACK_TIMEOUT = 10.0
#: Seconds the leadership check may take before the relay assumes its session is gone.
LEADER_CHECK_TIMEOUT = 5.0
#: Longest the checkpoint lags behind acknowledged events (seconds), while busy and when idle.
CHECKPOINT_INTERVAL = 0.25
#: True when this session holds the relay's session-level advisory lock (a bigint key is stored
#: as classid = high 32 bits, objid = low 32 bits, objsubid = 1).
_HOLDS_LOCK = ("EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted "
               "AND classid = %s::bigint::oid AND objid = %s::bigint::oid AND objsubid = 1)")


def _lock_args(key: int) -> tuple[int, int]:
    return (key >> 32) & 0xFFFFFFFF, key & 0xFFFFFFFF


class LeadershipLost(Exception):
    """The relay's leader session died or no longer holds the relay lock."""


@dataclass
class RelayStats:
    """What the relay has done since it started."""

    published: int = 0
    batches: int = 0
    #: Statements run to read the log, each also checking leadership: two per batch when caught up
    #: (the batch, then nothing new).
    reads: int = 0
    failures: int = 0
    #: The checkpointed position: everything up to it is acknowledged by JetStream and recorded.
    position: int = 0


class Relay:
    """Publishes a service's events to JetStream; `run()` until cancelled."""

    def __init__(
        self,
        store: PostgresEventStore,
        database_url: str,
        nats_url: str,
        service: str,
        settings: StreamSettings | None = None,
        *,
        batch_size: int = 500,
        poll_interval: float = 1.0,
        checkpoint_name: str = "relay",
        listen: bool = True,
    ) -> None:
        self.store = store
        self.database_url = database_url
        self.nats_url = nats_url
        self.service = service
        self.settings = settings or StreamSettings()
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self.checkpoint_name = checkpoint_name
        #: Wake on NOTIFY (else only poll): PostgreSQL signals every listening session of the
        #: database at every commit of any service, so a log written rarely is better polled.
        self.listen = listen
        self.stats = RelayStats()
        self._nc: NATS | None = None
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None

    def start(self) -> asyncio.Task[None]:
        """Run the relay in a background task of the running loop."""
        self._task = asyncio.create_task(self.run(), name=f"{self.service}-relay")
        return self._task

    async def stop(self, timeout: float = 10.0) -> None:
        """Stop the relay started with `start()`; a successor republishes (with the same ids) at
        most the events acknowledged in the last CHECKPOINT_INTERVAL."""
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, asyncio.TimeoutError, Exception):
                await asyncio.wait_for(self._task, timeout)

    async def run(self) -> None:
        """Relay until stopped: reconnects to PostgreSQL and NATS after any failure, with backoff."""
        delay = 0.2
        while not self._stopping:
            batches = self.stats.batches
            try:
                await self._run_as_leader()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - any failure: log, back off, resume from the checkpoint
                if self._stopping:
                    # Libraries may turn a cancellation into an ordinary error (nats-py does
                    # for a stalled publish), so the flag, not the exception type, decides.
                    return
                self.stats.failures += 1
                if self.stats.batches > batches:
                    delay = 0.2  # it was working: a new outage starts with a short wait again
                log.warning("relay interrupted, retrying", service=self.service, error=str(exc) or type(exc).__name__,
                            retry_in=round(delay, 2))
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
            finally:
                await self._close_nats()

    async def _run_as_leader(self) -> None:
        name = f"mlledger-{self.service}-relay"
        leader = await psycopg.AsyncConnection.connect(named(self.database_url, name), autocommit=True)
        listening = await psycopg.AsyncConnection.connect(named(self.database_url, f"{name}-listen"), autocommit=True)
        async with leader, listening:
            await self._wait_for_leadership(leader)
            if self.listen:
                await listening.execute(f"LISTEN {self.store.channel}")
            listener = asyncio.create_task(self._listen(listening))
            try:
                self._nc = await jetstream.connect(self.nats_url, name=f"mlledger-{self.service}-relay",
                                                   reconnect=False)
                await jetstream.ensure_stream(self._nc, self.settings)
                log.info("relay started", service=self.service, stream=self.settings.stream_name)
                await self._publish_loop(self._nc, leader, listener)
            finally:
                # Closing the connection ends the listener's wait; cancelling a task blocked in
                # psycopg's notifies() alone does not reliably release it.
                await listening.close()
                listener.cancel()
                with contextlib.suppress(asyncio.CancelledError, asyncio.TimeoutError, Exception):
                    await asyncio.wait_for(listener, 2.0)

    @property
    def _lock_key(self) -> int:
        return log_schema.lock_key(self.store.schema, "relay")

    async def _wait_for_leadership(self, conn: psycopg.AsyncConnection) -> None:
        while True:
            cursor = await conn.execute("SELECT pg_try_advisory_lock(%s)", (self._lock_key,))
            row = await cursor.fetchone()
            if row and row[0]:
                return
            await asyncio.sleep(self.poll_interval)

    async def _check_leadership(self, leader: psycopg.AsyncConnection) -> None:
        """Raise LeadershipLost unless the leader session is alive and still holds the relay lock.

        A session whose connection died (idle timeout, firewall, pooler) has lost the lock, and a
        standby may already hold it: the relay must not publish another batch.
        """
        try:
            cursor = await asyncio.wait_for(leader.execute(f"SELECT {_HOLDS_LOCK}", _lock_args(self._lock_key)),
                                            LEADER_CHECK_TIMEOUT)
            row = await cursor.fetchone()
        except (TimeoutError, psycopg.Error) as exc:
            raise LeadershipLost(f"the leader session is gone: {exc or type(exc).__name__}") from exc
        if not (row and row[0]):
            raise LeadershipLost("the relay lock is no longer held")

    async def _listen(self, conn: psycopg.AsyncConnection) -> None:
        # This connection only waits for notifications; leadership and queries use others.
        async for _ in conn.notifies():
            self._wake.set()

    async def _publish_loop(self, nc: NATS, leader: psycopg.AsyncConnection, listener: asyncio.Task[None]) -> None:
        js = nc.jetstream()
        position = await self._load_checkpoint()
        self.stats.position = position
        saved_at = asyncio.get_running_loop().time()
        while not self._stopping:
            self._wake.clear()
            if listener.done():
                raise ConnectionError("the notification connection closed")
            events = await self._read_as_leader(leader, position)
            if events:
                await self._publish(nc, js, events)
                position = events[-1].position
                due = position - self.stats.position >= self.batch_size
                if due or asyncio.get_running_loop().time() - saved_at >= CHECKPOINT_INTERVAL:
                    saved_at = await self._save_checkpoint(leader, position)
                # Read again at once: under load, events committed while this batch was published
                # are taken now instead of after their NOTIFY's trip through two more processes.
                continue
            # Nothing new (the read raised if this session had lost the relay lock).
            unsaved = position > self.stats.position
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(CHECKPOINT_INTERVAL if unsaved else self.poll_interval):
                    await self._wake.wait()
            if unsaved and not self._wake.is_set():
                saved_at = await self._save_checkpoint(leader, position)

    async def _read_as_leader(self, leader: psycopg.AsyncConnection, position: int) -> list[RecordedEvent]:
        """The next batch after `position`, read through the leader session by one statement
        that also says whether this session still holds the relay lock (it reads no event
        unless it does); raises LeadershipLost when it does not."""
        try:
            async with asyncio.timeout(LEADER_CHECK_TIMEOUT):
                cursor = await leader.execute(
                    f"SELECT held.yes, e.* FROM (SELECT {_HOLDS_LOCK} AS yes) held LEFT JOIN LATERAL "
                    f"(SELECT {postgres_log.COLUMNS} FROM {self.store.schema}.events WHERE held.yes AND position > %s "
                    "ORDER BY position LIMIT %s) e ON true", (*_lock_args(self._lock_key), position, self.batch_size))
                rows = await cursor.fetchall()
        except (TimeoutError, psycopg.Error) as exc:
            raise LeadershipLost(f"the leader session is gone: {exc or type(exc).__name__}") from exc
        self.stats.reads += 1
        if not (rows and rows[0][0]):
            raise LeadershipLost("the relay lock is no longer held")
        # With the lock held and nothing new, the one row has no event (its columns are NULL).
        return [postgres_log.recorded(row[1:]) for row in rows if row[1] is not None]

    async def _publish(self, nc: NATS, js: JetStreamContext, events: list[RecordedEvent]) -> None:
        """Publish a batch and wait for every ack; raise (so the relay restarts from its checkpoint
        on a fresh connection) if any message is refused, unacknowledged or the connection closes."""
        await jetstream.publish_acknowledged(nc, js, events, self.service, self.settings, ACK_TIMEOUT)
        self.stats.published += len(events)
        self.stats.batches += 1

    async def _load_checkpoint(self) -> int:
        async with self.store.pool.connection() as conn:
            cursor = await conn.execute(
                f"SELECT position FROM {self.store.schema}.checkpoints WHERE name = %s", (self.checkpoint_name,)
            )
            row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def _save_checkpoint(self, leader: psycopg.AsyncConnection, position: int) -> float:
        """Move the checkpoint forward through the leader session, only while it holds the lock;
        returns the loop time it was saved at."""
        cursor = await leader.execute(
            f"""INSERT INTO {self.store.schema}.checkpoints (name, position)
                SELECT %s, %s WHERE {_HOLDS_LOCK}
                ON CONFLICT (name) DO UPDATE SET position = excluded.position, updated_at = now()
                WHERE checkpoints.position < excluded.position""",
            (self.checkpoint_name, position, *_lock_args(self._lock_key)),
        )
        if cursor.rowcount == 0:
            # Either the lock is gone (a standby may lead now) or someone is already further on.
            await self._check_leadership(leader)
        self.stats.position = position
        return asyncio.get_running_loop().time()

    async def _close_nats(self) -> None:
        if self._nc is not None:
            nc, self._nc = self._nc, None
            with contextlib.suppress(Exception):
                await asyncio.wait_for(nc.close(), 2.0)

"""The outbox relay: publishes every committed event of one service's log to JetStream, in order.

The log is its own outbox. The relay reads events after its checkpoint in global order,
publishes them with the event id as Nats-Msg-Id, waits for JetStream's acks, and only then
advances the checkpoint (stored in the service's schema). A crash between publish and
checkpoint republishes the same ids, which JetStream drops inside its duplicate window and
consumers drop by id. Appends commit in position order (see store.py), so `position > cursor`
never skips a late commit. It wakes on NOTIFY from each append, and polls as a fallback.

One relay per schema is active at a time: it holds a session-level advisory lock; others wait.
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
from mlledger.services.eventstore.jetstream import StreamSettings
from mlledger.services.eventstore.model import RecordedEvent
from mlledger.services.eventstore.store import PostgresEventStore

log = get_logger("relay")


@dataclass
class RelayStats:
    """What the relay has done since it started."""

    published: int = 0
    batches: int = 0
    failures: int = 0
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
    ) -> None:
        self.store = store
        self.database_url = database_url
        self.nats_url = nats_url
        self.service = service
        self.settings = settings or StreamSettings()
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self.checkpoint_name = checkpoint_name
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
        """Stop the relay started with `start()`; what it published stays checkpointed."""
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
                log.warning("relay interrupted, retrying", service=self.service, error=str(exc) or type(exc).__name__,
                            retry_in=round(delay, 2))
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
            finally:
                await self._close_nats()

    async def _run_as_leader(self) -> None:
        conn = await psycopg.AsyncConnection.connect(self.database_url, autocommit=True)
        async with conn:
            await self._wait_for_leadership(conn)
            await conn.execute(f"LISTEN {self.store.channel}")
            listener = asyncio.create_task(self._listen(conn))
            try:
                self._nc = await jetstream.connect(self.nats_url, name=f"mlledger-{self.service}-relay")
                await jetstream.ensure_stream(self._nc, self.settings)
                log.info("relay started", service=self.service, stream=self.settings.stream_name)
                await self._publish_loop(self._nc.jetstream())
            finally:
                # Closing the connection ends the listener's wait; cancelling a task blocked in
                # psycopg's notifies() alone does not reliably release it.
                await conn.close()
                listener.cancel()
                with contextlib.suppress(asyncio.CancelledError, asyncio.TimeoutError, Exception):
                    await asyncio.wait_for(listener, 2.0)

    async def _wait_for_leadership(self, conn: psycopg.AsyncConnection) -> None:
        key = log_schema.lock_key(self.store.schema, "relay")
        while True:
            cursor = await conn.execute("SELECT pg_try_advisory_lock(%s)", (key,))
            row = await cursor.fetchone()
            if row and row[0]:
                return
            await asyncio.sleep(self.poll_interval)

    async def _listen(self, conn: psycopg.AsyncConnection) -> None:
        # This connection only waits for notifications and holds the leadership lock; queries
        # go through the pool.
        async for _ in conn.notifies():
            self._wake.set()

    async def _publish_loop(self, js: JetStreamContext) -> None:
        position = await self._load_checkpoint()
        self.stats.position = position
        while not self._stopping:
            self._wake.clear()
            events = await self.store.read_all(after_position=position, limit=self.batch_size)
            if events:
                await self._publish(js, events)
                position = events[-1].position
                await self._save_checkpoint(position)
                self.stats.position = position
                continue
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll_interval)

    async def _publish(self, js: JetStreamContext, events: list[RecordedEvent]) -> None:
        futures = []
        for event in events:
            subject, body, headers = jetstream.message(event, self.service, self.settings)
            futures.append(
                await js.publish_async(subject, body, headers=headers, stream=self.settings.stream_name, wait_stall=5.0)
            )
        # Raises if any publish was refused or not acknowledged in time; the batch is then retried.
        await asyncio.wait_for(asyncio.gather(*futures), timeout=10.0)
        self.stats.published += len(events)
        self.stats.batches += 1

    async def _load_checkpoint(self) -> int:
        async with self.store.pool.connection() as conn:
            cursor = await conn.execute(
                f"SELECT position FROM {self.store.schema}.checkpoints WHERE name = %s", (self.checkpoint_name,)
            )
            row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def _save_checkpoint(self, position: int) -> None:
        async with self.store.pool.connection() as conn:
            await conn.execute(
                f"""INSERT INTO {self.store.schema}.checkpoints (name, position) VALUES (%s, %s)
                    ON CONFLICT (name) DO UPDATE SET position = excluded.position, updated_at = now()""",
                (self.checkpoint_name, position),
            )

    async def _close_nats(self) -> None:
        if self._nc is not None:
            nc, self._nc = self._nc, None
            with contextlib.suppress(Exception):
                await asyncio.wait_for(nc.close(), 2.0)

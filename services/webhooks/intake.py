"""Taking events in for the webhooks: one subscription filtered by what the active webhooks want.

The dispatcher subscribes only to the active webhooks' subject patterns (merged into
non-overlapping filters) and to the webhook definitions' own events, so an event that no
webhook wants costs the registry nothing: no message, no transaction.

Each webhook has a cursor (`webhook_cursors`): it is served the events after that stream
position. CreateWebhook sets it to the stream's head read before its transaction, so every
event committed after the webhook lies beyond it (an event is published after its commit).
Each batch the dispatcher handles moves the cursors of the webhooks its filters cover up to the
batch's end, in the transaction that records the batch's deliveries with the checkpoint. When
the definitions change (a definition event arrives, or at start), the dispatcher plans again and
subscribes from the lowest cursor: a new or widened webhook then gets what the former filters
skipped, and a webhook already served is not matched again below its cursor. Every step is in
PostgreSQL, so a restart anywhere resumes from the cursors: nothing is lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from nats.aio.client import Client as NATS
from psycopg import AsyncConnection

from mlledger.jetstream import Event, Position, Subscription, decode, resolve_subject
from mlledger.services.core.logging import get_logger
from mlledger.services.eventstore import jetstream
from mlledger.services.eventstore.jetstream import StreamSettings
from mlledger.services.eventstore.postgres import PostgresEventStore
from mlledger.services.webhooks import queries
from mlledger.services.webhooks.body import event_body
from mlledger.services.webhooks.subjects import covering_filters, matches

log = get_logger("webhooks")
#: The durable consumer earlier versions read every event through (removed at start).
FORMER_DURABLE = "mlledger-webhooks"


@dataclass(frozen=True)
class Plan:
    """One subscription: the active webhooks it serves (id, subject), its filters, where it starts."""

    served: frozenset[tuple[str, str]]
    filters: list[str]
    after_position: int


class Intake:
    """Subscribes for the active webhooks and records a pending delivery per matching event and webhook."""

    def __init__(self, store: PostgresEventStore, nats_url: str, settings: StreamSettings,
                 on_handled: Callable[[], None]) -> None:
        self.store, self.s = store, store.schema
        self.nats_url, self.settings = nats_url, settings
        self.on_handled = on_handled
        #: Whether the current plan serves any webhook (else nothing can fall due).
        self.serving = False
        self._nc: NATS | None = None
        self._connecting = asyncio.Lock()
        self._former_durable_gone = False

    async def stream_head(self) -> int | None:
        """The stream's last position now, or None when NATS does not answer in time."""
        try:
            nc = await asyncio.wait_for(self._connection(), 2.0)
            info = await asyncio.wait_for(nc.jetstream().stream_info(self.settings.stream_name), 2.0)
            return int(info.state.last_seq)
        except Exception as exc:  # noqa: BLE001 - callers fall back to the dispatcher's checkpoint
            log.warning("stream head unknown", error=str(exc) or type(exc).__name__)
            return None

    async def run(self, stop: asyncio.Event) -> None:
        """Plan, serve until the definitions change, plan again; retry from the cursors after a failure."""
        delay = 0.5
        while not stop.is_set():
            try:
                nc = await self._connection()
                await self._forget_former_durable(nc)
                await self._serve(nc, await self._plan(nc), stop)
                delay = 0.5
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - NATS or PostgreSQL away: retry from the cursors
                log.warning("webhook subscriber interrupted, retrying", error=str(exc) or type(exc).__name__)
                await self.close()
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0)

    async def close(self) -> None:
        nc, self._nc = self._nc, None
        if nc is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(nc.close(), 2.0)

    async def _connection(self) -> NATS:
        async with self._connecting:
            if self._nc is None or self._nc.is_closed:
                self._nc = await jetstream.connect(self.nats_url, name="mlledger-webhooks")
            return self._nc

    async def _forget_former_durable(self, nc: NATS) -> None:
        """Remove the consumer earlier versions kept on the server (once; absent is fine)."""
        if not self._former_durable_gone:
            with contextlib.suppress(Exception):
                await nc.jetstream().delete_consumer(self.settings.stream_name, FORMER_DURABLE)
            self._former_durable_gone = True

    async def _plan(self, nc: NATS) -> Plan:
        """What to subscribe to now. The head is read before the definitions: a webhook created
        after they were read has its creation event beyond the head, so the plan sees it."""
        head = int((await nc.jetstream().stream_info(self.settings.stream_name)).state.last_seq)
        async with self.store.pool.connection() as conn:
            await conn.execute(
                f"INSERT INTO {self.s}.consumer_checkpoints (name, position, marks) VALUES (%s, 0, '{{}}') "
                "ON CONFLICT (name) DO NOTHING", (queries.CHECKPOINT,))
            hooks = await self._active(conn)
        prefix = self.settings.subject_prefix
        patterns = [resolve_subject(subject, prefix) for _, subject, _ in hooks]
        filters = covering_filters([*patterns, f"{prefix}.registry.webhook.>"], f"{prefix}.>")
        self.serving = bool(hooks)
        if hooks:
            self.on_handled()  # deliveries left pending before this plan may be due
        return Plan(frozenset((hook_id, subject) for hook_id, subject, _ in hooks), filters,
                    min([head, *(after for _, _, after in hooks)]))

    async def _serve(self, nc: NATS, plan: Plan, stop: asyncio.Event) -> None:
        """Handle the plan's events until the definitions it was made from change."""
        subscription = Subscription(self.nats_url, self.settings.stream_name, self.settings.subject_prefix,
                                    subjects=plan.filters, after_position=plan.after_position, batch=500, nc=nc)
        await subscription.open()
        try:
            async for msgs in subscription.batches(1.0):
                if stop.is_set():
                    return
                if msgs:
                    served = await self._handle([decode(msg) for msg in msgs], plan)
                    self.on_handled()
                    if served != plan.served:
                        return
        finally:
            await subscription.close()

    async def _handle(self, events: Sequence[Event], plan: Plan) -> frozenset[tuple[str, str]]:
        """Record the batch's deliveries, advance the served cursors and the checkpoint, in one
        transaction; returns the active webhooks it saw (a change means: plan again). In a pipeline:
        the two reads take a round trip each, the writes and COMMIT one together."""
        async with self.store.pool.connection() as conn, conn.pipeline(), conn.transaction():
            row = await (await conn.execute(
                f"SELECT position, marks FROM {self.s}.consumer_checkpoints WHERE name = %s FOR UPDATE",
                (queries.CHECKPOINT,))).fetchone()
            position = Position(int(row[0]), dict(row[1])) if row else Position()
            # Events at or below the checkpoint come again because a plan reached back for a new
            # or widened webhook: the cursors, not the de-duplication marks, say who needs them.
            replayed = position.stream
            fresh = []
            for event in events:
                if event.position <= replayed or position.is_new(event):
                    fresh.append(event)
                position.advance(event)
            hooks = await self._active(conn)
            await self._record(conn, fresh, hooks)
            last = events[-1].position
            served = sorted(plan.served)
            await conn.execute(
                f"""UPDATE {self.s}.webhook_cursors SET after_position = %s
                    WHERE (webhook_id, subject) IN (SELECT * FROM unnest(%s::text[], %s::text[]))
                    AND after_position < %s""",
                (last, [hook_id for hook_id, _ in served], [subject for _, subject in served], last))
            await conn.execute(
                f"""UPDATE {self.s}.consumer_checkpoints SET position = %s, marks = %s, updated_at = now()
                    WHERE name = %s""", (position.stream, json.dumps(position.marks), queries.CHECKPOINT))
        return frozenset((hook_id, subject) for hook_id, subject, _ in hooks)

    async def _record(self, conn: AsyncConnection, events: Sequence[Event],
                      hooks: Sequence[tuple[str, str, int]]) -> None:
        """One pending delivery per event and active webhook whose subject matches, beyond its cursor."""
        prefix = self.settings.subject_prefix
        wanted = [(hook_id, resolve_subject(subject, prefix), after) for hook_id, subject, after in hooks]
        rows: list[tuple[Any, ...]] = []
        for event in events:
            subject = f"{prefix}.{event.service}.{event.type}"
            for hook_id, pattern, after in wanted:
                if event.position > after and matches(pattern, subject):
                    rows.append((hook_id, event.id, event.position, subject, event_body(event, subject),
                                 event.time.ToDatetime(tzinfo=dt.timezone.utc)))
        if rows:
            async with conn.cursor() as cursor:
                await cursor.executemany(
                    f"""INSERT INTO {self.s}.webhook_deliveries (webhook_id, event_id, position, subject, body,
                        event_time) VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING""", rows)

    async def _active(self, conn: AsyncConnection) -> list[tuple[str, str, int]]:
        """(id, subject, cursor) of every active webhook; one without a cursor row (written by an
        earlier version) starts where the dispatcher had got to."""
        rows = await (await conn.execute(
            f"""SELECT w.webhook_id, w.subject, coalesce(c.after_position, (SELECT position
                    FROM {self.s}.consumer_checkpoints WHERE name = %s), 0)
                FROM {self.s}.webhooks w LEFT JOIN {self.s}.webhook_cursors c USING (webhook_id)
                WHERE w.active""", (queries.CHECKPOINT,))).fetchall()
        return [(str(hook_id), str(subject), int(after)) for hook_id, subject, after in rows]

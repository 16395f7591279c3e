"""Delivering events to webhooks: what is sent, how it is POSTed, and the retrying dispatcher.

The dispatcher is a consumer on the shared subscriber: for each event it records one pending
delivery per matching webhook in the same transaction as its checkpoint (so nothing is lost
across a restart), and a sender POSTs due deliveries concurrently, each webhook with its own
small budget of attempts in flight, so a receiver that is down only delays its own deliveries.
A failed attempt (no answer, a timeout, or a non-2xx status) is retried with exponential
back-off until `max_attempts`. Receivers de-duplicate by the Mlledger-Event-Id header.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import functools
import json
import time
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from google.protobuf import json_format
from psycopg import AsyncConnection

from mlledger.services.core.logging import get_logger
from mlledger.services.eventstore.consumer_checkpoint import PostgresCheckpoint
from mlledger.services.eventstore.jetstream import StreamSettings
from mlledger.services.eventstore.model import payload_class
from mlledger.services.eventstore.postgres import PostgresEventStore
from mlledger.jetstream import Event, Subscription, resolve_subject
from mlledger.services.eventstore.subscriber import consume
from mlledger.services.webhooks import signing

log = get_logger("webhooks")
_HTTP = ThreadPoolExecutor(max_workers=32, thread_name_prefix="webhook-post")


def matches(pattern: str, subject: str) -> bool:
    """NATS wildcard matching: `*` is one token, a final `>` one or more."""
    want, have = pattern.split("."), subject.split(".")
    for i, token in enumerate(want):
        if token == ">":
            return len(have) > i
        if i >= len(have) or (token != "*" and token != have[i]):
            return False
    return len(want) == len(have)


def event_body(event: Event, subject: str) -> bytes:
    """The JSON body POSTed for an event (the envelope with its payload decoded)."""
    payload = payload_class(event.payload.type_url.rpartition("/")[2]).FromString(event.payload.value)
    return json.dumps({
        "id": event.id, "subject": subject, "position": event.position, "service": event.service,
        "type": event.type, "entity": event.stream, "entity_version": event.stream_version,
        "time": event.time.ToJsonString(), "actor": event.actor, "correlation_id": event.correlation_id,
        "payload_type": event.payload.type_url.rpartition("/")[2],
        "payload": json_format.MessageToDict(payload, preserving_proto_field_name=True),
    }, separators=(",", ":")).encode()


def test_body(webhook_id: str) -> bytes:
    return json.dumps({"type": "webhook.test", "webhook_id": webhook_id, "time": time.time()}).encode()


def _post_blocking(url: str, body: bytes, headers: dict[str, str], timeout: float) -> tuple[int, str]:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, ""
    except urllib.error.HTTPError as exc:
        return exc.code, f"HTTP {exc.code} {exc.reason}"
    except Exception as exc:  # noqa: BLE001 - any failure to get an answer is recorded, then retried
        return 0, f"{type(exc).__name__}: {exc}"


async def post(url: str, body: bytes, headers: dict[str, str], timeout: float = 10.0) -> tuple[int, str]:
    """POST and return (status code or 0, error text or "")."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_HTTP, _post_blocking, url, body, headers, timeout)


async def secret_of(conn: AsyncConnection, schema: str, webhook_id: str) -> str:
    row = await (await conn.execute(f"SELECT secret FROM {schema}.webhook_secrets WHERE webhook_id = %s",
                                    (webhook_id,))).fetchone()
    return str(row[0]) if row else ""


class Dispatcher:
    """The built-in webhook subscriber of the registry service."""

    def __init__(self, store: PostgresEventStore, nats_url: str, settings: StreamSettings, *,
                 base_delay: float = 0.5, max_delay: float = 60.0, max_attempts: int = 8, timeout: float = 10.0,
                 per_webhook: int = 4) -> None:
        self.store, self.s = store, store.schema
        self.nats_url, self.settings = nats_url, settings
        self.base_delay, self.max_delay, self.max_attempts = base_delay, max_delay, max_attempts
        self.timeout, self.per_webhook = timeout, per_webhook
        self._wake = asyncio.Event()
        self._stop = asyncio.Event()
        self._inflight: set[tuple[str, str]] = set()
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        self._tasks = [asyncio.create_task(self._consume_forever(), name="webhooks-consume"),
                       asyncio.create_task(self._send_forever(), name="webhooks-send")]

    async def stop(self) -> None:
        self._stop.set()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(task, 5.0)

    async def _consume_forever(self) -> None:
        delay = 0.5
        while not self._stop.is_set():
            subscription = Subscription(self.nats_url, self.settings.stream_name, self.settings.subject_prefix,
                                        durable="mlledger-webhooks", batch=200)
            try:
                await consume(subscription, PostgresCheckpoint(self.store.pool, self.s, "webhooks"), self._enqueue,
                              stop=self._stop, on_handled=self._wake.set)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - NATS or PostgreSQL away: retry from the checkpoint
                log.warning("webhook subscriber interrupted, retrying", error=str(exc) or type(exc).__name__)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0)

    async def _enqueue(self, events: list[Event], conn: AsyncConnection) -> None:
        hooks = await (await conn.execute(f"SELECT webhook_id, subject FROM {self.s}.webhooks WHERE active")).fetchall()
        prefix = self.settings.subject_prefix
        rows = []
        for event in events:
            subject = f"{prefix}.{event.service}.{event.type}"
            for webhook_id, pattern in hooks:
                if matches(resolve_subject(pattern, prefix), subject):
                    rows.append((webhook_id, event.id, event.position, subject, event_body(event, subject),
                                 event.time.ToDatetime(tzinfo=dt.timezone.utc)))
        if rows:
            async with conn.cursor() as cursor:
                await cursor.executemany(
                    f"""INSERT INTO {self.s}.webhook_deliveries (webhook_id, event_id, position, subject, body,
                        event_time) VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING""", rows)

    async def _send_forever(self) -> None:
        while not self._stop.is_set():
            try:
                await self._send_due()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - PostgreSQL away: try again shortly
                log.warning("webhook sender interrupted", error=str(exc) or type(exc).__name__)
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._wake.wait(), 0.2)
            self._wake.clear()

    async def _send_due(self) -> None:
        async with self.store.pool.connection() as conn:
            rows = await (await conn.execute(
                f"""SELECT d.webhook_id, d.event_id, d.subject, d.body, d.attempts, w.url, s.secret
                    FROM {self.s}.webhook_deliveries d JOIN {self.s}.webhooks w USING (webhook_id)
                    JOIN {self.s}.webhook_secrets s USING (webhook_id)
                    WHERE d.status = 'pending' AND d.next_attempt <= now() AND w.active
                    ORDER BY d.next_attempt, d.position LIMIT 500""")).fetchall()
        busy = Counter(webhook_id for webhook_id, _ in self._inflight)
        for row in rows:
            key = (row[0], row[1])
            if key in self._inflight or busy[row[0]] >= self.per_webhook:
                continue
            busy[row[0]] += 1
            self._inflight.add(key)
            task = asyncio.create_task(self._attempt(*row))
            task.add_done_callback(functools.partial(_discard, self._inflight, key))

    async def _claim(self, webhook_id: str, event_id: str, attempts: int) -> bool:
        """Lease a pending delivery for one attempt; False if its row has moved on since it was read."""
        async with self.store.pool.connection() as conn:
            claimed = await (await conn.execute(
                f"""UPDATE {self.s}.webhook_deliveries SET next_attempt = now() + make_interval(secs => %s)
                    WHERE webhook_id = %s AND event_id = %s AND status = 'pending' AND attempts = %s
                    RETURNING 1""", (self.timeout + 5.0, webhook_id, event_id, attempts))).fetchone()
        return claimed is not None

    async def _attempt(self, webhook_id: str, event_id: str, subject: str, body: bytes, attempts: int, url: str,
                       secret: str) -> None:
        if not await self._claim(webhook_id, event_id, attempts):
            return  # read from a snapshot taken before another attempt finished: that one is newer
        headers = signing.headers(secret, bytes(body), event_id=event_id, webhook_id=webhook_id, subject=subject)
        started = time.perf_counter()
        status, error = await post(url, bytes(body), headers, self.timeout)
        latency = (time.perf_counter() - started) * 1000
        attempts += 1
        ok = 200 <= status < 300
        state = "delivered" if ok else ("failed" if attempts >= self.max_attempts else "pending")
        delay = min(self.base_delay * 2 ** (attempts - 1), self.max_delay)
        async with self.store.pool.connection() as conn:
            await conn.execute(
                f"""UPDATE {self.s}.webhook_deliveries SET status = %s, attempts = %s, last_status_code = %s,
                    last_error = %s, latency_ms = %s, updated_at = now(),
                    next_attempt = now() + make_interval(secs => %s)
                    WHERE webhook_id = %s AND event_id = %s AND attempts = %s""",
                (state, attempts, status, "" if ok else error or f"HTTP {status}", latency, delay, webhook_id,
                 event_id, attempts - 1))
        if not ok:
            log.info("webhook delivery failed", webhook_id=webhook_id, event_id=event_id, attempts=attempts,
                     status=status, error=error, next=state)
            self._wake.set()


def _discard(inflight: set[tuple[str, str]], key: tuple[str, str], _task: object) -> None:
    """A finished attempt frees its delivery for the next pass."""
    inflight.discard(key)

"""Delivering events to webhooks: how they are POSTed, and the retrying dispatcher.

The dispatcher's intake (intake.py) subscribes to the events some webhook wants and records one
pending delivery per matching webhook in the same transaction as its cursors and checkpoint (so
nothing is lost across a restart); a sender POSTs due deliveries concurrently, each webhook with
its own small budget of attempts in flight, so a receiver that is down only delays its own deliveries.
A failed attempt (no answer, a timeout, or a non-2xx status) is retried with exponential
back-off until `max_attempts`. Receivers de-duplicate by the Mlledger-Event-Id header.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import time
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from psycopg import AsyncConnection

from mlledger.services.core.logging import get_logger
from mlledger.services.eventstore.jetstream import StreamSettings
from mlledger.services.eventstore.postgres import PostgresEventStore
from mlledger.services.webhooks import signing
from mlledger.services.webhooks.intake import Intake

log = get_logger("webhooks")
_HTTP = ThreadPoolExecutor(max_workers=32, thread_name_prefix="webhook-post")


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
        self.intake = Intake(store, nats_url, settings, on_handled=self._wake.set)

    def start(self) -> None:
        self._tasks = [asyncio.create_task(self.intake.run(self._stop), name="webhooks-intake"),
                       asyncio.create_task(self._send_forever(), name="webhooks-send")]

    async def stream_head(self) -> int | None:
        """The event stream's last position now (None if NATS does not answer): see intake.py."""
        return await self.intake.stream_head()

    async def stop(self) -> None:
        self._stop.set()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(task, 5.0)
        await self.intake.close()

    async def _send_forever(self) -> None:
        while not self._stop.is_set():
            try:
                await self._send_due()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - PostgreSQL away: try again shortly
                log.warning("webhook sender interrupted", error=str(exc) or type(exc).__name__)
            # With no active webhook nothing can fall due; the intake wakes the sender when one appears.
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._wake.wait(), 0.2 if self.intake.serving else 5.0)
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

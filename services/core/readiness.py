"""Health that reflects the database: a service without PostgreSQL answers NOT_SERVING until it is back.

A probe asks the pool for a connection and runs `SELECT 1` every `interval` seconds. Besides
keeping the gRPC health status honest, the probe is what brings the pool back quickly after a
database restart: a connection attempt every second (instead of the pool's growing backoff),
and broken idle connections are discarded as soon as the database answers again, so the first
writes after a restart do not each meet a dead connection.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

from psycopg_pool import AsyncConnectionPool

from mlledger.services.core.logging import get_logger

log = get_logger("readiness")

#: Seconds between probes, and the longest a probe waits for its answer.
PROBE_INTERVAL = 1.0
PROBE_TIMEOUT = 2.0


class DatabaseReadiness:
    """Runs the probe in the background and reports each change of state to `on_change(ready)`."""

    def __init__(self, pool: AsyncConnectionPool, on_change: Callable[[bool], Awaitable[None]],
                 interval: float = PROBE_INTERVAL) -> None:
        self.pool = pool
        self.on_change = on_change
        self.interval = interval
        self.ready = True
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start probing (the service starts ready: it has just reached the database)."""
        self._task = asyncio.get_running_loop().create_task(self._run(), name="database-readiness")

    async def stop(self) -> None:
        """Stop probing; health is no longer changed afterwards."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def probe(self) -> bool:
        """Whether the database answers a trivial query now."""
        try:
            async with asyncio.timeout(PROBE_TIMEOUT):
                async with self.pool.connection(timeout=PROBE_TIMEOUT) as conn:
                    await conn.execute("SELECT 1")
            return True
        except Exception:  # noqa: BLE001 - any failure means "not ready"; the cause is logged on the change
            return False

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            ready = await self.probe()
            if ready == self.ready:
                continue
            self.ready = ready
            if ready:
                # Idle connections opened before the outage are dead: drop them all now.
                with contextlib.suppress(Exception):
                    await self.pool.check()
                log.info("database reachable again: serving")
            else:
                log.warning("database unreachable: health is NOT_SERVING until it answers")
            try:
                await self.on_change(ready)
            except Exception:  # a failed status update must not stop the probe
                log.exception("cannot update the health status")

"""Waiting until every running service has applied an auth change, so it holds at once everywhere.

Each directory records, per process, the last auth event it applied (`auth.directory_positions`,
refreshed every few seconds as a heartbeat). A revocation or a grant returns to its caller only
after every directory seen alive in the last `ALIVE_SECONDS` has applied it, so the very next
call to any service sees it. A directory that stops reporting (its process died, or lost its
database connection, in which case it answers from the database) is waited for at most
`WAIT_SECONDS`, then the change is reported as applied and the laggard logged.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid

from psycopg_pool import AsyncConnectionPool

from mlledger.services.core.logging import get_logger

log = get_logger("auth")

ALIVE_SECONDS = 15
HEARTBEAT_SECONDS = 5.0
WAIT_SECONDS = 5.0
POLL_SECONDS = 0.005


class Propagation:
    """One process's applied position, and the wait for everyone's."""

    def __init__(self, pool: AsyncConnectionPool, schema: str) -> None:
        self.pool = pool
        self.schema = schema
        self.instance = uuid.uuid4().hex
        self.position = 0
        self._task: asyncio.Task[None] | None = None

    async def record(self, position: int) -> None:
        """Report that this process applied every auth event up to `position`."""
        self.position = position
        async with self.pool.connection() as conn:
            await conn.execute(
                f"INSERT INTO {self.schema}.directory_positions AS d VALUES (%s, %s, now()) ON CONFLICT (instance) "
                "DO UPDATE SET position = greatest(d.position, excluded.position), seen_at = now()",
                (self.instance, position))

    def start_heartbeat(self) -> None:
        self._task = asyncio.create_task(self._beat(), name="auth-heartbeat")

    async def _beat(self) -> None:
        while True:
            await asyncio.sleep(HEARTBEAT_SECONDS)
            with contextlib.suppress(Exception):
                await self.record(self.position)

    async def stop(self) -> None:
        """Stop reporting and leave the table (a stopped process is not waited for)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        with contextlib.suppress(Exception):
            async with self.pool.connection() as conn:
                await conn.execute(f"DELETE FROM {self.schema}.directory_positions WHERE instance = %s",
                                   (self.instance,))

    async def wait_everywhere(self, position: int) -> bool:
        """Return once every live directory applied `position` (False if some did not within WAIT_SECONDS)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + WAIT_SECONDS
        while True:
            async with self.pool.connection() as conn:
                cursor = await conn.execute(
                    f"SELECT instance FROM {self.schema}.directory_positions WHERE position < %s "
                    f"AND seen_at > now() - interval '{ALIVE_SECONDS} seconds'", (position,))
                behind = [row[0] for row in await cursor.fetchall()]
            if not behind:
                return True
            if loop.time() > deadline:
                log.warning("auth change not yet applied by every service", position=position, behind=behind)
                return False
            await asyncio.sleep(POLL_SECONDS)

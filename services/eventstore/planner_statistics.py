"""Fresh planner statistics for read models right after bulk writes, without waiting for autovacuum.

Autovacuum visits a database once per `autovacuum_naptime` (a minute by default), so for up to
a minute after thousands of runs are loaded the planner still believes their tables are empty
and may choose nested loops over them. This task looks at the tables' change counters every few
seconds and runs ANALYZE on those that changed by a good fraction since their last analysis.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence

import psycopg
from psycopg_pool import AsyncConnectionPool

from mlledger.services.core.logging import get_logger

log = get_logger("planner-statistics")

#: Seconds between looks at the change counters.
CHECK_INTERVAL = 2.0
#: A table is analyzed once at least this many rows changed...
MIN_CHANGES = 500
#: ...and at least this fraction of its rows (as autovacuum's analyze_scale_factor, but sooner).
CHANGED_FRACTION = 0.2


class PlannerStatistics:
    """Keeps the planner's statistics of `tables` (schema-qualified) close to their contents."""

    def __init__(self, pool: AsyncConnectionPool, tables: Sequence[str], interval: float = CHECK_INTERVAL) -> None:
        self.pool = pool
        self.tables = list(tables)
        self.interval = interval
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Run in a background task of the running loop until `stop()`."""
        self._task = asyncio.create_task(self._run(), name="planner-statistics")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.refresh()
            except (psycopg.Error, OSError) as exc:  # the database may be away; try again later
                log.info("planner statistics not refreshed", error=str(exc) or type(exc).__name__)

    async def refresh(self) -> list[str]:
        """ANALYZE the tables that changed enough since their last analysis; returns their names."""
        async with self.pool.connection() as conn:
            cursor = await conn.execute(
                "SELECT format('%%I.%%I', schemaname, relname) FROM pg_stat_user_tables "
                "WHERE format('%%I.%%I', schemaname, relname) = ANY(%s) "
                "AND n_mod_since_analyze >= greatest(%s, %s * n_live_tup)",
                (self.tables, MIN_CHANGES, CHANGED_FRACTION))
            stale = [row[0] for row in await cursor.fetchall()]
            for table in stale:
                # Names come from pg_stat_user_tables, quoted by format(%I): safe to embed.
                await conn.execute(f"ANALYZE {table}")
        return stale

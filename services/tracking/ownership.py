"""Which experiment a run belongs to, for the permission checks (a run never changes experiment)."""

from __future__ import annotations

from collections import OrderedDict

from psycopg_pool import AsyncConnectionPool

#: Runs remembered (least recently used dropped first).
CACHE_SIZE = 100_000


class RunOwnership:
    """Answers run id -> experiment id from the runs read model, remembering the answers."""

    def __init__(self, pool: AsyncConnectionPool, schema: str) -> None:
        self.pool = pool
        self.schema = schema
        self._known: OrderedDict[str, str] = OrderedDict()

    async def experiment_of(self, run_id: str) -> str | None:
        """The run's experiment id, or None when there is no such run."""
        found = self._known.get(run_id)
        if found is not None:
            self._known.move_to_end(run_id)
            return found
        async with self.pool.connection() as conn:
            cursor = await conn.execute(f"SELECT experiment_id FROM {self.schema}.runs WHERE run_id = %s", (run_id,))
            row = await cursor.fetchone()
        if row is None:
            return None
        self._known[run_id] = row[0]
        if len(self._known) > CACHE_SIZE:
            self._known.popitem(last=False)
        return str(row[0])

"""A consumer's checkpoint in PostgreSQL, in the same transaction as the consumer's own writes."""

from __future__ import annotations

import json
from collections.abc import Sequence

from psycopg_pool import AsyncConnectionPool

from mlledger.services.eventstore.schema import check_identifier
from mlledger.jetstream import Event, Position
from mlledger.services.eventstore.subscriber import Handler

TABLE_SQL = """
CREATE TABLE IF NOT EXISTS {schema}.consumer_checkpoints (
    name       text PRIMARY KEY,
    position   bigint NOT NULL,
    marks      jsonb NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
)
"""

#: A migration (name, SQL) for services whose schema holds consumer checkpoints.
MIGRATION = ("eventstore-consumer-checkpoints", TABLE_SQL)


class PostgresCheckpoint:
    """Position and de-duplication marks of one consumer, stored in `<schema>.consumer_checkpoints`.

    `handle` runs the consumer's handler on a connection inside a transaction that also
    updates the checkpoint row (locked first, so two replicas of a consumer never both apply a
    batch): the effects and the position commit together or not at all.
    """

    def __init__(self, pool: AsyncConnectionPool, schema: str, name: str) -> None:
        self.pool = pool
        self.schema = check_identifier(schema)
        self.name = name

    async def load(self) -> Position:
        async with self.pool.connection() as conn:
            await conn.execute(
                f"INSERT INTO {self.schema}.consumer_checkpoints (name, position, marks) VALUES (%s, 0, '{{}}') "
                "ON CONFLICT (name) DO NOTHING", (self.name,))
            row = await (await conn.execute(
                f"SELECT position, marks FROM {self.schema}.consumer_checkpoints WHERE name = %s", (self.name,)
            )).fetchone()
        assert row is not None
        return Position(int(row[0]), {key: int(value) for key, value in row[1].items()})

    async def handle(self, events: Sequence[Event], handler: Handler) -> None:
        async with self.pool.connection() as conn, conn.transaction():
            row = await (await conn.execute(
                f"SELECT position, marks FROM {self.schema}.consumer_checkpoints WHERE name = %s FOR UPDATE",
                (self.name,),
            )).fetchone()
            position = Position(int(row[0]), dict(row[1])) if row else Position()
            fresh = position.fresh(events)
            if fresh:
                await handler(fresh, conn)
            await conn.execute(
                f"""INSERT INTO {self.schema}.consumer_checkpoints (name, position, marks) VALUES (%s, %s, %s)
                    ON CONFLICT (name) DO UPDATE SET position = excluded.position, marks = excluded.marks,
                    updated_at = now()""",
                (self.name, position.stream, json.dumps(position.marks)),
            )

"""The webhooks read model (in the registry schema), and the tables only the dispatcher writes."""

from __future__ import annotations

from collections.abc import Sequence

from psycopg import AsyncConnection

from mlledger.services.eventstore.consumer_checkpoint import TABLE_SQL as CHECKPOINT_SQL
from mlledger.services.eventstore.model import Envelope
from mlledger.services.eventstore.schema import Migration
from mlledger.services.webhooks import events

#: webhooks is the read model (rebuilt from the log). webhook_secrets is kept out of the log on
#: purpose (events are published to every subscriber), written in the same transaction as the
#: event; webhook_deliveries and consumer_checkpoints belong to the dispatcher.
MIGRATIONS: list[Migration] = [(
    "webhooks-0001",
    """
    CREATE TABLE {schema}.webhooks (
        webhook_id text PRIMARY KEY, name text NOT NULL UNIQUE, url text NOT NULL, subject text NOT NULL,
        description text NOT NULL, active boolean NOT NULL, secret_fingerprint text NOT NULL,
        created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL
    );
    CREATE TABLE {schema}.webhook_secrets (webhook_id text PRIMARY KEY, secret text NOT NULL);
    CREATE TABLE {schema}.webhook_deliveries (
        webhook_id text NOT NULL, event_id text NOT NULL, position bigint NOT NULL, subject text NOT NULL,
        body bytea NOT NULL, status text NOT NULL DEFAULT 'pending', attempts int NOT NULL DEFAULT 0,
        last_status_code int NOT NULL DEFAULT 0, last_error text NOT NULL DEFAULT '',
        latency_ms double precision NOT NULL DEFAULT 0, event_time timestamptz NOT NULL,
        next_attempt timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (webhook_id, event_id)
    );
    CREATE INDEX webhook_deliveries_due ON {schema}.webhook_deliveries (next_attempt) WHERE status = 'pending';
    """ + CHECKPOINT_SQL,
)]


class WebhookProjector:
    """Keeps the webhooks table in step with webhook events."""

    def __init__(self, schema: str) -> None:
        self.s = schema
        self.tables: Sequence[str] = [f"{schema}.webhooks"]

    async def apply(self, conn: AsyncConnection, e: Envelope) -> None:
        p = e.payload
        if e.type == events.CREATED:
            await conn.execute(
                f"INSERT INTO {self.s}.webhooks VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                (p.webhook_id, p.name, p.url, p.subject, p.description, p.active, p.secret_fingerprint, e.time, e.time))
        elif e.type == events.UPDATED:
            changes = {field: getattr(p, field) for field in ("url", "subject", "description", "active",
                                                              "secret_fingerprint") if p.HasField(field)}
            sets = ", ".join([*(f"{field} = %s" for field in changes), "updated_at = %s"])
            await conn.execute(f"UPDATE {self.s}.webhooks SET {sets} WHERE webhook_id = %s",
                               (*changes.values(), e.time, p.webhook_id))
        elif e.type == events.DELETED:
            await conn.execute(f"DELETE FROM {self.s}.webhooks WHERE webhook_id = %s", (p.webhook_id,))


class CompositeProjector:
    """Several projectors over one log (the registry's models and its webhooks)."""

    def __init__(self, *projectors: object) -> None:
        self.projectors = projectors
        self.tables: Sequence[str] = [t for p in projectors for t in p.tables]  # type: ignore[attr-defined]

    async def apply(self, conn: AsyncConnection, event: Envelope) -> None:
        for projector in self.projectors:
            await projector.apply(conn, event)  # type: ignore[attr-defined]

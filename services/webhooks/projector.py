"""The webhooks read model (in the registry schema; tables in schema.py), kept by webhook events."""

from __future__ import annotations

from collections.abc import Sequence

from psycopg import AsyncConnection

from mlledger.services.eventstore.model import Envelope
from mlledger.services.webhooks import events


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

"""The webhooks' SQL: their read model, their secrets and their delivery log (in the registry schema)."""

from __future__ import annotations

from typing import Any

from psycopg import AsyncConnection

from mlledger import errors
from mlledger.v1 import webhooks_pb2 as pb

_COLUMNS = "webhook_id, name, url, subject, description, active, secret_fingerprint, created_at, updated_at"


def _webhook(row: tuple[Any, ...]) -> pb.Webhook:
    hook = pb.Webhook(id=row[0], name=row[1], url=row[2], subject=row[3], description=row[4], active=row[5],
                      secret_fingerprint=row[6])
    hook.created_at.FromDatetime(row[7])
    hook.updated_at.FromDatetime(row[8])
    return hook


async def find(conn: AsyncConnection, schema: str, ref: str, *, lock: bool = False) -> pb.Webhook:
    """The webhook with id or name `ref` (row-locked with `lock`); NotFound naming it otherwise."""
    if not ref:
        raise errors.InvalidArgument("webhook", "give the webhook's id or name")
    row = await (await conn.execute(
        f"SELECT {_COLUMNS} FROM {schema}.webhooks WHERE webhook_id = %s OR name = %s" + (" FOR UPDATE" if lock else ""),
        (ref, ref))).fetchone()
    if row is None:
        raise errors.NotFound("webhook", ref)
    return _webhook(row)


async def name_taken(conn: AsyncConnection, schema: str, name: str) -> bool:
    """Whether a webhook already has this name."""
    return await (await conn.execute(f"SELECT 1 FROM {schema}.webhooks WHERE name = %s", (name,))).fetchone() is not None


async def all_webhooks(conn: AsyncConnection, schema: str) -> list[pb.Webhook]:
    """Every webhook, by name."""
    rows = await (await conn.execute(f"SELECT {_COLUMNS} FROM {schema}.webhooks ORDER BY name")).fetchall()
    return [_webhook(row) for row in rows]


async def store_secret(conn: AsyncConnection, schema: str, webhook_id: str, secret: str) -> None:
    """Keep a new webhook's signing secret (never part of an event)."""
    await conn.execute(f"INSERT INTO {schema}.webhook_secrets VALUES (%s, %s)", (webhook_id, secret))


async def replace_secret(conn: AsyncConnection, schema: str, webhook_id: str, secret: str) -> None:
    """Replace a webhook's signing secret."""
    await conn.execute(f"UPDATE {schema}.webhook_secrets SET secret = %s WHERE webhook_id = %s", (secret, webhook_id))


async def forget(conn: AsyncConnection, schema: str, webhook_id: str) -> None:
    """Drop a deleted webhook's secret, cursor and delivery log."""
    await conn.execute(f"DELETE FROM {schema}.webhook_secrets WHERE webhook_id = %s", (webhook_id,))
    await conn.execute(f"DELETE FROM {schema}.webhook_cursors WHERE webhook_id = %s", (webhook_id,))
    await conn.execute(f"DELETE FROM {schema}.webhook_deliveries WHERE webhook_id = %s", (webhook_id,))


async def deliveries(conn: AsyncConnection, schema: str, webhook_id: str, limit: int) -> list[pb.WebhookDelivery]:
    """The latest `limit` deliveries of a webhook, newest first."""
    rows = await (await conn.execute(
        f"""SELECT event_id, subject, position, status, attempts, last_status_code, last_error, latency_ms,
                   event_time, updated_at FROM {schema}.webhook_deliveries WHERE webhook_id = %s
            ORDER BY position DESC LIMIT %s""", (webhook_id, limit))).fetchall()
    result = []
    for row in rows:
        item = pb.WebhookDelivery(event_id=row[0], subject=row[1], position=row[2], status=row[3],
                                  attempts=row[4], last_status_code=row[5], last_error=row[6], latency_ms=row[7])
        item.event_time.FromDatetime(row[8])
        item.updated_at.FromDatetime(row[9])
        result.append(item)
    return result


#: The dispatcher's checkpoint (in consumer_checkpoints).
CHECKPOINT = "webhooks"


def _head_or_checkpoint(schema: str) -> str:
    """SQL for a stream position no event committed after this transaction can be at or below: the
    stream's head read before it began (a parameter), or else the dispatcher's last position."""
    return (f"coalesce(%s::bigint, (SELECT position FROM {schema}.consumer_checkpoints "
            f"WHERE name = '{CHECKPOINT}'), 0)")


async def start_cursor(conn: AsyncConnection, schema: str, webhook_id: str, subject: str, head: int | None) -> None:
    """Serve a new webhook every event after `head` (see intake.py), in its creating transaction."""
    await conn.execute(f"INSERT INTO {schema}.webhook_cursors VALUES (%s, %s, {_head_or_checkpoint(schema)})",
                       (webhook_id, subject, head))


async def widen_cursor(conn: AsyncConnection, schema: str, webhook_id: str, subject: str, head: int | None, *,
                       reactivated: bool) -> None:
    """After a webhook's subject changed or it was activated again: serve it from `head` at the latest
    (from `head` exactly when reactivated: what happened while it was inactive is not sent)."""
    await conn.execute(
        f"""INSERT INTO {schema}.webhook_cursors AS c VALUES (%s, %s, {_head_or_checkpoint(schema)})
            ON CONFLICT (webhook_id) DO UPDATE SET subject = excluded.subject, after_position = CASE
                WHEN %s THEN excluded.after_position ELSE least(c.after_position, excluded.after_position) END""",
        (webhook_id, subject, head, reactivated))

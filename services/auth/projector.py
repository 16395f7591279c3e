"""The auth read models (tokens, permissions) and the table of token hashes kept out of the log."""

from __future__ import annotations

from collections.abc import Sequence

from psycopg import AsyncConnection

from mlledger.services.auth import events
from mlledger.services.eventstore.model import Envelope
from mlledger.services.eventstore.schema import Migration

#: The schema the auth component owns in the deployment's database (shared by every service).
SCHEMA = "auth"

#: tokens and permissions are read models (rebuilt from the log). token_hashes is written beside
#: the token.created event in the same transaction and never logged: events go to every subscriber.
#: directory_positions is each running process's applied position (propagation.py).
MIGRATIONS: list[Migration] = [(
    "auth-0001",
    """
    CREATE TABLE {schema}.tokens (
        token_id text PRIMARY KEY, name text NOT NULL, principal text NOT NULL, prefix text NOT NULL,
        created_at timestamptz NOT NULL, expires_at timestamptz, revoked_at timestamptz, created_by text NOT NULL
    );
    CREATE INDEX tokens_principal ON {schema}.tokens (principal);
    CREATE TABLE {schema}.token_hashes (token_id text PRIMARY KEY, token_hash bytea NOT NULL UNIQUE);
    CREATE TABLE {schema}.permissions (
        resource_kind int NOT NULL, resource_id text NOT NULL, principal text NOT NULL, role int NOT NULL,
        PRIMARY KEY (resource_kind, resource_id, principal)
    );
    CREATE INDEX permissions_principal ON {schema}.permissions (principal);
    CREATE TABLE {schema}.directory_positions (
        instance text PRIMARY KEY, position bigint NOT NULL, seen_at timestamptz NOT NULL
    );
    """,
)]


class AuthProjector:
    """Keeps the tokens and permissions tables in step with auth events."""

    def __init__(self, schema: str = SCHEMA) -> None:
        self.s = schema
        self.tables: Sequence[str] = [f"{schema}.tokens", f"{schema}.permissions"]

    async def apply(self, conn: AsyncConnection, e: Envelope) -> None:
        p = e.payload
        assert e.time is not None, "auth events are never time-free: their rows keep the event's time"
        if e.type == events.TOKEN_CREATED:
            expires = p.expires_at.ToDatetime(tzinfo=e.time.tzinfo) if p.HasField("expires_at") else None
            await conn.execute(f"INSERT INTO {self.s}.tokens VALUES (%s, %s, %s, %s, %s, %s, NULL, %s)",
                               (p.token_id, p.name, p.principal, p.prefix, e.time, expires, e.actor))
        elif e.type == events.TOKEN_REVOKED:
            await conn.execute(f"UPDATE {self.s}.tokens SET revoked_at = %s WHERE token_id = %s", (e.time, p.token_id))
        elif e.type == events.PERMISSION_GRANTED:
            q = p.permission
            await conn.execute(
                f"INSERT INTO {self.s}.permissions VALUES (%s, %s, %s, %s) ON CONFLICT "
                "(resource_kind, resource_id, principal) DO UPDATE SET role = excluded.role",
                (q.resource_kind, q.resource_id, q.principal, q.role))
        elif e.type == events.PERMISSION_REVOKED:
            await conn.execute(
                f"DELETE FROM {self.s}.permissions WHERE resource_kind = %s AND resource_id = %s AND principal = %s",
                (p.resource_kind, p.resource_id, p.principal))

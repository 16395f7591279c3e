"""Tokens and roles in memory, kept in step with the auth log, so authentication costs no query.

The directory LISTENs on the auth log's channel (the event store NOTIFYs it at every commit)
and applies each new event: a revoked token leaves the map when the revocation commits, in
every service at the same moment. While its listening connection is down the directory is not
*fresh* and every lookup goes to the database, so it never answers from a stale copy.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from dataclasses import dataclass

import psycopg

from mlledger.services.auth import events
from mlledger.services.auth.propagation import Propagation
from mlledger.services.core.logging import get_logger
from mlledger.services.eventstore.model import envelope_of
from mlledger.services.eventstore.postgres import PostgresEventStore
from mlledger.v1 import auth_pb2 as pb

log = get_logger("auth")

_TOKEN_COLUMNS = "t.token_id, t.principal, t.expires_at, h.token_hash"
_TOKEN_JOIN = "{s}.tokens t JOIN {s}.token_hashes h USING (token_id)"


@dataclass(frozen=True)
class TokenEntry:
    """What a valid token stands for."""

    token_id: str
    principal: str
    expires_at: dt.datetime | None

    def expired(self, now: dt.datetime) -> bool:
        return self.expires_at is not None and self.expires_at <= now


class Directory:
    """Valid tokens by hash and roles by resource, mirrored from the auth schema."""

    def __init__(self, store: PostgresEventStore, database_url: str) -> None:
        self.store = store
        self.database_url = database_url
        self.fresh = False
        self._tokens: dict[bytes, TokenEntry] = {}
        self._hash_of: dict[str, bytes] = {}
        self._roles: dict[tuple[int, str], dict[str, int]] = {}
        self._position = 0
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()
        self.propagation = Propagation(store.pool, store.schema)

    @property
    def _s(self) -> str:
        return self.store.schema

    async def start(self, timeout: float = 10.0) -> None:
        """Start listening; returns once the first load is done (or `timeout` passed: then lookups query)."""
        self._task = asyncio.create_task(self._listen(), name="auth-directory")
        self.propagation.start_heartbeat()
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._ready.wait(), timeout)

    async def stop(self) -> None:
        await self.propagation.stop()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task

    async def _listen(self) -> None:
        delay = 0.2
        while True:
            try:
                conn = await psycopg.AsyncConnection.connect(self.database_url, autocommit=True)
                async with conn:
                    await conn.execute(f"LISTEN {self.store.channel}")
                    # Loaded after LISTEN: a change committed in between is both loaded and notified.
                    await self._reload()
                    self.fresh, delay = True, 0.2
                    self._ready.set()
                    async for _ in conn.notifies():
                        await self.catch_up()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - reconnect; lookups query the database meanwhile
                log.warning("auth directory disconnected, querying the database until it is back",
                            error=str(exc) or type(exc).__name__, retry_in=delay)
            finally:
                self.fresh = False
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)

    async def _reload(self) -> None:
        async with self._lock, self.store.pool.connection() as conn:
            async with conn.transaction():
                await conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                cursor = await conn.execute(f"SELECT coalesce(max(position), 0) FROM {self._s}.events")
                position = (await cursor.fetchone())[0]  # type: ignore[index]
                cursor = await conn.execute(
                    f"SELECT {_TOKEN_COLUMNS} FROM {_TOKEN_JOIN.format(s=self._s)} WHERE t.revoked_at IS NULL")
                token_rows = await cursor.fetchall()
                cursor = await conn.execute(
                    f"SELECT resource_kind, resource_id, principal, role FROM {self._s}.permissions")
                role_rows = await cursor.fetchall()
            self._tokens, self._hash_of, self._roles = {}, {}, {}
            for token_id, principal, expires_at, token_hash in token_rows:
                self._add_token(bytes(token_hash), TokenEntry(token_id, principal, expires_at))
            for kind, resource_id, principal, role in role_rows:
                self._roles.setdefault((kind, resource_id), {})[principal] = role
            self._position = position
        await self.propagation.record(position)

    def _add_token(self, token_hash: bytes, entry: TokenEntry) -> None:
        self._tokens[token_hash] = entry
        self._hash_of[entry.token_id] = token_hash

    async def catch_up(self) -> int:
        """Apply every auth event committed since the last one applied; returns the position reached."""
        async with self._lock:
            start = self._position
            while True:
                batch = await self.store.read_all(after_position=self._position, limit=1000)
                for event in batch:
                    await self._apply(event.type, envelope_of(event).payload)
                    self._position = event.position
                if len(batch) < 1000:
                    break
            position = self._position
        if self._task is not None and (position != start or self.propagation.position < position):
            await self.propagation.record(position)
        return position

    async def publish_change(self) -> None:
        """After an auth change committed here: apply it, and return once every live service has too."""
        if self._task is None:
            return  # authentication is off here: nothing is checked against the directory
        position = await self.catch_up()
        await self.propagation.wait_everywhere(position)

    async def _apply(self, event_type: str, payload: object) -> None:
        if event_type == events.TOKEN_CREATED:
            entry = await self._query_token_by_id(payload.token_id)  # type: ignore[attr-defined]
            if entry is not None:
                self._add_token(*entry)
        elif event_type == events.TOKEN_REVOKED:
            token_hash = self._hash_of.pop(payload.token_id, None)  # type: ignore[attr-defined]
            if token_hash is not None:
                self._tokens.pop(token_hash, None)
        elif event_type == events.PERMISSION_GRANTED:
            p = payload.permission  # type: ignore[attr-defined]
            self._roles.setdefault((p.resource_kind, p.resource_id), {})[p.principal] = p.role
        elif event_type == events.PERMISSION_REVOKED:
            held = self._roles.get((payload.resource_kind, payload.resource_id), {})  # type: ignore[attr-defined]
            held.pop(payload.principal, None)  # type: ignore[attr-defined]

    async def _query_token_by_id(self, token_id: str) -> tuple[bytes, TokenEntry] | None:
        async with self.store.pool.connection() as conn:
            cursor = await conn.execute(f"SELECT {_TOKEN_COLUMNS} FROM {_TOKEN_JOIN.format(s=self._s)} "
                                        "WHERE t.token_id = %s AND t.revoked_at IS NULL", (token_id,))
            row = await cursor.fetchone()
        return None if row is None else (bytes(row[3]), TokenEntry(row[0], row[1], row[2]))

    async def token(self, token_hash: bytes) -> TokenEntry | None:
        """The valid (unrevoked) token with this hash, or None."""
        if self.fresh:
            found = self._tokens.get(token_hash)
            if found is not None:
                return found
        # A miss may be a token created a moment ago in another service: asked of the database,
        # never cached here (only the log's events fill the map, so a revocation cannot be overtaken).
        async with self.store.pool.connection() as conn:
            cursor = await conn.execute(f"SELECT {_TOKEN_COLUMNS} FROM {_TOKEN_JOIN.format(s=self._s)} "
                                        "WHERE h.token_hash = %s AND t.revoked_at IS NULL", (token_hash,))
            row = await cursor.fetchone()
        return None if row is None else TokenEntry(row[0], row[1], row[2])

    async def role(self, principal: str, kind: int, resource_id: str) -> int:
        """The role `principal` holds on the resource (ROLE_UNSPECIFIED for none)."""
        if self.fresh:
            return self._roles.get((kind, resource_id), {}).get(principal, pb.ROLE_UNSPECIFIED)
        async with self.store.pool.connection() as conn:
            cursor = await conn.execute(
                f"SELECT role FROM {self._s}.permissions WHERE resource_kind = %s AND resource_id = %s "
                "AND principal = %s", (kind, resource_id, principal))
            row = await cursor.fetchone()
        return pb.ROLE_UNSPECIFIED if row is None else int(row[0])

"""gRPC handlers of mlledger.v1.AuthService: tokens and roles (every service serves them)."""

from __future__ import annotations

import datetime as dt
from typing import Any, TypeAlias, cast

import grpc
from google.protobuf.timestamp_pb2 import Timestamp

from mlledger import errors
from mlledger.services.auth import events, tokens
from mlledger.services.auth.access import AccessControl, caller
from mlledger.services.auth.directory import Directory
from mlledger.services.auth.grants import Grants
from mlledger.services.auth.settings import AuthSettings
from mlledger.services.eventstore.model import NewEvent
from mlledger.services.eventstore.postgres import PostgresEventStore, Transaction
from mlledger.v1 import auth_pb2 as pb
from mlledger.v1 import auth_pb2_grpc

Context: TypeAlias = grpc.aio.ServicerContext
_TOKEN_COLUMNS = "token_id, name, principal, prefix, created_at, expires_at, revoked_at, created_by"
MAX_EXPIRY_DAYS = 3650


def _timestamp(value: dt.datetime | None) -> Timestamp | None:
    if value is None:
        return None
    stamp = Timestamp()
    stamp.FromDatetime(value)
    return stamp


def _token(row: tuple[Any, ...]) -> pb.Token:
    token_id, name, principal, prefix, created_at, expires_at, revoked_at, created_by = row
    return pb.Token(id=token_id, name=name, principal=principal, prefix=prefix, created_at=_timestamp(created_at),
                    expires_at=_timestamp(expires_at), revoked_at=_timestamp(revoked_at), created_by=created_by)


def _check_resource(kind: int, resource_id: str) -> None:
    if kind not in (pb.EXPERIMENT, pb.REGISTERED_MODEL, pb.SYSTEM):
        raise errors.InvalidArgument("resource_kind", "must be EXPERIMENT, REGISTERED_MODEL or SYSTEM")
    if kind == pb.SYSTEM and resource_id:
        raise errors.InvalidArgument("resource_id", "must be empty for SYSTEM (the whole deployment)")
    if kind != pb.SYSTEM and not resource_id:
        raise errors.InvalidArgument("resource_id", "is required: the experiment id or the registered model's name")


class AuthApi(auth_pb2_grpc.AuthServiceServicer):
    """Tokens (one's own; an administrator's for anyone) and roles (MANAGE on the resource, or admin)."""

    def __init__(self, settings: AuthSettings, store: PostgresEventStore, directory: Directory,
                 access: AccessControl, grants: Grants) -> None:
        self.settings = settings
        self.store = store
        self.directory = directory
        self.access = access
        self.grants = grants

    async def WhoAmI(self, request: pb.WhoAmIRequest, context: Context) -> pb.WhoAmIResponse:
        me = caller()
        return pb.WhoAmIResponse(principal=me.name, is_admin=me.is_admin, auth_enabled=self.settings.enabled,
                                 method=me.method)

    async def CreateToken(self, request: pb.CreateTokenRequest, context: Context) -> pb.CreateTokenResponse:
        me = caller()
        if not 1 <= len(request.name) <= 256:
            raise errors.InvalidArgument("name", "must be 1 to 256 characters")
        if not 0 <= request.expires_in_days <= MAX_EXPIRY_DAYS:
            raise errors.InvalidArgument("expires_in_days", f"must be between 0 (never) and {MAX_EXPIRY_DAYS}")
        principal = request.principal.strip() or me.name
        if principal != me.name:
            await self.access.require_admin(me, f"create a token for {principal!r}")
        secret, token_id = tokens.new_secret(), tokens.new_token_id()
        created = pb.TokenCreated(token_id=token_id, name=request.name, principal=principal,
                                  prefix=tokens.shown(secret))
        if request.expires_in_days:
            created.expires_at.FromDatetime(dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=request.expires_in_days))

        async def create(tx: Transaction) -> pb.CreateTokenResponse:
            await tx.append(NewEvent(events.token_stream(token_id), events.TOKEN_CREATED, created), expected_version=0)
            await tx.conn.execute(f"INSERT INTO {self.store.schema}.token_hashes VALUES (%s, %s)",
                                  (token_id, tokens.digest(secret)))
            return pb.CreateTokenResponse()

        # No idempotency key: the stored answer would keep the secret, which is shown only once.
        await self.store.write(create, pb.CreateTokenResponse, request_id="")
        await self.directory.publish_change()
        return pb.CreateTokenResponse(token=await self._get(token_id), secret=secret)

    async def _get(self, token_id: str) -> pb.Token:
        async with self.store.pool.connection() as conn:
            cursor = await conn.execute(f"SELECT {_TOKEN_COLUMNS} FROM {self.store.schema}.tokens WHERE token_id = %s",
                                        (token_id,))
            row = await cursor.fetchone()
        if row is None:
            raise errors.NotFound("token", token_id, f"token {token_id!r} not found")
        return _token(row)

    async def ListTokens(self, request: pb.ListTokensRequest, context: Context) -> pb.ListTokensResponse:
        me = caller()
        principal = request.principal.strip()
        if principal and principal != me.name:
            await self.access.require_admin(me, f"list the tokens of {principal!r}")
        elif not principal and not me.is_admin:
            principal = me.name
        conditions, params = [], []
        if principal:
            conditions.append("principal = %s")
            params.append(principal)
        if not request.include_revoked:
            conditions.append("revoked_at IS NULL")
        where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
        async with self.store.pool.connection() as conn:
            cursor = await conn.execute(f"SELECT {_TOKEN_COLUMNS} FROM {self.store.schema}.tokens {where} "
                                        "ORDER BY created_at DESC, token_id", params)
            rows = await cursor.fetchall()
        return pb.ListTokensResponse(tokens=[_token(row) for row in rows])

    async def RevokeToken(self, request: pb.RevokeTokenRequest, context: Context) -> pb.RevokeTokenResponse:
        if not request.token_id:
            raise errors.InvalidArgument("token_id", "is required (see mlledger tokens list)")
        me = caller()
        token = await self._get(request.token_id)
        if token.principal != me.name:
            await self.access.require_admin(me, f"revoke a token of {token.principal!r}")
        if not token.HasField("revoked_at"):
            revoked = pb.TokenRevoked(token_id=token.id, principal=token.principal)

            async def revoke(tx: Transaction) -> pb.RevokeTokenResponse:
                await tx.append(NewEvent(events.token_stream(token.id), events.TOKEN_REVOKED, revoked),
                                expected_version=1)
                return pb.RevokeTokenResponse()

            try:
                await self.store.write(revoke, pb.RevokeTokenResponse, request_id="")
            except errors.ConcurrencyConflict:
                pass  # revoked concurrently: the outcome is the same
            await self.directory.publish_change()
        return pb.RevokeTokenResponse(token=await self._get(request.token_id))

    async def _require_manage(self, kind: int, resource_id: str) -> None:
        me = caller()
        if kind == pb.SYSTEM:
            await self.access.require_admin(me, "change who is an administrator")
        else:
            await self.access.require(me, kind, resource_id, pb.MANAGE, " to change its roles")

    async def GrantPermission(self, request: pb.GrantPermissionRequest,
                              context: Context) -> pb.GrantPermissionResponse:
        permission = request.permission
        _check_resource(permission.resource_kind, permission.resource_id)
        if not permission.principal.strip():
            raise errors.InvalidArgument("permission.principal", "is required")
        if permission.role not in (pb.READ, pb.EDIT, pb.MANAGE):
            raise errors.InvalidArgument("permission.role", "must be READ, EDIT or MANAGE")
        if permission.resource_kind == pb.SYSTEM and permission.role != pb.MANAGE:
            raise errors.InvalidArgument("permission.role", "must be MANAGE on SYSTEM (the administrator role)")
        await self._require_manage(permission.resource_kind, permission.resource_id)
        await self.grants.grant(permission)
        return pb.GrantPermissionResponse(permission=permission)

    async def RevokePermission(self, request: pb.RevokePermissionRequest,
                               context: Context) -> pb.RevokePermissionResponse:
        _check_resource(request.resource_kind, request.resource_id)
        if not request.principal.strip():
            raise errors.InvalidArgument("principal", "is required")
        await self._require_manage(request.resource_kind, request.resource_id)
        await self.grants.revoke(request.resource_kind, request.resource_id, request.principal)
        return pb.RevokePermissionResponse()

    async def ListPermissions(self, request: pb.ListPermissionsRequest,
                              context: Context) -> pb.ListPermissionsResponse:
        conditions, params = [], []
        for column, value in (("resource_kind", request.resource_kind), ("resource_id", request.resource_id),
                              ("principal", request.principal)):
            if value:
                conditions.append(f"{column} = %s")
                params.append(value)
        where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
        async with self.store.pool.connection() as conn:
            cursor = await conn.execute(f"SELECT resource_kind, resource_id, principal, role FROM "
                                        f"{self.store.schema}.permissions {where} "
                                        "ORDER BY resource_kind, resource_id, principal", params)
            rows = await cursor.fetchall()
        return pb.ListPermissionsResponse(
            permissions=[pb.Permission(resource_kind=k, resource_id=r, principal=p, role=role)
                         for k, r, p, role in rows],
            default_role=cast(pb.Role, self.settings.default_role))

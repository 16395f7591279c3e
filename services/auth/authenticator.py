"""Who a call comes from: its bearer credential checked against configured tokens, API tokens and JWTs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from mlledger import errors
from mlledger.services.auth.directory import Directory
from mlledger.services.auth.jwt_verifier import JwtVerifier
from mlledger.services.auth.principal import (AUTHORIZATION_HEADER, ON_BEHALF_OF_ADMIN_HEADER, ON_BEHALF_OF_HEADER,
                                              Principal, bearer_of)
from mlledger.services.auth.settings import AuthSettings
from mlledger.services.auth.tokens import digest, is_api_token
from mlledger.v1 import auth_pb2 as pb

MISSING = ("this deployment requires authentication: send 'authorization: Bearer <token>' with an API token "
           "(mlledger tokens create) or a JWT from the configured issuer")


class Authenticator:
    """Turns call metadata into a Principal, or raises Unauthenticated / PermissionDenied."""

    def __init__(self, settings: AuthSettings, directory: Directory, jwt: JwtVerifier | None) -> None:
        self.settings = settings
        self.directory = directory
        self.jwt = jwt
        # Keyed by hash: configured secrets are never compared character by character.
        self._configured: dict[bytes, Principal] = {}
        if settings.admin_token:
            self._configured[digest(settings.admin_token)] = Principal(settings.admin_principal, "configured",
                                                                       is_admin=True)
        if settings.service_token:
            self._configured[digest(settings.service_token)] = Principal(
                settings.service_principal, "configured", is_admin=True, is_service=True)

    async def authenticate(self, metadata: Mapping[str, str]) -> Principal:
        """The principal the call is made as (the one a service acts for, when a service forwards it)."""
        credential = bearer_of(metadata.get(AUTHORIZATION_HEADER, ""))
        if not credential:
            raise errors.Unauthenticated(MISSING)
        principal = await self._principal(credential)
        acting_for = metadata.get(ON_BEHALF_OF_HEADER, "").strip()
        if not acting_for or acting_for == principal.name:
            return principal
        if not principal.is_service:
            raise errors.PermissionDenied(f"only a service credential may set {ON_BEHALF_OF_HEADER}; "
                                          f"{principal.name} is not a service")
        # The service authenticated the caller: its verdict on administrator rights is kept.
        is_admin = metadata.get(ON_BEHALF_OF_ADMIN_HEADER, "") == "true"
        return Principal(acting_for, "delegated", is_admin=is_admin, via=principal.name)

    async def _principal(self, credential: str) -> Principal:
        token_hash = digest(credential)
        configured = self._configured.get(token_hash)
        if configured is not None:
            return configured
        if is_api_token(credential):
            entry = await self.directory.token(token_hash)
            if entry is None or entry.expired(dt.datetime.now(dt.timezone.utc)):
                raise errors.Unauthenticated("the API token is unknown, revoked or expired")
            return Principal(entry.principal, "token", is_admin=await self.is_admin(entry.principal))
        if self.jwt is not None and credential.count(".") == 2:
            name = await self.jwt.principal(credential)
            return Principal(name, "jwt", is_admin=await self.is_admin(name, from_issuer=True))
        raise errors.Unauthenticated("the bearer credential is neither an mlledger API token nor a JWT of the "
                                     "configured issuer")

    async def is_admin(self, name: str, *, from_issuer: bool = False) -> bool:
        """Whether `name` is an administrator: by configuration or by MANAGE on SYSTEM.

        The configured administrator's name counts for its tokens, not for an issuer's JWT that
        happens to carry it as subject (list such users in MLLEDGER_AUTH_ADMINS)."""
        if name in self.settings.admins or (name == self.settings.admin_principal and not from_issuer):
            return True
        return await self.directory.role(name, pb.SYSTEM, "") == pb.MANAGE

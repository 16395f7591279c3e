"""The identity step of every call: authenticate, make the principal the call's actor, check its role.

The server interceptor calls `admit` before a handler runs and `after` once it succeeded (a
creator gets MANAGE on what it created; searches keep only what the caller may read). With
authentication off no guard is installed and calls run as before: the actor is whatever the
caller named, and everyone is an administrator.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from typing import Any

from mlledger.chunk_wire import Chunk
from mlledger.services.auth import policy
from mlledger.services.auth.access import AccessControl, current_principal
from mlledger.services.auth.authenticator import Authenticator
from mlledger.services.auth.grants import Grants
from mlledger.services.auth.principal import Principal
from mlledger.services.auth.visibility import visible
from mlledger.services.core import context as request_context


class CallGuard:
    """Authenticates and authorizes calls for one service process."""

    def __init__(self, authenticator: Authenticator, access: AccessControl, grants: Grants,
                 resolvers: policy.Resolvers) -> None:
        self.authenticator = authenticator
        self.access = access
        self.grants = grants
        self.resolvers = resolvers

    async def admit(self, method: str, metadata: Any, request: Any) -> Any:
        """Authenticate the call and check its rule; returns the request to hand to the handler
        (a client stream wrapped so that each message is checked)."""
        if policy.is_open(method):
            return request
        values = {key: value for key, value in (metadata or ()) if isinstance(value, str)}
        principal = await self.authenticator.authenticate(values)
        current_principal.set(principal)
        # The actor is the principal: an x-mlledger-actor header the caller sent is ignored.
        request_context.activate(dataclasses.replace(request_context.current(), actor=principal.name,
                                                     is_admin=principal.is_admin))
        if hasattr(request, "__aiter__"):
            if method not in policy.CHECKED_PER_MESSAGE:
                await self.authorize(method, None, principal)
                return request
            return self._checked_stream(method, request, principal)
        await self.authorize(method, request, principal)
        return request

    async def authorize(self, method: str, request: Any, principal: Principal) -> None:
        """Refuse (recorded as access.denied) unless the principal may make this call."""
        if method in policy.SERVICE_ONLY:
            if not (principal.via or principal.is_admin):
                await self.access.require_admin(principal, f"call {method} (services call it for their callers)")
            return
        if method in policy.ADMIN_ONLY:
            await self.access.require_admin(principal, f"call {method}")
            return
        rule = policy.RULES.get(method)
        if rule is None:
            if not policy.authenticated_only(method):
                await self.access.require_admin(principal, f"call {method}")
            return
        for need in await rule(request, self.resolvers, self.access.settings):
            await self.access.require(principal, need.kind, need.resource_id, need.role, need.why)

    async def _checked_stream(self, method: str, requests: AsyncIterator[Any],
                              principal: Principal) -> AsyncIterator[Any]:
        seen: set[str] = set()
        async for message in requests:
            key = _resource_key(method, message)
            if key is not None and key not in seen:
                await self.authorize(method, message, principal)
                seen.add(key)
            yield message

    async def after(self, method: str, request: Any, response: Any) -> Any:
        """The response as the caller may see it, once what the call implies for roles is recorded
        (the creator's MANAGE, a renamed model's roles)."""
        principal = current_principal.get()
        if principal is None:
            return response
        await self.grants.after_call(method, request, response, principal)
        return await visible(method, response, principal, self.access)


def _resource_key(method: str, message: Any) -> str | None:
    """What a message of a checked stream is about (None: nothing to check in this message)."""
    if method.endswith("/UploadArtifact"):
        if isinstance(message, Chunk):  # content (see mlledger.chunk_wire): only the header names a location
            return None
        return message.header.artifact_uri if message.HasField("header") else None
    return str(message.run_id)

"""Roles on resources: what a principal holds, the check, and the access.denied event a refusal records."""

from __future__ import annotations

import contextvars
from typing import cast

from google.protobuf import empty_pb2

from mlledger import errors
from mlledger.services.auth import events
from mlledger.services.auth.directory import Directory
from mlledger.services.auth.principal import Principal
from mlledger.services.auth.settings import AuthSettings
from mlledger.services.core import context as request_context
from mlledger.services.core.logging import get_logger
from mlledger.services.eventstore.model import NewEvent
from mlledger.services.eventstore.postgres import PostgresEventStore, Transaction
from mlledger.v1 import auth_pb2 as pb

log = get_logger("auth")

KIND_LABELS: dict[int, str] = {pb.EXPERIMENT: "experiment", pb.REGISTERED_MODEL: "registered model", pb.SYSTEM: "the deployment"}

#: The principal of the call being served (None while authentication is off).
current_principal: contextvars.ContextVar[Principal | None] = contextvars.ContextVar("mlledger_principal",
                                                                                      default=None)


def role_name(role: int) -> str:
    return pb.Role.Name(role) if role else "no role"


def caller() -> Principal:
    """The authenticated caller; with authentication off, the named actor as an administrator."""
    principal = current_principal.get()
    if principal is not None:
        return principal
    return Principal(request_context.current().actor, "", is_admin=True)


class AccessControl:
    """Decides whether a principal holds a role on a resource, and records refusals."""

    def __init__(self, settings: AuthSettings, directory: Directory, store: PostgresEventStore) -> None:
        self.settings = settings
        self.directory = directory
        self.store = store

    async def role(self, principal: Principal, kind: int, resource_id: str) -> int:
        """The effective role: MANAGE for an administrator, else the one held, else the default."""
        if principal.is_admin:
            return pb.MANAGE
        held = await self.directory.role(principal.name, kind, resource_id)
        return held or self.settings.default_role

    async def require(self, principal: Principal, kind: int, resource_id: str, needed: int, why: str = "") -> None:
        """Return if `principal` holds `needed` (or more) on the resource; else record and refuse."""
        held = await self.role(principal, kind, resource_id)
        if held >= needed:
            return
        message = (f"{role_name(needed)} on {KIND_LABELS.get(kind, 'resource')} {resource_id!r} is needed{why}; "
                   f"{principal.name} has {role_name(held)}")
        await self.deny(principal, message, needed=needed, held=held, kind=kind, resource_id=resource_id)

    async def require_admin(self, principal: Principal, what: str) -> None:
        """Return if `principal` is an administrator; else record and refuse."""
        if principal.is_admin:
            return
        await self.deny(principal, f"an administrator is needed to {what}; {principal.name} is not one",
                        needed=pb.MANAGE, held=pb.ROLE_UNSPECIFIED, kind=pb.SYSTEM, resource_id="")

    async def deny(self, principal: Principal, message: str, *, needed: int, held: int, kind: int,
                   resource_id: str) -> None:
        """Record an access.denied event and raise PermissionDenied with `message`."""
        denied = pb.AccessDenied(principal=principal.name, method=request_context.current().method,
                                 needed=cast(pb.Role, needed), held=cast(pb.Role, held),
                                 resource_kind=cast(pb.ResourceKind, kind if kind != pb.SYSTEM else 0),
                                 resource_id=resource_id, reason=message)

        async def record(tx: Transaction) -> empty_pb2.Empty:
            await tx.append(NewEvent(events.access_stream(principal.name), events.ACCESS_DENIED, denied))
            return empty_pb2.Empty()

        try:
            # No idempotency key: the call's own key must stay free for the call itself.
            await self.store.write(record, empty_pb2.Empty, request_id="")
        except Exception as exc:  # noqa: BLE001 - the refusal stands even if its record fails
            log.warning("could not record an access.denied event", error=str(exc), principal=principal.name)
        raise errors.PermissionDenied(message, reason="PERMISSION_DENIED")

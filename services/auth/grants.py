"""Recording roles: grants and revocations as events, and what creating or renaming a resource implies."""

from __future__ import annotations

from typing import Any, cast

from google.protobuf import empty_pb2

from mlledger.services.auth import events
from mlledger.services.auth.directory import Directory
from mlledger.services.auth.principal import Principal
from mlledger.services.core.logging import get_logger
from mlledger.services.eventstore.model import NewEvent
from mlledger.services.eventstore.postgres import PostgresEventStore, Transaction
from mlledger.v1 import auth_pb2 as pb

log = get_logger("auth")

CREATE_EXPERIMENT = "/mlledger.v1.TrackingService/CreateExperiment"
CREATE_MODEL = "/mlledger.v1.RegistryService/CreateRegisteredModel"
RENAME_MODEL = "/mlledger.v1.RegistryService/RenameRegisteredModel"


class Grants:
    """Writes permission events to the auth log and applies them to this process's directory at once."""

    def __init__(self, store: PostgresEventStore, directory: Directory) -> None:
        self.store = store
        self.directory = directory

    async def grant(self, permission: pb.Permission, *, on_creation: bool = False) -> None:
        """Give `permission.principal` the role on the resource (replacing any role it had there)."""
        event = NewEvent(events.permission_stream(permission.resource_kind, permission.resource_id),
                         events.PERMISSION_GRANTED, pb.PermissionGranted(permission=permission, on_creation=on_creation))
        await self._write([event])

    async def revoke(self, kind: int, resource_id: str, principal: str) -> None:
        """Remove a principal's role on the resource."""
        event = NewEvent(events.permission_stream(kind, resource_id), events.PERMISSION_REVOKED,
                         pb.PermissionRevoked(resource_kind=cast(pb.ResourceKind, kind), resource_id=resource_id,
                                              principal=principal))
        await self._write([event])

    async def _write(self, batch: list[NewEvent]) -> None:
        async def append(tx: Transaction) -> empty_pb2.Empty:
            await tx.append(batch)
            return empty_pb2.Empty()

        # No idempotency key: the call's key belongs to the call that implied these events.
        await self.store.write(append, empty_pb2.Empty, request_id="")
        await self.directory.publish_change()

    async def after_call(self, method: str, request: Any, response: Any, principal: Principal) -> None:
        """The creator of an experiment or a model gets MANAGE on it; a renamed model keeps its roles."""
        try:
            if method == CREATE_EXPERIMENT:
                await self.grant(pb.Permission(resource_kind=pb.EXPERIMENT, resource_id=response.experiment_id,
                                               principal=principal.name, role=pb.MANAGE), on_creation=True)
            elif method == CREATE_MODEL:
                await self.grant(pb.Permission(resource_kind=pb.REGISTERED_MODEL, resource_id=request.name,
                                               principal=principal.name, role=pb.MANAGE), on_creation=True)
            elif method == RENAME_MODEL:
                await self._move(request.name, request.new_name)
        except Exception as exc:  # noqa: BLE001 - the call succeeded; an administrator can grant by hand
            log.error("could not record the roles a call implies", method=method, error=str(exc))

    async def _move(self, old: str, new: str) -> None:
        async with self.store.pool.connection() as conn:
            cursor = await conn.execute(
                f"SELECT principal, role FROM {self.store.schema}.permissions WHERE resource_kind = %s "
                "AND resource_id = %s", (pb.REGISTERED_MODEL, old))
            held = await cursor.fetchall()
        batch = []
        for principal, role in held:
            batch.append(NewEvent(events.permission_stream(pb.REGISTERED_MODEL, new), events.PERMISSION_GRANTED,
                                  pb.PermissionGranted(permission=pb.Permission(
                                      resource_kind=pb.REGISTERED_MODEL, resource_id=new, principal=principal,
                                      role=role))))
            batch.append(NewEvent(events.permission_stream(pb.REGISTERED_MODEL, old), events.PERMISSION_REVOKED,
                                  pb.PermissionRevoked(resource_kind=pb.REGISTERED_MODEL, resource_id=old,
                                                       principal=principal)))
        if batch:
            await self._write(batch)

"""Purging a model version: its rows and snapshot deleted, its events redacted, the purge logged.

The snapshot's files go first (the artifact service redacts its own log), then one transaction
locks the model, redacts the version's stream, and appends model_version.purged, whose projection
deletes the version's row, tags and the aliases pointing at it. The number is never reused: the
model's last_version is left as it is.
"""

from __future__ import annotations

import uuid

from psycopg import AsyncConnection

from mlledger import errors
from mlledger.services.core.admin import require_admin
from mlledger.services.core.peer_purge import purge_artifacts
from mlledger.services.core.server import ServiceRuntime
from mlledger.services.eventstore.model import Envelope, NewEvent
from mlledger.services.eventstore.redaction import PurgeHandler, redact
from mlledger.services.eventstore.postgres import PostgresEventStore, Transaction
from mlledger.services.registry import events as ev
from mlledger.services.registry import clients, queries, validation
from mlledger.v1 import registry_pb2 as pb

VERSION_PURGED = "model_version.purged"
PAYLOADS = {VERSION_PURGED: pb.ModelVersionPurged}


def purge_handlers(schema: str) -> dict[str, PurgeHandler]:
    """The projection of model_version.purged: the version's row, tags and aliases go."""
    async def version_purged(conn: AsyncConnection, event: Envelope) -> None:
        key = (event.payload.model_id, event.payload.version)
        for table in ("model_versions", "model_version_tags", "model_aliases"):
            await conn.execute(f"DELETE FROM {schema}.{table} WHERE model_id = %s AND version = %s", key)

    return {VERSION_PURGED: version_purged}


class RegistryPurge:
    """PurgeModelVersion (administrators only)."""

    def __init__(self, store: PostgresEventStore, runtime: ServiceRuntime) -> None:
        self.store = store
        self.runtime = runtime
        self.schema = store.schema

    async def purge_version(self, request: pb.PurgeModelVersionRequest) -> pb.PurgeModelVersionResponse:
        require_admin("PurgeModelVersion")
        name = validation.model_name(request.name)
        validation.version_number(request.version)
        async with self.store.pool.connection() as conn:
            model = await queries.load_model(conn, self.schema, name, numbers=[request.version])
        version = model.versions.get(request.version)
        if version is None:
            raise errors.NotFound("model version", f"{name}/{request.version}")
        location = version.storage_location or clients.destination(model.model_id, request.version)
        files = await purge_artifacts(self.runtime.channel, location)

        async def write(tx: Transaction) -> pb.PurgeModelVersionResponse:
            locked = await queries.load_model_by_id(tx.conn, self.schema, model.model_id, lock=True,
                                                    numbers=[request.version])
            if request.version not in locked.versions:
                raise errors.NotFound("model version", f"{name}/{request.version}")
            stream = ev.version_stream(model.model_id, request.version)
            event_id = uuid.uuid4()
            redacted = await redact(tx.conn, self.schema, event_id, streams=[stream])
            payload = pb.ModelVersionPurged(model_id=model.model_id, name=locked.name, version=request.version,
                                            redacted_events=redacted)
            await tx.append(NewEvent(stream, VERSION_PURGED, payload, id=event_id))
            return pb.PurgeModelVersionResponse(redacted_events=redacted)

        response = await self.store.write(write, pb.PurgeModelVersionResponse)
        response.artifact_files = files + await purge_artifacts(self.runtime.channel, location)
        return response

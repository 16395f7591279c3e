"""PurgeArtifacts: every file at and below a location deleted for ever, its events redacted, the purge logged.

Holds the location's lock exclusively (as a delete does): uploads to the location wait, the
transaction sees every file committed before, and storage is deleted only after the event is
committed. Nothing recorded and nothing redacted means no event, so purging twice is harmless.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from psycopg import AsyncConnection

from mlledger import errors
from mlledger.services.artifacts import events
from mlledger.services.artifacts.backends.base import in_thread
from mlledger.services.artifacts.locations import Location, Roots
from mlledger.services.core import peer_purge
from mlledger.services.core.admin import require_admin
from mlledger.services.eventstore.model import Envelope, NewEvent
from mlledger.services.eventstore.redaction import PurgeHandler, redact
from mlledger.services.eventstore.postgres import PostgresEventStore, Transaction
from mlledger.v1 import artifacts_pb2

ARTIFACT_PURGED = "artifact.purged"
#: The PreconditionFailure type of a purge of a location outside the artifact service's roots.
OUTSIDE_ROOTS = peer_purge.OUTSIDE_ROOTS
PAYLOADS = {ARTIFACT_PURGED: artifacts_pb2.ArtifactPurged}
_UNDER = "(location = %s OR starts_with(location, %s || '/'))"


def purge_handlers(schema: str) -> dict[str, PurgeHandler]:
    """The projection of artifact.purged: the rows of every file at and below the location go."""
    async def artifact_purged(conn: AsyncConnection, event: Envelope) -> None:
        uri = event.payload.artifact_uri
        await conn.execute(f"DELETE FROM {schema}.files WHERE {_UNDER}", (uri, uri))

    return {ARTIFACT_PURGED: artifact_purged}


class ArtifactPurge:
    """The artifact service's purge (administrators only; the tracking and registry services call it)."""

    def __init__(self, store: PostgresEventStore, roots: Roots, location_lock: Callable[[Location], int]) -> None:
        self.store = store
        self.roots = roots
        self.location_lock = location_lock

    async def purge(self, request: artifacts_pb2.PurgeArtifactsRequest) -> artifacts_pb2.PurgeArtifactsResponse:
        require_admin("PurgeArtifacts")
        try:
            location = self.roots.resolve("artifact_uri", request.artifact_uri)
        except errors.PermissionDenied as exc:
            # Not a question of rights: this service does not manage that storage, so it cannot purge it.
            raise errors.FailedPrecondition(str(exc), subject=request.artifact_uri, type=OUTSIDE_ROOTS) from None
        if not location.key:
            raise errors.InvalidArgument("artifact_uri", "refusing to purge the whole artifact root")
        uri, schema = location.uri, self.store.schema

        async def record(tx: Transaction) -> artifacts_pb2.PurgeArtifactsResponse:
            row = await (await tx.conn.execute(f"SELECT count(*) FROM {schema}.files WHERE {_UNDER}",
                                               (uri, uri))).fetchone()
            count = int(row[0]) if row else 0
            event_id = uuid.uuid4()
            stream = events.stream(uri)
            redacted = await redact(tx.conn, schema, event_id, streams=[stream], stream_prefixes=[stream + "/"])
            if count or redacted:
                payload = artifacts_pb2.ArtifactPurged(artifact_uri=uri, file_count=count, redacted_events=redacted)
                await tx.append(NewEvent(stream, ARTIFACT_PURGED, payload, id=event_id))
            return artifacts_pb2.PurgeArtifactsResponse(file_count=count, redacted_events=redacted)

        async with self.store.pool.connection() as guard:
            lock = self.location_lock(location)
            await guard.execute("SELECT pg_advisory_lock(%s)", (lock,))
            try:
                # No idempotency key: a repeated purge finds nothing and answers zeros, which is the truth.
                response = await self.store.write(record, artifacts_pb2.PurgeArtifactsResponse, request_id="")
                await in_thread(location.backend.delete, location.key)
            finally:
                await guard.execute("SELECT pg_advisory_unlock(%s)", (lock,))
        return response

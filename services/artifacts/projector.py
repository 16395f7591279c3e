"""The artifact read model, one row per stored file, kept by the events of each location (tables in schema.py)."""

from __future__ import annotations

from collections.abc import Sequence

from psycopg import AsyncConnection

from mlledger.services.artifacts import events
from mlledger.services.eventstore.model import Envelope
from mlledger.v1 import artifacts_pb2


_UPSERT = """INSERT INTO {schema}.files (location, path, size, sha256, stored_at) VALUES (%s, %s, %s, %s, %s)
             ON CONFLICT (location, path) DO UPDATE
             SET size = excluded.size, sha256 = excluded.sha256, stored_at = excluded.stored_at"""


class ArtifactProjector:
    """Applies artifact events to the files table."""

    def __init__(self, schema: str) -> None:
        self.schema = schema
        self.tables: Sequence[str] = (f"{schema}.files",)

    async def apply(self, conn: AsyncConnection, event: Envelope) -> None:
        payload = event.payload
        if event.type == events.STORED:
            assert isinstance(payload, artifacts_pb2.ArtifactStored)
            await self._upsert(conn, payload.artifact_uri, [payload.file], event)
        elif event.type == events.SNAPSHOTTED:
            assert isinstance(payload, artifacts_pb2.ArtifactSnapshotted)
            await self._upsert(conn, payload.destination_uri, list(payload.files), event)
        elif event.type == events.DELETED:
            assert isinstance(payload, artifacts_pb2.ArtifactDeleted)
            await conn.execute(
                f"DELETE FROM {self.schema}.files WHERE location = %s "
                "AND (%s = '' OR path = %s OR left(path, length(%s) + 1) = %s || '/')",
                (payload.artifact_uri, payload.path, payload.path, payload.path, payload.path),
            )

    async def _upsert(self, conn: AsyncConnection, location: str, files: list[artifacts_pb2.ArtifactFile],
                      event: Envelope) -> None:
        async with conn.cursor() as cursor:
            await cursor.executemany(
                _UPSERT.format(schema=self.schema),  # type: ignore[arg-type]
                [(location, f.path, f.size, f.sha256, event.time) for f in files],
            )

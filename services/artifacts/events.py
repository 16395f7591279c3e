"""Event types of the artifact service and how they are built.

Each artifact location is one stream, "artifact/<canonical location URI>"; events are published
on NATS as `<prefix>.artifacts.artifact.stored|deleted|snapshotted`.
"""

from __future__ import annotations

from collections.abc import Iterable

from mlledger.services.eventstore.model import NewEvent
from mlledger.v1 import artifacts_pb2

STORED = "artifact.stored"
DELETED = "artifact.deleted"
SNAPSHOTTED = "artifact.snapshotted"


def stream(location_uri: str) -> str:
    """The stream of one artifact location."""
    return f"artifact/{location_uri}"


def stored(location_uri: str, file: artifacts_pb2.ArtifactFile) -> NewEvent:
    return NewEvent(stream(location_uri), STORED, artifacts_pb2.ArtifactStored(artifact_uri=location_uri, file=file))


def deleted(location_uri: str, path: str, file_count: int, total_bytes: int) -> NewEvent:
    payload = artifacts_pb2.ArtifactDeleted(artifact_uri=location_uri, path=path, file_count=file_count,
                                            total_bytes=total_bytes)
    return NewEvent(stream(location_uri), DELETED, payload)


def snapshotted(source_uri: str, source_path: str, destination_uri: str,
                files: Iterable[artifacts_pb2.ArtifactFile]) -> NewEvent:
    payload = artifacts_pb2.ArtifactSnapshotted(source_uri=source_uri, source_path=source_path,
                                                destination_uri=destination_uri, files=list(files))
    return NewEvent(stream(destination_uri), SNAPSHOTTED, payload)


#: Every event type and its payload message.
PAYLOADS = {
    STORED: artifacts_pb2.ArtifactStored,
    DELETED: artifacts_pb2.ArtifactDeleted,
    SNAPSHOTTED: artifacts_pb2.ArtifactSnapshotted,
}

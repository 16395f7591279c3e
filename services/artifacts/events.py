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


#: Files' encoded bytes per artifact.snapshotted event; a larger snapshot is recorded as several
#: events in one transaction, so every event fits a NATS message.
MAX_SNAPSHOT_EVENT_BYTES = 512 * 1024


def snapshotted(source_uri: str, source_path: str, destination_uri: str,
                files: Iterable[artifacts_pb2.ArtifactFile]) -> list[NewEvent]:
    """One event per share of the files (usually a single one), in path order as given."""
    groups: list[list[artifacts_pb2.ArtifactFile]] = [[]]
    size = 0
    for file in files:
        file_size = file.ByteSize() + 8
        if groups[-1] and size + file_size > MAX_SNAPSHOT_EVENT_BYTES:
            groups.append([])
            size = 0
        groups[-1].append(file)
        size += file_size
    return [NewEvent(stream(destination_uri), SNAPSHOTTED, artifacts_pb2.ArtifactSnapshotted(
        source_uri=source_uri, source_path=source_path, destination_uri=destination_uri, files=group))
        for group in groups]


#: Every event type and its payload message.
PAYLOADS = {
    STORED: artifacts_pb2.ArtifactStored,
    DELETED: artifacts_pb2.ArtifactDeleted,
    SNAPSHOTTED: artifacts_pb2.ArtifactSnapshotted,
}

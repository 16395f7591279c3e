"""Every stored, deleted or snapshotted artifact is an event in the log, published on NATS."""

from __future__ import annotations

from mlledger.v1 import artifacts_pb2

from .helpers import new_location, wait_for_events


def _for(found, type_: str, location: str):  # type: ignore[no-untyped-def]
    return [event for subject, event in found if event.type == type_ and event.stream == f"artifact/{location}"]


def test_store_delete_and_snapshot_are_published(local_stack):
    """artifact.stored, artifact.deleted and artifact.snapshotted arrive on their subjects with typed payloads."""
    client, uri, destination = local_stack.client, new_location(), new_location()
    client.upload_artifact_bytes(uri, "m/a.txt", b"abc")
    client.snapshot_artifacts(uri, destination, "m")
    client.delete_artifacts_uri(uri, "m")

    def complete(found) -> bool:  # type: ignore[no-untyped-def]
        return bool(_for(found, "artifact.deleted", uri)) and bool(_for(found, "artifact.snapshotted", destination))

    found = wait_for_events(local_stack.stack, complete)
    subjects = {subject for subject, event in found if event.stream.startswith(f"artifact/{uri}")}
    prefix = local_stack.stack.subject_prefix
    assert subjects == {f"{prefix}.artifacts.artifact.stored", f"{prefix}.artifacts.artifact.deleted"}
    stored = artifacts_pb2.ArtifactStored()
    assert _for(found, "artifact.stored", uri)[0].payload.Unpack(stored)
    assert (stored.artifact_uri, stored.file.path, stored.file.size) == (uri, "m/a.txt", 3)
    snapshot = artifacts_pb2.ArtifactSnapshotted()
    assert _for(found, "artifact.snapshotted", destination)[0].payload.Unpack(snapshot)
    assert (snapshot.source_uri, [f.path for f in snapshot.files]) == (uri, ["a.txt"])
    removed = artifacts_pb2.ArtifactDeleted()
    assert _for(found, "artifact.deleted", uri)[0].payload.Unpack(removed)
    assert (removed.path, removed.file_count, removed.total_bytes) == ("m", 1, 3)


def test_refused_upload_publishes_nothing(local_stack):
    """An upload refused for its digest appends no event."""
    from mlledger import errors

    from .helpers import messages, raw_call, stub

    uri = new_location()
    try:
        raw_call(stub(local_stack.stack).UploadArtifact, messages(uri, "x.bin", b"x", sha256="2" * 64))
    except errors.InvalidArgument:
        pass
    local_stack.client.upload_artifact_bytes(uri, "marker.txt", b"m")
    found = wait_for_events(local_stack.stack, lambda f: bool(_for(f, "artifact.stored", uri)))
    assert [e.payload.value for e in _for(found, "artifact.stored", uri)] and all(
        b"x.bin" not in e.payload.value for e in _for(found, "artifact.stored", uri))

"""The artifact read model is the log replayed; retries and restarts do not duplicate or lose files."""

from __future__ import annotations

import pytest

from mlledger import errors
from mlledger.services.artifacts.projector import ArtifactProjector
from mlledger.services.eventstore.database import open_pool
from mlledger.services.eventstore.postgres import PostgresEventStore
from mlledger.v1 import artifacts_pb2

from .helpers import messages, new_location, stub

_ROWS = "SELECT location, path, size, sha256 FROM artifacts.files ORDER BY location, path"


async def test_rebuilt_read_model_equals_the_live_one(local_stack):
    """Replaying the artifacts log into emptied tables reproduces every file row exactly."""
    client, uri = local_stack.client, new_location()
    for path in ("a.txt", "d/b.txt", "d/c.txt"):
        client.upload_artifact_bytes(uri, path, path.encode())
    client.delete_artifacts_uri(uri, "d/b.txt")
    client.snapshot_artifacts(uri, new_location(), "d")
    pool = await open_pool(local_stack.stack.database_url, min_size=1, max_size=2)
    try:
        async with pool.connection() as conn:
            live = await (await conn.execute(_ROWS)).fetchall()
        replayed = await PostgresEventStore(pool, "artifacts", ArtifactProjector("artifacts")).rebuild()
        async with pool.connection() as conn:
            rebuilt = await (await conn.execute(_ROWS)).fetchall()
    finally:
        await pool.close()
    assert replayed >= 5 and len(live) >= 3
    assert rebuilt == live


def test_a_retried_upload_is_applied_once(local_stack):
    """Two uploads carrying the same request id store the first content and answer the same."""
    uri = new_location()
    metadata = [("x-mlledger-request-id", f"retry-{uri[-12:]}")]
    first = stub(local_stack.stack).UploadArtifact(messages(uri, "f.txt", b"first"), metadata=metadata)
    second = stub(local_stack.stack).UploadArtifact(messages(uri, "f.txt", b"other"), metadata=metadata)
    assert first == second
    request = artifacts_pb2.DownloadArtifactRequest(artifact_uri=uri, path="f.txt")
    assert b"".join(m.chunk for m in stub(local_stack.stack).DownloadArtifact(request)) == b"first"


def test_client_works_across_a_service_restart(local_stack):
    """After the artifacts service restarts, the same Client uploads and lists again (reconnecting)."""
    client, uri = local_stack.client, new_location()
    client.upload_artifact_bytes(uri, "before.txt", b"1")
    local_stack.stack.restart("artifacts")
    client.upload_artifact_bytes(uri, "after.txt", b"2")
    assert [f.path for f in client.list_artifacts_uri(uri)] == ["after.txt", "before.txt"]


def test_unknown_run_is_not_found(local_stack):
    """Run-level calls on a run that does not exist fail with NOT_FOUND from tracking."""
    with pytest.raises(errors.NotFound):
        local_stack.client.list_artifacts("0" * 32)

"""Artifacts under racing clients and large snapshots: the live read model is what a replay builds."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg

import mlledger
from mlledger import errors
from mlledger.services.artifacts.projector import ArtifactProjector
from mlledger.services.eventstore import PostgresEventStore
from mlledger.services.eventstore.database import open_pool
from mlledger.testing import TestStack


def files_table(database_url: str) -> list[tuple[str, str, int, str]]:
    with psycopg.connect(database_url) as conn:
        return conn.execute("SELECT location, path, size, sha256 FROM artifacts.files ORDER BY 1, 2").fetchall()


async def rebuild_artifacts(database_url: str) -> None:
    pool = await open_pool(database_url, max_size=2)
    try:
        await PostgresEventStore(pool, "artifacts", ArtifactProjector("artifacts")).rebuild()
    finally:
        await pool.close()


def test_delete_racing_uploads_rebuilds_to_the_live_state(mlledger_stack: TestStack):
    """Uploads into d/ racing deletes of d: every file the live read model lists can be downloaded,
    and replaying the log gives the same read model."""
    clients = [mlledger.Client(mlledger_stack.tracking_uri, actor=f"uploader-{i}") for i in range(2)]
    try:
        uri = f"mlledger-artifacts:/scratch/{uuid.uuid4().hex}"
        for round_ in range(30):
            clients[0].upload_artifact_bytes(uri, f"d/old-{round_}", b"old")
            barrier = threading.Barrier(2)

            def upload(round_: int = round_) -> None:
                barrier.wait()
                clients[0].upload_artifact_bytes(uri, f"d/new-{round_}", b"new" * 1000)

            def delete(round_: int = round_) -> None:
                barrier.wait()
                time.sleep((round_ % 10) * 0.002)  # sweep the delete across the upload's commit
                try:
                    clients[1].delete_artifacts_uri(uri, "d")
                except errors.NotFound:
                    pass
            with ThreadPoolExecutor(2) as pool:
                for done in [pool.submit(upload), pool.submit(delete)]:
                    done.result()
        live = [row for row in files_table(mlledger_stack.database_url) if row[0] == uri]
        target = Path(clients[0].download_artifact_uri(uri))  # fails if a listed file has no bytes
        assert sorted(str(f.relative_to(target)) for f in target.rglob("*") if f.is_file()) == \
            sorted(path for _, path, _, _ in live)
        asyncio.run(rebuild_artifacts(mlledger_stack.database_url))
        assert [row for row in files_table(mlledger_stack.database_url) if row[0] == uri] == live
    finally:
        for c in clients:
            c.close()


def test_snapshot_too_large_for_one_event_is_recorded_in_several(mlledger_stack: TestStack, tmp_path: Path):
    """A model directory of 1,000 files with 1,000-character paths registers READY; its snapshot is
    recorded as several events and every copied file is in the read model."""
    directory = tmp_path / ("a" * 250) / ("b" * 250) / ("c" * 250)
    prefix = "/".join(directory.relative_to(tmp_path).parts)
    with mlledger.Client(mlledger_stack.tracking_uri, actor="snapshotter") as client:
        source = f"mlledger-artifacts:/scratch/{uuid.uuid4().hex}"
        with ThreadPoolExecutor(6) as pool:
            list(pool.map(lambda i: client.upload_artifact_bytes(source, f"{prefix}/{i:04d}{'f' * 240}", b"x"),
                          range(1000)))
        name = f"big-{uuid.uuid4().hex[:8]}"
        client.create_registered_model(name)
        version = client.create_model_version(name, source)
        assert version.status == "READY", version.status_message
    with psycopg.connect(mlledger_stack.database_url) as conn:
        events = conn.execute("SELECT count(*), max(octet_length(payload)) FROM artifacts.events "
                              "WHERE type = 'artifact.snapshotted' AND stream = %s",
                              (f"artifact/{version.storage_location}",)).fetchone()
        copied = conn.execute("SELECT count(*) FROM artifacts.files WHERE location = %s",
                              (version.storage_location,)).fetchone()[0]
    assert events[0] >= 2 and events[1] < 1_000_000
    assert copied == 1000


def test_upload_whose_commit_fails_leaves_no_visible_file(mlledger_stack: TestStack):
    """An upload whose file went into place but whose transaction then failed (its deadline passed
    while the commit was blocked) leaves no artifact: download says NOT_FOUND, listings omit it."""
    from mlledger.v1 import artifacts_pb2, artifacts_pb2_grpc

    uri = f"mlledger-artifacts:/scratch/{uuid.uuid4().hex}"
    header = artifacts_pb2.UploadHeader(artifact_uri=uri, path="lost.bin")
    stream = [artifacts_pb2.UploadArtifactRequest(header=header), artifacts_pb2.UploadArtifactRequest(chunk=b"x" * 100)]
    with psycopg.connect(mlledger_stack.database_url) as blocker, \
            mlledger.Client(mlledger_stack.tracking_uri) as client:
        import grpc

        channel = grpc.insecure_channel(mlledger_stack.endpoints["artifacts"])
        stub = artifacts_pb2_grpc.ArtifactServiceStub(channel)
        # The idempotency key's row is written at commit, after the file is in place: an
        # uncommitted row with the same key makes that insert wait there until the deadline.
        key = uuid.uuid4().hex
        blocker.execute("INSERT INTO artifacts.requests (request_id, response_type, response) VALUES (%s, '', '')",
                        (key,))
        try:
            stub.UploadArtifact(iter(stream), timeout=2, metadata=(("x-mlledger-request-id", key),))
            raise AssertionError("the upload should not have committed")
        except grpc.RpcError as exc:
            assert exc.code() == grpc.StatusCode.DEADLINE_EXCEEDED
            # The server abandons the call at its deadline: wait until its insert stops waiting.
            with psycopg.connect(mlledger_stack.database_url, autocommit=True) as observer:
                for _ in range(300):
                    if not observer.execute("SELECT count(*) FROM pg_locks WHERE NOT granted").fetchone()[0]:
                        break
                    time.sleep(0.1)
        finally:
            blocker.rollback()
            channel.close()
        request = artifacts_pb2.DownloadArtifactRequest(artifact_uri=uri, path="lost.bin")
        with grpc.insecure_channel(mlledger_stack.endpoints["artifacts"]) as again:
            try:
                list(artifacts_pb2_grpc.ArtifactServiceStub(again).DownloadArtifact(request, timeout=10))
                raise AssertionError("a file without a record was served")
            except grpc.RpcError as exc:
                assert exc.code() == grpc.StatusCode.NOT_FOUND
        assert client.list_artifacts_uri(uri) == []

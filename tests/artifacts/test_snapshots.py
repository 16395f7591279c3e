"""Snapshots: shared bytes inside the managed root, limits that defer a large copy, content returned."""

from __future__ import annotations

import os
import uuid

import pytest

from mlledger import errors
from mlledger.v1 import artifacts_pb2

from .helpers import download, new_location, raw_call, stub


def _snapshot(stack, source: str, destination: str, path: str = "", **fields):  # type: ignore[no-untyped-def]
    request = artifacts_pb2.SnapshotArtifactsRequest(source_uri=source, source_path=path,
                                                     destination_uri=destination, **fields)
    return raw_call(stub(stack).SnapshotArtifacts, request, timeout=60)


def _on_disk(local_stack, uri: str, path: str) -> os.stat_result:  # type: ignore[no-untyped-def]
    return os.stat(local_stack.root / uri.removeprefix("mlledger-artifacts:/") / path)


def test_a_snapshot_in_the_managed_root_shares_the_bytes_and_outlives_overwrites(local_stack):
    """Inside the managed root a snapshot's file is the source's own bytes (a hard link), and an
    upload over the source path afterwards leaves the snapshot's content as it was."""
    source, destination, client = new_location(), new_location(), local_stack.client
    client.upload_artifact_bytes(source, "m/weights.bin", b"first")
    _snapshot(local_stack.stack, source, destination, "m")
    assert _on_disk(local_stack, destination, "weights.bin").st_ino == _on_disk(local_stack, source, "m/weights.bin").st_ino
    client.upload_artifact_bytes(source, "m/weights.bin", b"second")
    assert download(local_stack.stack, destination, "weights.bin")[0] == b"first"
    assert download(local_stack.stack, source, "m/weights.bin")[0] == b"second"


def test_a_snapshot_from_another_root_copies_the_bytes(local_stack):
    """Files in an extra allowed root may change in place (others write there): a snapshot of them is a copy."""
    source = f"file://{local_stack.allowed_root}/{uuid.uuid4().hex}"
    destination = new_location()
    local_stack.client.upload_artifact_bytes(source, "weights.bin", b"outside")
    _snapshot(local_stack.stack, source, destination)
    copied = _on_disk(local_stack, destination, "weights.bin")
    original = os.stat(local_stack.allowed_root / source.rsplit("/", 1)[-1] / "weights.bin")
    assert copied.st_ino != original.st_ino and copied.st_nlink == 1
    assert download(local_stack.stack, destination, "weights.bin")[0] == b"outside"


def test_a_snapshot_over_its_file_limit_is_deferred_and_copies_nothing(any_stack):
    """Above defer_above_files the answer is `deferred` with the snapshot's size, and nothing is copied
    or recorded; the same snapshot without the limit is then taken."""
    source, destination, client = new_location(), new_location(), any_stack.client
    client.upload_artifact_bytes(source, "a.bin", b"a" * 10)
    client.upload_artifact_bytes(source, "b.bin", b"b" * 20)
    reply = _snapshot(any_stack.stack, source, destination, defer_above_files=1)
    assert (reply.deferred, reply.file_count, reply.total_bytes) == (True, 2, 30)
    assert client.list_artifacts_uri(destination) == []
    with pytest.raises(errors.NotFound):
        download(any_stack.stack, destination, "a.bin")
    reply = _snapshot(any_stack.stack, source, destination)
    assert (reply.deferred, reply.file_count) == (False, 2)
    assert download(any_stack.stack, destination, "b.bin")[0] == b"b" * 20


def test_the_byte_limit_counts_only_bytes_that_move(any_stack):
    """defer_above_bytes defers a copy that moves bytes (S3), not one that links them (the managed local root)."""
    source, destination = new_location(), new_location()
    any_stack.client.upload_artifact_bytes(source, "weights.bin", os.urandom(4096))
    reply = _snapshot(any_stack.stack, source, destination, defer_above_bytes=1024)
    assert reply.deferred == (any_stack.backend == "s3")


def test_a_snapshot_returns_the_content_asked_for(any_stack):
    """content_path's bytes come back with the snapshot (also when it already existed), unless the file
    is missing or larger than content_max_bytes."""
    source, destination, client = new_location(), new_location(), any_stack.client
    client.upload_artifact_bytes(source, "model/MLmodel", b"flavors: {}\n")
    client.upload_artifact_bytes(source, "model/weights.bin", b"w" * 100)
    reply = _snapshot(any_stack.stack, source, destination, "model", content_path="MLmodel", content_max_bytes=1024)
    assert reply.HasField("content") and reply.content == b"flavors: {}\n"
    again = _snapshot(any_stack.stack, source, destination, "model", content_path="MLmodel", content_max_bytes=1024)
    assert again.content == b"flavors: {}\n"
    small = _snapshot(any_stack.stack, source, destination, "model", content_path="weights.bin", content_max_bytes=99)
    assert not small.HasField("content")
    missing = _snapshot(any_stack.stack, source, destination, "model", content_path="nothing", content_max_bytes=99)
    assert not missing.HasField("content")

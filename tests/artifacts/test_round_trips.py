"""Upload, download, list, delete and snapshot against each backend (local disk and S3)."""

from __future__ import annotations

import os

import pytest

from mlledger import errors
from mlledger.v1 import artifacts_pb2

from .helpers import download, messages, new_location, raw_call, sha256, stub

MiB = 1 << 20


def test_round_trip_keeps_bytes_and_reports_digest(any_stack):
    """A file larger than one S3 part comes back byte for byte, and its size and SHA-256 are recorded."""
    uri, data = new_location(), os.urandom(9 * MiB + 123)
    info = any_stack.client.upload_artifact_bytes(uri, "model/weights.bin", data)
    assert (info.file_size, info.sha256) == (len(data), sha256(data))
    body, replies = download(any_stack.stack, uri, "model/weights.bin")
    assert body == data
    assert replies[0].file.sha256 == sha256(data) and replies[0].file.size == len(data)
    listed = any_stack.client.list_artifacts_uri(uri, "model")
    assert [(f.path, f.file_size, f.sha256) for f in listed] == [("model/weights.bin", len(data), sha256(data))]


def test_empty_file_round_trips(any_stack):
    """A zero-byte file is stored and downloads as zero bytes."""
    uri = new_location()
    any_stack.client.upload_artifact_bytes(uri, "empty.txt", b"")
    assert download(any_stack.stack, uri, "empty.txt")[0] == b""


def test_digest_mismatch_stores_nothing(any_stack):
    """An upload whose content does not match expected_sha256 is refused and leaves no file behind."""
    uri, data = new_location(), os.urandom(10 * MiB)
    with pytest.raises(errors.InvalidArgument) as caught:
        raw_call(stub(any_stack.stack).UploadArtifact, messages(uri, "bad.bin", data, sha256="0" * 64), timeout=60)
    assert caught.value.field == "expected_sha256"
    assert any_stack.client.list_artifacts_uri(uri, recursive=True) == []
    with pytest.raises(errors.NotFound):
        download(any_stack.stack, uri, "bad.bin")
    if any_stack.root is not None:
        assert not any(path.is_file() for path in any_stack.root.rglob("*")
                       if "bad.bin" in path.name or ".mlledger-tmp" in path.parts)
    else:
        names = [obj.object_name for obj in any_stack.s3.client().list_objects(any_stack.s3.bucket, recursive=True)]
        assert names and not [name for name in names if name.endswith("/bad.bin")]


def test_replacing_with_a_bad_digest_keeps_the_old_file(any_stack):
    """A refused upload over an existing file leaves the previous content in place."""
    uri = new_location()
    any_stack.client.upload_artifact_bytes(uri, "f.txt", b"first")
    with pytest.raises(errors.InvalidArgument):
        raw_call(stub(any_stack.stack).UploadArtifact, messages(uri, "f.txt", b"second", sha256="1" * 64))
    assert download(any_stack.stack, uri, "f.txt")[0] == b"first"


def test_size_mismatch_is_refused(any_stack):
    """An upload longer than expected_size fails naming expected_size, and stores nothing."""
    uri = new_location()
    with pytest.raises(errors.InvalidArgument) as caught:
        raw_call(stub(any_stack.stack).UploadArtifact, messages(uri, "f.bin", b"x" * 100, size=10))
    assert caught.value.field == "expected_size"
    assert any_stack.client.list_artifacts_uri(uri) == []


def test_download_from_offset_and_length(any_stack):
    """Offset and length select a byte range; the first message still describes the whole file."""
    uri, data = new_location(), os.urandom(3 * MiB)
    any_stack.client.upload_artifact_bytes(uri, "d.bin", data)
    body, replies = download(any_stack.stack, uri, "d.bin", offset=MiB + 7, length=MiB)
    assert body == data[MiB + 7:2 * MiB + 7]
    assert replies[0].offset == MiB + 7 and replies[0].file.size == len(data)
    assert download(any_stack.stack, uri, "d.bin", offset=len(data))[0] == b""
    with pytest.raises(errors.InvalidArgument) as caught:
        download(any_stack.stack, uri, "d.bin", offset=len(data) + 1)
    assert caught.value.field == "offset"


def test_sdk_download_resumes_a_partial_file(any_stack, tmp_path):
    """A destination holding the first part of the file is completed in place; a wrong partial file is replaced."""
    uri, data = new_location(), os.urandom(5 * MiB + 3)
    any_stack.client.upload_artifact_bytes(uri, "dir/big.bin", data)
    target = tmp_path / "dir" / "big.bin"
    target.parent.mkdir()
    target.write_bytes(data[:2 * MiB])
    inode = target.stat().st_ino
    assert any_stack.client.download_artifact_uri(uri, tmp_path, "dir/big.bin") == str(target)
    assert target.read_bytes() == data and target.stat().st_ino == inode
    target.write_bytes(b"garbage" * 1000)
    any_stack.client.download_artifact_uri(uri, tmp_path, "dir")
    assert target.read_bytes() == data


def test_missing_file_is_not_found(any_stack):
    """Downloading a path that was never stored answers NOT_FOUND."""
    with pytest.raises(errors.NotFound):
        download(any_stack.stack, new_location(), "nothing.txt")


def test_delete_a_file_then_a_tree(any_stack):
    """Deleting a file removes only it; deleting a directory removes everything below it."""
    uri, client = new_location(), any_stack.client
    for path in ("a/b/c.txt", "a/d.txt", "e.txt"):
        client.upload_artifact_bytes(uri, path, path.encode())
    assert client.delete_artifacts_uri(uri, "a/d.txt") == 1
    assert [f.path for f in client.list_artifacts_uri(uri, recursive=True)] == ["a/b/c.txt", "e.txt"]
    assert client.delete_artifacts_uri(uri, "a") == 1
    assert [f.path for f in client.list_artifacts_uri(uri)] == ["e.txt"]
    with pytest.raises(errors.NotFound):
        download(any_stack.stack, uri, "a/b/c.txt")
    with pytest.raises(errors.NotFound):
        client.delete_artifacts_uri(uri, "a")
    if any_stack.root is not None:
        assert not (any_stack.root / uri.split(":/", 1)[1] / "a").exists()


def test_snapshot_survives_deleting_the_source(any_stack):
    """A snapshot is a copy: deleting the run's files afterwards leaves the snapshot readable."""
    source, client = new_location(), any_stack.client
    client.upload_artifact_bytes(source, "model/MLmodel", b"flavors: {}")
    client.upload_artifact_bytes(source, "model/data/weights.bin", b"\x00" * 1000)
    client.upload_artifact_bytes(source, "other.txt", b"not copied")
    destination = f"{new_location()}/versions/1"
    uri, count, total = client.snapshot_artifacts(source, destination, "model")
    assert (uri, count, total) == (destination, 2, 1011)
    client.delete_artifacts_uri(source, "model")
    assert [f.path for f in client.list_artifacts_uri(destination, recursive=True)] == ["MLmodel", "data/weights.bin"]
    assert download(any_stack.stack, destination, "data/weights.bin")[0] == b"\x00" * 1000


def test_snapshot_is_idempotent_but_never_overwrites(any_stack):
    """Snapshotting the same content again succeeds; a different content at the destination is ALREADY_EXISTS."""
    source, client = new_location(), any_stack.client
    client.upload_artifact_bytes(source, "m/a.txt", b"a")
    destination = new_location()
    first = client.snapshot_artifacts(source, destination, "m")
    assert client.snapshot_artifacts(source, destination, "m") == first
    client.upload_artifact_bytes(source, "m/a.txt", b"changed")
    with pytest.raises(errors.AlreadyExists):
        client.snapshot_artifacts(source, destination, "m")
    assert download(any_stack.stack, destination, "a.txt")[0] == b"a"


def test_snapshot_of_nothing_is_not_found(any_stack):
    """Snapshotting a source path with no files answers NOT_FOUND and creates nothing."""
    destination = new_location()
    with pytest.raises(errors.NotFound):
        any_stack.client.snapshot_artifacts(new_location(), destination, "model")
    assert any_stack.client.list_artifacts_uri(destination) == []


def test_listing_pages_through_a_directory(any_stack):
    """Pages of a listing concatenate to the sorted children; directories come flagged without size."""
    uri, client = new_location(), any_stack.client
    names = [f"f{i:02d}.txt" for i in range(7)]
    for name in names:
        client.upload_artifact_bytes(uri, f"dir/{name}", name.encode())
    client.upload_artifact_bytes(uri, "dir/sub/x.txt", b"x")
    seen, token, pages = [], "", 0
    while True:
        request = artifacts_pb2.ListArtifactsRequest(artifact_uri=uri, path="dir", page_size=3, page_token=token)
        reply = raw_call(stub(any_stack.stack).ListArtifacts, request)
        seen += list(reply.files)
        pages, token = pages + 1, reply.next_page_token
        if not token or pages > 5:
            break
    assert pages == 3
    assert [f.path for f in seen] == [f"dir/{name}" for name in names] + ["dir/sub"]
    assert seen[-1].is_dir and seen[-1].size == 0 and not seen[-1].sha256
    assert all(f.sha256 == sha256(f.path.split("/")[-1].encode()) for f in seen[:-1])


def test_bad_page_token_and_size_are_named(any_stack):
    """A forged page token or an oversized page is refused naming the field."""
    request = artifacts_pb2.ListArtifactsRequest(artifact_uri=new_location(), page_token="!!not-a-token")
    with pytest.raises(errors.InvalidArgument) as caught:
        raw_call(stub(any_stack.stack).ListArtifacts, request)
    assert caught.value.field == "page_token"
    request = artifacts_pb2.ListArtifactsRequest(artifact_uri=new_location(), page_size=1_000_000)
    with pytest.raises(errors.InvalidArgument) as caught:
        raw_call(stub(any_stack.stack).ListArtifacts, request)
    assert caught.value.field == "page_size"

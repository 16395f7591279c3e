"""Uploads whose SHA-256 comes last (trailing_sha256): the SDK hashes a file while sending it."""

from __future__ import annotations

import hashlib
import os

import pytest

from mlledger import errors
from mlledger.v1 import artifacts_pb2

from .helpers import download, messages, new_location, raw_call, stub

MiB = 1 << 20


def trailed(uri: str, path: str, data: bytes, digest: str, **header: str):  # type: ignore[no-untyped-def]
    """An upload stream ending with `digest` as its trailing_sha256."""
    yield from messages(uri, path, data, **header)
    yield artifacts_pb2.UploadArtifactRequest(trailing_sha256=digest)


def test_sdk_file_upload_sends_its_digest_last(local_stack, tmp_path):
    """A file uploaded through the SDK (hashed while sent) round-trips with the server's digest."""
    data = os.urandom(3 * MiB + 17)
    source = tmp_path / "weights.bin"
    source.write_bytes(data)
    uri = new_location()
    info = local_stack.client.upload_artifact_uri(uri, source, "weights.bin")
    assert info.sha256 == hashlib.sha256(data).hexdigest() and info.file_size == len(data)
    assert download(local_stack.stack, uri, "weights.bin")[0] == data


def test_wrong_trailing_digest_stores_nothing(local_stack):
    """A trailing digest that does not match is INVALID_ARGUMENT naming trailing_sha256; no file appears."""
    uri = new_location()
    with pytest.raises(errors.InvalidArgument) as caught:
        raw_call(stub(local_stack.stack).UploadArtifact, trailed(uri, "bad.bin", os.urandom(MiB), "0" * 64),
                 timeout=60)
    assert caught.value.field == "trailing_sha256"
    assert local_stack.client.list_artifacts_uri(uri, recursive=True) == []


def test_trailing_digest_must_come_last_and_alone(local_stack):
    """Content after the trailing digest, or a digest in both header and trailer, is refused."""
    uri, data = new_location(), b"some bytes"
    digest = hashlib.sha256(data).hexdigest()

    def content_after_digest():  # type: ignore[no-untyped-def]
        yield from trailed(uri, "late.bin", data, digest)
        yield artifacts_pb2.UploadArtifactRequest(chunk=b"more")
    for stream in (content_after_digest(), trailed(uri, "both.bin", data, digest, sha256=digest)):
        with pytest.raises(errors.InvalidArgument) as caught:
            raw_call(stub(local_stack.stack).UploadArtifact, stream, timeout=60)
        assert caught.value.field == "trailing_sha256"
    assert local_stack.client.list_artifacts_uri(uri, recursive=True) == []

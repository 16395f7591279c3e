"""Hostile paths and locations are refused with INVALID_ARGUMENT (or PERMISSION_DENIED) and touch nothing."""

from __future__ import annotations

import os

import pytest

from mlledger import errors
from mlledger.services.artifacts import domain
from mlledger.v1 import artifacts_pb2

from .helpers import download, messages, new_location, raw_call, stub

HOSTILE_PATHS = [
    "../escape.txt", "a/../../escape.txt", "a/..", "..", "./a", "a/./b", "/etc/passwd", "//server/share",
    "a//b", "a\\..\\..\\b", "..\\escape", "C:\\Windows\\x", "C:/x", "a/\x00b", "nul\x00", "a/\nb", "\x7f",
    ".mlledger-tmp/x", "x" * 1100, "a/" + "y" * 300,
]
HOSTILE_URIS = [
    "mlledger-artifacts:/../x", "mlledger-artifacts:/a/../../b", "mlledger-artifacts:/a\\..\\b",
    "mlledger-artifacts:/a/\x00", "ftp://host/x", "", "relative/dir", "file://relative", "s3://UPPER/x",
]


@pytest.mark.parametrize("path", HOSTILE_PATHS)
def test_check_path_refuses(path):
    """The domain rule refuses each hostile path, naming the field."""
    with pytest.raises(errors.InvalidArgument) as caught:
        domain.check_path("path", path)
    assert caught.value.field == "path"


@pytest.mark.parametrize("path", ["a.txt", "dir/sub/file.bin", "..hidden", "a..b/c", "with space/ü.txt", "dir/"])
def test_check_path_accepts_ordinary_names(path):
    """Names that merely contain dots, spaces or non-ASCII characters are fine."""
    assert domain.check_path("path", path) == path.rstrip("/")


@pytest.mark.parametrize("path", HOSTILE_PATHS)
def test_upload_with_hostile_path_stores_nothing(local_stack, path):
    """An upload to a hostile path fails naming `path` and leaves the location empty."""
    uri = new_location()
    with pytest.raises(errors.InvalidArgument) as caught:
        raw_call(stub(local_stack.stack).UploadArtifact, messages(uri, path, b"owned"))
    assert caught.value.field in ("path", "header.path")  # NUL is refused at the edge, with the full path
    assert local_stack.client.list_artifacts_uri(uri, recursive=True) == []


@pytest.mark.parametrize("path", ["../x", "/etc/passwd", "a\\b", "a/\x00"])
def test_other_calls_refuse_hostile_paths(local_stack, path):
    """Download, list, delete and snapshot all refuse a hostile path, naming their field."""
    uri, service = new_location(), stub(local_stack.stack)
    with pytest.raises(errors.InvalidArgument, match="path"):
        download(local_stack.stack, uri, path)
    for call, request in [
        (service.ListArtifacts, artifacts_pb2.ListArtifactsRequest(artifact_uri=uri, path=path)),
        (service.DeleteArtifacts, artifacts_pb2.DeleteArtifactsRequest(artifact_uri=uri, path=path)),
    ]:
        with pytest.raises(errors.InvalidArgument) as caught:
            raw_call(call, request)
        assert caught.value.field == "path"
    request = artifacts_pb2.SnapshotArtifactsRequest(source_uri=uri, source_path=path, destination_uri=new_location())
    with pytest.raises(errors.InvalidArgument) as caught:
        raw_call(service.SnapshotArtifacts, request)
    assert caught.value.field == "source_path"


@pytest.mark.parametrize("uri", HOSTILE_URIS)
def test_hostile_locations_are_refused(local_stack, uri):
    """A malformed or escaping artifact_uri is refused naming artifact_uri."""
    with pytest.raises(errors.InvalidArgument) as caught:
        raw_call(stub(local_stack.stack).UploadArtifact, messages(uri, "f.txt", b"x"))
    assert caught.value.field in ("artifact_uri", "header.artifact_uri")  # NUL: refused at the edge


@pytest.mark.parametrize("uri", ["file:///etc", "file:///tmp", "s3://some-bucket/x"])
def test_locations_outside_the_allowed_roots_are_denied(local_stack, uri):
    """Absolute locations outside the configured and allowed roots get PERMISSION_DENIED naming the field."""
    with pytest.raises(errors.PermissionDenied, match="artifact_uri"):
        raw_call(stub(local_stack.stack).UploadArtifact, messages(uri, "f.txt", b"x"))


def test_allowed_root_round_trips(local_stack):
    """A file:// location under MLLEDGER_ARTIFACT_ALLOWED_ROOTS works and lands in that directory."""
    uri = f"file://{local_stack.allowed_root}/experiments/7"
    info = local_stack.client.upload_artifact_bytes(uri, "run/a.txt", b"allowed")
    assert info.file_size == 7
    assert (local_stack.allowed_root / "experiments/7/run/a.txt").read_bytes() == b"allowed"
    assert download(local_stack.stack, uri, "run/a.txt")[0] == b"allowed"


def test_file_uri_under_the_root_is_the_managed_location(local_stack):
    """A file:// URI inside the configured root names the same files as its mlledger-artifacts: form."""
    key = new_location().split(":/", 1)[1]
    local_stack.client.upload_artifact_bytes(f"mlledger-artifacts:/{key}", "x.txt", b"same")
    listed = raw_call(stub(local_stack.stack).ListArtifacts,
                      artifacts_pb2.ListArtifactsRequest(artifact_uri=f"file://{local_stack.root}/{key}"))
    assert listed.artifact_uri == f"mlledger-artifacts:/{key}"
    assert [f.path for f in listed.files] == ["x.txt"]


def test_symlinks_cannot_escape_the_root(local_stack, tmp_path):
    """A symlink planted inside the root that points outside is refused for writes and reads."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("secret")
    uri = new_location()
    location_dir = local_stack.root / uri.split(":/", 1)[1]
    location_dir.mkdir(parents=True)
    os.symlink(outside, location_dir / "link")
    with pytest.raises(errors.InvalidArgument) as caught:
        raw_call(stub(local_stack.stack).UploadArtifact, messages(uri, "link/planted.txt", b"owned"))
    assert caught.value.field == "path"
    assert sorted(p.name for p in outside.iterdir()) == ["secret.txt"]
    with pytest.raises(errors.InvalidArgument):
        download(local_stack.stack, uri, "link/secret.txt")
    with pytest.raises(errors.InvalidArgument):
        local_stack.client.delete_artifacts_uri(uri, "link")
    assert (outside / "secret.txt").read_text() == "secret"


def test_upload_without_header_is_refused(local_stack):
    """A stream that does not start with a header is refused naming `header`."""
    stream = iter([artifacts_pb2.UploadArtifactRequest(chunk=b"data")])
    with pytest.raises(errors.InvalidArgument) as caught:
        raw_call(stub(local_stack.stack).UploadArtifact, stream)
    assert caught.value.field == "header"


def test_a_file_cannot_become_a_directory(local_stack):
    """Storing below an existing file's path is refused, keeping the file."""
    uri = new_location()
    local_stack.client.upload_artifact_bytes(uri, "model", b"file")
    with pytest.raises(errors.FailedPrecondition):
        local_stack.client.upload_artifact_bytes(uri, "model/inner.txt", b"x")
    assert download(local_stack.stack, uri, "model")[0] == b"file"

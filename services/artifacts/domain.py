"""The artifact service's pure rules: which paths and locations are acceptable, paging, snapshots.

Nothing here does I/O. Every rejection is an InvalidArgument naming the request field, so a
hostile path never reaches a backend.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mlledger import errors
from mlledger.v1 import artifacts_pb2

#: The scheme of locations under the service's configured root.
MANAGED_SCHEME = "mlledger-artifacts:"
#: A directory of the local backend that holds uploads in progress; never addressable.
TEMP_DIR = ".mlledger-tmp"
MAX_PATH_CHARS = 1024
MAX_SEGMENT_BYTES = 255
DEFAULT_PAGE_SIZE = 1000
MAX_PAGE_SIZE = 10_000

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_DRIVE = re.compile(r"^[A-Za-z]:")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def check_path(field: str, path: str, *, allow_empty: bool = True) -> str:
    """`path` normalised (no trailing "/"), or InvalidArgument naming `field` if it could escape its location."""
    if _CONTROL.search(path):
        raise errors.InvalidArgument(field, "must not contain NUL or control characters")
    if "\\" in path:
        raise errors.InvalidArgument(field, "must use '/' as separator, not '\\'")
    if path.startswith("/") or _DRIVE.match(path):
        raise errors.InvalidArgument(field, f"must be relative, got {path!r}")
    if len(path) > MAX_PATH_CHARS:
        raise errors.InvalidArgument(field, f"is longer than {MAX_PATH_CHARS} characters")
    path = path.rstrip("/")
    if not path:
        if not allow_empty:
            raise errors.InvalidArgument(field, "must name a file")
        return ""
    segments = path.split("/")
    for segment in segments:
        if segment in ("", ".", ".."):
            raise errors.InvalidArgument(field, f"must not contain empty, '.' or '..' segments, got {path!r}")
        if len(segment.encode()) > MAX_SEGMENT_BYTES:
            raise errors.InvalidArgument(field, f"has a segment longer than {MAX_SEGMENT_BYTES} bytes")
    if segments[0] == TEMP_DIR:
        raise errors.InvalidArgument(field, f"{TEMP_DIR!r} is reserved")
    return path


def join(*parts: str) -> str:
    """Join already-checked relative paths with "/", skipping empty ones."""
    return "/".join(part for part in parts if part)


@dataclass(frozen=True)
class ParsedUri:
    """An artifact location URI taken apart: scheme ("managed", "file" or "s3"), bucket and key."""

    scheme: str
    key: str
    bucket: str = ""


def parse_uri(field: str, uri: str) -> ParsedUri:
    """Parse `mlledger-artifacts:/<key>`, `file:///<abs path>` or `s3://<bucket>/<key>`."""
    if not uri:
        raise errors.InvalidArgument(field, "must be an artifact location URI, e.g. mlledger-artifacts:/experiments/1")
    if _CONTROL.search(uri) or "\\" in uri:
        raise errors.InvalidArgument(field, "must not contain NUL, control characters or '\\'")
    if uri.startswith(MANAGED_SCHEME):
        return ParsedUri("managed", check_path(field, uri[len(MANAGED_SCHEME):].lstrip("/")))
    if uri.startswith("file://"):
        rest = uri[len("file://"):]
        if not rest.startswith("/"):
            raise errors.InvalidArgument(field, f"file URIs must be absolute (file:///...), got {uri!r}")
        return ParsedUri("file", check_path(field, rest.lstrip("/")))
    if uri.startswith("s3://"):
        bucket, _, key = uri[len("s3://"):].partition("/")
        if not re.match(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", bucket):
            raise errors.InvalidArgument(field, f"not a valid bucket name: {bucket!r}")
        return ParsedUri("s3", check_path(field, key), bucket)
    raise errors.InvalidArgument(field, f"unsupported scheme in {uri!r}: use {MANAGED_SCHEME}/, file:/// or s3://")


def is_under(key: str, prefix: str) -> bool:
    """Whether `key` is `prefix` itself or lies below it ("" contains everything)."""
    return not prefix or key == prefix or key.startswith(prefix + "/")


def relative(key: str, prefix: str) -> str:
    """`key` relative to `prefix` (which it is under)."""
    return key[len(prefix):].lstrip("/") if prefix else key


def check_sha256(field: str, digest: str) -> str:
    """A lowercase hex SHA-256 or empty."""
    digest = digest.strip().lower()
    if digest and not _SHA256.match(digest):
        raise errors.InvalidArgument(field, "must be 64 hexadecimal characters")
    return digest


def page_size(value: int) -> int:
    """The effective page size of a listing."""
    if value < 0 or value > MAX_PAGE_SIZE:
        raise errors.InvalidArgument("page_size", f"must be between 0 and {MAX_PAGE_SIZE}")
    return value or DEFAULT_PAGE_SIZE


def snapshot_is_identical(source: list[artifacts_pb2.ArtifactFile],
                          existing: list[artifacts_pb2.ArtifactFile]) -> bool:
    """Whether the destination already holds exactly the files (paths and digests) to be copied."""
    return {(f.path, f.sha256) for f in source} == {(f.path, f.sha256) for f in existing}


def snapshot_target(source_path: str, file_path: str) -> str:
    """Where a source file lands in the snapshot: relative to the copied directory, or its own name."""
    if file_path == source_path:
        return file_path.rsplit("/", 1)[-1]
    return relative(file_path, source_path)

"""Moving files over the artifact service's streams: chunked uploads, resumable downloads, progress.

Uploads read the file once to compute its SHA-256 (sent in the header so the server can refuse
a corrupted copy) and once to send it. Downloads append to a partial destination file from
its current size, so an interrupted download resumes where it stopped.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from mlledger import errors
from mlledger.v1 import artifacts_pb2

CHUNK_SIZE = 1024 * 1024
#: Transfers larger than this show a progress bar when stderr is a terminal.
PROGRESS_THRESHOLD = 16 * 1024 * 1024


@dataclass(frozen=True)
class FileInfo:
    """A file or directory in an artifact location (path relative to it)."""

    path: str
    is_dir: bool
    file_size: int | None
    sha256: str = ""

    @classmethod
    def of(cls, message: artifacts_pb2.ArtifactFile) -> FileInfo:
        return cls(message.path, message.is_dir, None if message.is_dir else message.size, message.sha256)


def file_hasher(path: Path, limit: int | None = None) -> Any:
    """A SHA-256 hasher fed with a file (its first `limit` bytes if given), read in chunks."""
    hasher = hashlib.sha256()
    with open(path, "rb") as handle:
        remaining = limit if limit is not None else -1
        while remaining:
            chunk = handle.read(CHUNK_SIZE if remaining < 0 else min(CHUNK_SIZE, remaining))
            if not chunk:
                break
            hasher.update(chunk)
            remaining = remaining - len(chunk) if remaining > 0 else remaining
    return hasher


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file, read in chunks."""
    return str(file_hasher(path).hexdigest())


@contextlib.contextmanager
def progress(description: str, total: int) -> Iterator[Callable[[int], None]]:
    """A callback advancing a rich progress bar on a terminal for large transfers, else a no-op."""
    if total <= PROGRESS_THRESHOLD or not sys.stderr.isatty():
        yield lambda _: None
        return
    from rich.progress import (BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn,
                               TransferSpeedColumn)

    columns = (TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TransferSpeedColumn(),
               TimeRemainingColumn())
    with Progress(*columns, transient=True) as bar:
        task = bar.add_task(description, total=total)
        yield lambda advance: bar.update(task, advance=advance)


def upload_messages(artifact_uri: str, path: str, source: Callable[[], BinaryIO], size: int, sha256: str,
                    advance: Callable[[int], None]) -> Iterator[artifacts_pb2.UploadArtifactRequest]:
    """The messages of one upload: the header, then the content in chunks.

    Without a known `sha256` the content is hashed as it is read and the digest sent last
    (trailing_sha256), so a file is read once, not once to hash it and again to send it.
    """
    header = artifacts_pb2.UploadHeader(artifact_uri=artifact_uri, path=path, expected_size=size,
                                        expected_sha256=sha256)
    yield artifacts_pb2.UploadArtifactRequest(header=header)
    hasher = None if sha256 else hashlib.sha256()
    with source() as handle:
        while chunk := handle.read(CHUNK_SIZE):
            advance(len(chunk))
            if hasher is not None:
                hasher.update(chunk)
            yield artifacts_pb2.UploadArtifactRequest(chunk=chunk)
    if hasher is not None:
        yield artifacts_pb2.UploadArtifactRequest(trailing_sha256=hasher.hexdigest())


def download_into(responses: Iterator[artifacts_pb2.DownloadArtifactResponse], target: Path, offset: int,
                  advance: Callable[[int], None]) -> tuple[artifacts_pb2.ArtifactFile, str]:
    """Write a download stream into `target` from `offset`, keeping the bytes before it.

    Returns the file's metadata and the SHA-256 of the whole target, hashed as it is written.
    """
    file = artifacts_pb2.ArtifactFile()
    hasher = file_hasher(target, offset) if offset else hashlib.sha256()
    with open(target, "r+b" if offset else "wb") as handle:
        handle.seek(offset)
        handle.truncate()
        for message in responses:
            if message.HasField("file"):
                file = message.file
            hasher.update(message.chunk)
            handle.write(message.chunk)
            advance(len(message.chunk))
    return file, hasher.hexdigest()


def partial_size(target: Path) -> int:
    """Bytes of an earlier, possibly interrupted download at `target` (0 when there is none)."""
    try:
        return target.stat().st_size if target.is_file() else 0
    except OSError:
        return 0


def check_download(target: Path, file: artifacts_pb2.ArtifactFile, sha256: str) -> None:
    """Raise if the downloaded file does not have the size and digest the server reported."""
    size = os.path.getsize(target)
    if size != file.size or (file.sha256 and sha256 != file.sha256):
        raise errors.InternalError(f"the download of {file.path!r} is corrupt (size {size}, expected {file.size})")

"""Moving files over the artifact service's streams: chunked uploads, resumable downloads, progress.

Uploads read a file once, hashing it as it is sent; the digest goes last (trailing_sha256) so
the server can refuse a corrupted copy. Downloads append to a partial destination file from
its current size, so an interrupted download resumes where it stopped. Content travels in
the chunk messages of `mlledger.chunk_wire`, which are encoded and decoded without copies;
`upload_call` and `download_call` are the two calls with those codecs.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import grpc

from mlledger import chunk_wire, errors
from mlledger.chunk_wire import Chunk
from mlledger.v1 import artifacts_pb2

CHUNK_SIZE = 1024 * 1024
#: Transfers larger than this show a progress bar when stderr is a terminal.
PROGRESS_THRESHOLD = 16 * 1024 * 1024
#: Hashes and writes downloaded chunks beside the receiving thread (one chunk per download at a time).
_STORING = ThreadPoolExecutor(max_workers=4, thread_name_prefix="mlledger-download")


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


_SERVICE = "/" + artifacts_pb2.DESCRIPTOR.services_by_name["ArtifactService"].full_name


def upload_call(channel: grpc.Channel) -> grpc.StreamUnaryMultiCallable:
    """UploadArtifact, sending `upload_messages` (Chunks encoded by mlledger.chunk_wire)."""
    return channel.stream_unary(f"{_SERVICE}/UploadArtifact", request_serializer=chunk_wire.encode_upload_request,
                                response_deserializer=artifacts_pb2.UploadArtifactResponse.FromString)


def download_call(channel: grpc.Channel) -> grpc.UnaryStreamMultiCallable:
    """DownloadArtifact, its chunk messages decoded by mlledger.chunk_wire (views of the received bytes)."""
    return channel.unary_stream(f"{_SERVICE}/DownloadArtifact",
                                request_serializer=artifacts_pb2.DownloadArtifactRequest.SerializeToString,
                                response_deserializer=chunk_wire.decode_download_response)


def upload_messages(artifact_uri: str, path: str, source: Callable[[], BinaryIO], size: int, sha256: str,
                    advance: Callable[[int], None]) -> Iterator[artifacts_pb2.UploadArtifactRequest | Chunk]:
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
            yield Chunk(chunk)
    if hasher is not None:
        yield artifacts_pb2.UploadArtifactRequest(trailing_sha256=hasher.hexdigest())


def download_into(responses: Iterator[artifacts_pb2.DownloadArtifactResponse | Chunk], target: Path, offset: int,
                  advance: Callable[[int], None]) -> tuple[artifacts_pb2.ArtifactFile, str]:
    """Write a download stream into `target` from `offset`, keeping the bytes before it.

    Returns the file's metadata and the SHA-256 of the whole target, hashed as it is written.
    Each chunk is hashed and written in a worker thread while the next one is received (both
    release the GIL), so at most two chunks are in memory.
    """
    file = artifacts_pb2.ArtifactFile()
    hasher = file_hasher(target, offset) if offset else hashlib.sha256()
    with open(target, "r+b" if offset else "wb") as handle:
        handle.seek(offset)
        handle.truncate()

        def store(chunk: bytes | memoryview) -> None:
            hasher.update(chunk)
            handle.write(chunk)

        stored: Future[None] | None = None
        try:
            for message in responses:
                if isinstance(message, Chunk):
                    chunk = message.data
                else:  # the first message, with the file's metadata
                    file = message.file if message.HasField("file") else file
                    chunk = message.chunk
                if stored is not None:
                    stored.result()
                stored = _STORING.submit(store, chunk)
                advance(len(chunk))
            if stored is not None:
                stored.result()
        finally:
            if stored is not None:
                wait([stored])  # a failed stream still keeps every chunk received, for a resume
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

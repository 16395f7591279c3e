"""SnapshotArtifacts: the files under a source path copied to a new destination and recorded there.

One transaction does it all: it locks the destination (exclusively) and the source (shared, like
an upload), reads both locations' files, copies, and appends the artifact.snapshotted events.
Under those locks no other snapshot can write into the destination while this one copies, and no
delete can take the source's files away mid-copy; the events are built before any file is copied,
so nothing is copied that could not be recorded. Copies inside the managed root are hard links
(backends/local.py), so a small model's snapshot costs no file writes at all.

A caller that must not wait for a large copy gives limits (`defer_above_bytes`/`_files`): a
snapshot above them copies nothing and answers `deferred`, for the caller to take later without them.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from mlledger import errors
from mlledger.services.artifacts import domain, events, queries
from mlledger.services.artifacts.backends.base import translated
from mlledger.services.artifacts.locations import Location, Roots
from mlledger.services.eventstore.postgres import PostgresEventStore, Transaction
from mlledger.v1 import artifacts_pb2

#: Files copied at once when the copies move bytes (S3 server-side copies, copies between roots).
PARALLEL_COPIES = 8
_COPIES = ThreadPoolExecutor(max_workers=PARALLEL_COPIES, thread_name_prefix="snapshot-copy")


@dataclass(frozen=True)
class _Copy:
    """One file of a snapshot: where it is in the source, and what it is in the destination."""

    source_path: str
    file: artifacts_pb2.ArtifactFile


class Snapshots:
    """The snapshot use case over one event store and its storage roots."""

    def __init__(self, store: PostgresEventStore, roots: Roots, location_lock: Callable[[Location], int]) -> None:
        self.store = store
        self.roots = roots
        self.location_lock = location_lock

    async def snapshot(self, request: artifacts_pb2.SnapshotArtifactsRequest) -> artifacts_pb2.SnapshotArtifactsResponse:
        """Copy everything under source to an empty destination (or succeed if it already holds the same)."""
        source = self.roots.resolve("source_uri", request.source_uri)
        source_path = domain.check_path("source_path", request.source_path)
        target = self.roots.resolve("destination_uri", request.destination_uri)
        if not target.key:
            raise errors.InvalidArgument("destination_uri", "must not be the artifact root itself")
        content_path = domain.check_path("content_path", request.content_path)

        async def record(tx: Transaction) -> artifacts_pb2.SnapshotArtifactsResponse:
            await self._lock(tx, source, target)
            found, existing = await queries.snapshot_files(tx.conn, self.store.schema, source.uri, source_path,
                                                           target.uri)
            if not found:
                raise errors.NotFound("artifact", f"{source.uri}/{source_path}".rstrip("/"))
            copies = [_Copy(f.path, artifacts_pb2.ArtifactFile(
                path=domain.snapshot_target(source_path, f.path), size=f.size, sha256=f.sha256)) for f in found]
            response = artifacts_pb2.SnapshotArtifactsResponse(
                artifact_uri=target.uri, file_count=len(copies), total_bytes=sum(f.size for f in found))
            if existing:
                if not domain.snapshot_is_identical([copy.file for copy in copies], existing):
                    raise errors.AlreadyExists("artifact location", target.uri,
                                               f"destination_uri: {target.uri} already holds different files")
            elif _over_limits(request, source, target, copies):
                response.deferred = True
                return response
            recorded = [] if existing else events.snapshotted(source.uri, source_path, target.uri,
                                                              [copy.file for copy in copies])
            wanted = _content_key(target, copies, content_path, request.content_max_bytes)
            content = await _in_thread(_copy_and_read, source, target, [] if existing else copies, wanted)
            if content is not None:
                response.content = content
            if recorded:
                await tx.append(recorded)
            return response

        return await self.store.write(record, artifacts_pb2.SnapshotArtifactsResponse)

    async def _lock(self, tx: Transaction, source: Location, target: Location) -> None:
        """The destination exclusively, the source shared (as uploads hold it), in key order (no deadlock)."""
        locks = {self.location_lock(source): "pg_advisory_xact_lock_shared"}
        locks[self.location_lock(target)] = "pg_advisory_xact_lock"  # the same location: exclusive wins
        for key in sorted(locks):
            await tx.conn.execute(f"SELECT {locks[key]}(%s)", (key,))


def _over_limits(request: artifacts_pb2.SnapshotArtifactsRequest, source: Location, target: Location,
                 copies: list[_Copy]) -> bool:
    """Whether the request's limits say not to copy now: too many files, or too many bytes to move."""
    if 0 < request.defer_above_files < len(copies):
        return True
    if request.defer_above_bytes <= 0 or source.backend.shares_bytes_with(target.backend):
        return False
    return sum(copy.file.size for copy in copies) > request.defer_above_bytes


def _content_key(target: Location, copies: list[_Copy], path: str, max_bytes: int) -> str | None:
    """The destination key of the file whose content the caller asked for, if it is in the snapshot and small enough."""
    if not path:
        return None
    sizes = {copy.file.path: copy.file.size for copy in copies}
    return target.key_of(path) if path in sizes and sizes[path] <= max_bytes else None


class _Cancelled(Exception):
    """The call was cancelled: copying stops between files."""


async def _in_thread(fn: Callable[[Location, Location, list[_Copy], str | None, threading.Event], bytes | None],
                     source: Location, target: Location, copies: list[_Copy], content_key: str | None) -> bytes | None:
    """Run the copies in a worker thread, which stops between files if the call is cancelled meanwhile
    (a client gone or a deadline passed): no copy outlives its call by more than one file."""
    cancelled = threading.Event()
    try:
        return await asyncio.to_thread(translated, fn, source, target, copies, content_key, cancelled)
    except asyncio.CancelledError:
        cancelled.set()
        raise


def _copy_and_read(source: Location, target: Location, copies: list[_Copy], content_key: str | None,
                   cancelled: threading.Event) -> bytes | None:
    """Copy every file (in parallel when the copies move bytes), then read the wanted file back."""
    def copy(item: _Copy) -> None:
        if cancelled.is_set():
            raise _Cancelled()
        source.backend.copy_to(source.key_of(item.source_path), target.backend, target.key_of(item.file.path))

    if source.backend.shares_bytes_with(target.backend) or len(copies) < 2:
        for item in copies:
            copy(item)
    else:
        for _ in _COPIES.map(copy, copies):
            pass
    if content_key is None:
        return None
    return b"".join(target.backend.read(content_key))

"""The artifact use cases: upload, download, list, delete and snapshot (in snapshots.py).

Bytes go to a backend (blocking calls run in worker threads so the event loop keeps serving);
facts about files (path, size, sha256) go to the event log and its read model. A file becomes
visible in storage and in the read model inside the same store transaction.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from collections.abc import AsyncIterator, Callable
from typing import Any

from mlledger import errors
from mlledger.chunk_wire import Chunk
from mlledger.services.artifacts import domain, events, queries
from mlledger.services.artifacts.backends.base import Writer, in_thread
from mlledger.services.artifacts.locations import Location, Roots
from mlledger.services.artifacts.snapshots import Snapshots
from mlledger.services.core import paging
from mlledger.services.eventstore import schema as log_schema
from mlledger.services.eventstore.postgres import PostgresEventStore, Transaction
from mlledger.v1 import artifacts_pb2

async def _finished(future: asyncio.Future[Any]) -> None:
    """Wait until `future` is done, without raising its error (the call answers with its own)."""
    await asyncio.wait([future])
    if not future.cancelled():
        future.exception()  # retrieved, so asyncio does not report it as lost


def _close_when_done(read: asyncio.Future[Any], reader: Any) -> None:
    """Close a reader once its last read (possibly still running in a thread) has finished."""
    def close(_: object = None) -> None:
        with contextlib.suppress(Exception):
            getattr(reader, "close", lambda: None)()

    if read.done():
        close()
    else:
        read.add_done_callback(close)


class Artifacts:
    """The service's behaviour over one event store and its storage roots."""

    def __init__(self, store: PostgresEventStore, roots: Roots) -> None:
        self.store = store
        self.roots = roots
        self.schema = store.schema
        self.snapshots = Snapshots(store, roots, self._location_lock)

    async def upload(self, header: artifacts_pb2.UploadHeader, chunks: AsyncIterator[bytes | memoryview],
                     trailing_sha256: Callable[[], str | None] = lambda: None) -> artifacts_pb2.UploadArtifactResponse:
        """Stream `chunks` into a temporary object, verify size and digest, then publish and record it.

        The expected digest comes from the header, or from `trailing_sha256()` once the chunks are
        consumed (a client that hashes while sending)."""
        location = self.roots.resolve("artifact_uri", header.artifact_uri)
        path = domain.check_path("path", header.path, allow_empty=False)
        expected_sha = domain.check_sha256("expected_sha256", header.expected_sha256)
        expected_size = header.expected_size if header.HasField("expected_size") else None
        if expected_size is not None and expected_size < 0:
            raise errors.InvalidArgument("expected_size", "must not be negative")
        await self._check_no_conflict(location, path)
        key = location.key_of(path)
        writer = await in_thread(location.backend.begin_write, key)
        durable: asyncio.Future[None] | None = None
        try:
            size, digest = await self._receive(writer, chunks, expected_size)
            if expected_size is not None and size != expected_size:
                raise errors.InvalidArgument("expected_size", f"the upload has {size} bytes, not {expected_size}")
            if expected_sha and digest != expected_sha:
                raise errors.InvalidArgument("expected_sha256", f"the content's SHA-256 is {digest}, not {expected_sha}")
            trailing = trailing_sha256()
            if trailing is not None:
                if expected_sha:
                    raise errors.InvalidArgument("trailing_sha256", "the header already carries expected_sha256")
                wanted = domain.check_sha256("trailing_sha256", trailing)
                if digest != wanted:
                    raise errors.InvalidArgument("trailing_sha256", f"the content's SHA-256 is {digest}, not {wanted!r}")
            file = artifacts_pb2.ArtifactFile(path=path, size=size, sha256=digest)
            # The bytes go to disk (fsync) while the transaction starts; commit waits for them.
            durable = asyncio.ensure_future(in_thread(writer.prepare))
            return await self._publish(location, writer, file, durable)
        finally:
            if durable is not None:
                await _finished(durable)  # never discard the file under a running fsync
            await in_thread(writer.abort)

    @staticmethod
    async def _receive(writer: Writer, chunks: AsyncIterator[bytes | memoryview],
                       limit: int | None) -> tuple[int, str]:
        hasher, size = hashlib.sha256(), 0
        pending: asyncio.Future[None] | None = None

        def consume(chunk: bytes | memoryview) -> None:
            hasher.update(chunk)  # releases the GIL for large buffers, like the write
            writer.write(chunk)

        try:
            async for chunk in chunks:
                size += len(chunk)
                if limit is not None and size > limit:
                    raise errors.InvalidArgument("expected_size", f"the upload is longer than {limit} bytes")
                # One chunk is stored while the next is received: at most two chunks in memory.
                if pending is not None:
                    await pending
                pending = asyncio.ensure_future(in_thread(consume, chunk))
        finally:
            if pending is not None:
                await pending
        return size, hasher.hexdigest()

    async def _publish(self, location: Location, writer: Writer, file: artifacts_pb2.ArtifactFile,
                       durable: asyncio.Future[None]) -> artifacts_pb2.UploadArtifactResponse:
        async def record(tx: Transaction) -> artifacts_pb2.UploadArtifactResponse:
            # Shared with other uploads, exclusive with a delete in this location (held to COMMIT,
            # awaited before the file goes into place): a delete then sees this file's row, or
            # runs wholly after this commit, in the log as in storage.
            await (await tx.conn.execute("SELECT pg_advisory_xact_lock_shared(%s)",
                                         (self._location_lock(location),))).fetchone()
            # Storage before the append: the append lock (held from the first append to COMMIT)
            # is not held while the file is put into place, which can be slow on S3. The file is
            # durable before it is put into place (shielded: a cancelled call still waits for it).
            await asyncio.shield(durable)
            await in_thread(writer.commit)
            await tx.append(events.stored(location.uri, file))
            return artifacts_pb2.UploadArtifactResponse(file=file, artifact_uri=location.uri)

        return await self.store.write(record, artifacts_pb2.UploadArtifactResponse)

    async def _check_no_conflict(self, location: Location, path: str) -> None:
        async with self.store.pool.connection() as conn:
            clash = await queries.conflicting_parent(conn, self.schema, location.uri, path)
        if clash is not None:
            raise errors.FailedPrecondition(
                f"path: {path!r} clashes with the stored {clash!r} (a file cannot also be a directory)",
                subject=path)

    async def _record_of(self, location: Location, path: str) -> artifacts_pb2.ArtifactFile | None:
        async with self.store.pool.connection() as conn:
            return await queries.file(conn, self.schema, location.uri, path)

    async def download(self, request: artifacts_pb2.DownloadArtifactRequest
                       ) -> AsyncIterator[artifacts_pb2.DownloadArtifactResponse | Chunk]:
        """The file's metadata with the first chunk of its bytes from `offset`, then the others as Chunks."""
        location = self.roots.resolve("artifact_uri", request.artifact_uri)
        path = domain.check_path("path", request.path, allow_empty=False)
        if request.offset < 0:
            raise errors.InvalidArgument("offset", "must not be negative")
        if request.length < 0:
            raise errors.InvalidArgument("length", "must not be negative")
        key = location.key_of(path)
        # Both the record and the bytes, asked for at once: bytes in storage without a record (an
        # upload whose commit failed, a delete interrupted after its commit) are not an artifact.
        known, size = await asyncio.gather(self._record_of(location, path),
                                           in_thread(location.backend.size, key))  # size refuses escaping paths
        if size is None or known is None:
            raise errors.NotFound("artifact", f"{location.uri}/{path}")
        if request.offset > size:
            raise errors.InvalidArgument("offset", f"is beyond the end of the file ({size} bytes)")
        file = artifacts_pb2.ArtifactFile(path=path, size=size, sha256=known.sha256)
        length = min(request.length or size - request.offset, size - request.offset)
        # Ranged reads of zero bytes are an error on S3: send the metadata alone.
        reader = location.backend.read(key, request.offset, length) if length else iter(())
        offset, first = request.offset, True
        # The next chunk is read while this one is sent: at most two chunks in memory.
        ahead = asyncio.ensure_future(in_thread(next, reader, None))
        try:
            while True:
                chunk = await ahead
                if chunk is not None:
                    ahead = asyncio.ensure_future(in_thread(next, reader, None))
                if chunk is None and not first:
                    return
                if first:
                    yield artifacts_pb2.DownloadArtifactResponse(file=file, chunk=chunk or b"", offset=offset)
                    first = False
                else:
                    yield Chunk(chunk, offset)
                if chunk is None:
                    return
                offset += len(chunk)
        finally:
            _close_when_done(ahead, reader)

    async def list(self, request: artifacts_pb2.ListArtifactsRequest) -> artifacts_pb2.ListArtifactsResponse:
        """A page of a directory's children (or of every file below it when recursive)."""
        location = self.roots.resolve("artifact_uri", request.artifact_uri)
        path = domain.check_path("path", request.path)
        limit = domain.page_size(request.page_size)
        after = paging.read_after(request.page_token)
        async with self.store.pool.connection() as conn:
            if request.recursive:
                files = await queries.files_under(conn, self.schema, location.uri, path, after=after, limit=limit + 1)
            else:
                files = await queries.children(conn, self.schema, location.uri, path, after=after, limit=limit + 1)
        token = paging.after_token(files[limit - 1].path) if len(files) > limit else ""
        return artifacts_pb2.ListArtifactsResponse(files=files[:limit], next_page_token=token,
                                                   artifact_uri=location.uri)

    async def delete(self, request: artifacts_pb2.DeleteArtifactsRequest) -> artifacts_pb2.DeleteArtifactsResponse:
        """Remove a file or a tree from storage and the read model."""
        location = self.roots.resolve("artifact_uri", request.artifact_uri)
        path = domain.check_path("path", request.path)
        key = location.key_of(path)
        if not key:
            raise errors.InvalidArgument("path", "refusing to delete the whole artifact root")

        async def remove(tx: Transaction) -> artifacts_pb2.DeleteArtifactsResponse:
            files = await queries.files_under(tx.conn, self.schema, location.uri, path)
            if not files and not await in_thread(location.backend.exists_under, key):
                raise errors.NotFound("artifact", f"{location.uri}/{path}".rstrip("/"))
            total = sum(f.size for f in files)
            await tx.append(events.deleted(location.uri, path, len(files), total))
            return artifacts_pb2.DeleteArtifactsResponse(file_count=len(files), total_bytes=total)

        # The location's lock is held by a session around the transaction and the storage delete
        # after it: uploads wait for both, the transaction reads the rows every earlier upload
        # committed, and storage changes only once the event is committed (a crash in between
        # leaves unrecorded bytes, which downloads and listings ignore, never a record without bytes).
        lock = self._location_lock(location)
        async with self.store.pool.connection() as guard:
            await guard.execute("SELECT pg_advisory_lock(%s)", (lock,))
            try:
                response = await self.store.write(remove, artifacts_pb2.DeleteArtifactsResponse)
                await in_thread(location.backend.delete, key)
            finally:
                await guard.execute("SELECT pg_advisory_unlock(%s)", (lock,))
        return response

    def _location_lock(self, location: Location) -> int:
        return log_schema.lock_key(self.schema, f"location:{location.uri}")

    async def snapshot(self, request: artifacts_pb2.SnapshotArtifactsRequest
                       ) -> artifacts_pb2.SnapshotArtifactsResponse:
        """Copy everything under source to an empty destination (see snapshots.py)."""
        return await self.snapshots.snapshot(request)

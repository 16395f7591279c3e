"""Artifacts in S3-compatible object storage through the minio client.

Small files are buffered and put in one request once verified; larger ones go up as a
multipart upload that is completed only on `commit` (after the digest was checked) and
aborted otherwise, so a rejected upload never becomes visible. Memory stays at a few parts.
"""

from __future__ import annotations

import contextlib
import mmap
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from io import BytesIO

from minio import Minio
from minio.commonconfig import ComposeSource, CopySource
from minio.datatypes import Part
from minio.deleteobjects import DeleteObject
from minio.error import S3Error

from mlledger import errors
from mlledger.services.artifacts.backends.base import CHUNK_SIZE, Backend, Writer

#: Multipart part size: S3 needs at least 5 MiB for every part but the last.
PART_SIZE = 8 * 1024 * 1024
#: Largest object a single server-side copy may produce.
MAX_COPY_BYTES = 5 * 1024 ** 3
#: Parts of one upload sent concurrently; bounds memory at (this + 1) parts per upload.
PARTS_IN_FLIGHT = 2
_PART_UPLOADS = ThreadPoolExecutor(max_workers=8, thread_name_prefix="s3-part")
_MISSING = {"NoSuchKey", "NoSuchObject", "NotFound", "ResourceNotFound"}


class S3Writer(Writer):
    """Fills a part buffer and uploads full parts in the background (two at most); completes on commit.

    Part buffers are anonymous memory maps, reused within the upload and unmapped at its end:
    8 MiB blocks allocated and freed through malloc for every part made the service's memory
    creep up with each upload (glibc keeps such blocks in its per-thread arenas).
    """

    def __init__(self, backend: S3Backend, key: str) -> None:
        self._client = backend.client
        self._bucket = backend.bucket
        self._object = backend.object_name(key)
        self._upload_id = ""
        self._parts: list[Future[Part]] = []
        self._part: mmap.mmap | None = None  # the part being filled
        self._filled = 0
        self._sending: dict[Future[Part], mmap.mmap] = {}
        self._free: list[mmap.mmap] = []

    def write(self, chunk: bytes | memoryview) -> None:
        content = memoryview(chunk)
        while content:
            if self._part is None:
                self._part = self._take_buffer()
            taken = min(len(content), PART_SIZE - self._filled)
            self._part[self._filled:self._filled + taken] = content[:taken]
            self._filled += taken
            content = content[taken:]
            if self._filled == PART_SIZE:
                self._upload_part()

    def _take_buffer(self) -> mmap.mmap:
        """A free part buffer: one whose upload finished, else a new one (PARTS_IN_FLIGHT + 1 at most)."""
        for part in [part for part in self._sending if part.done()]:
            self._free.append(self._sending.pop(part))
        return self._free.pop() if self._free else mmap.mmap(-1, PART_SIZE)

    def _upload_part(self) -> None:
        assert self._part is not None, "a part is uploaded once it holds bytes"
        if not self._upload_id:
            self._upload_id = self._client._create_multipart_upload(self._bucket, self._object, {})
        in_flight = [part for part in self._parts if not part.done()]
        if len(in_flight) >= PARTS_IN_FLIGHT:
            wait(in_flight, return_when=FIRST_COMPLETED)
        data = memoryview(self._part)[:self._filled]
        sent = _PART_UPLOADS.submit(self._send_part, data, self._upload_id, len(self._parts) + 1)
        self._parts.append(sent)
        self._sending[sent] = self._part
        self._part, self._filled = None, 0

    def _send_part(self, data: memoryview, upload_id: str, number: int) -> Part:
        # minio passes the body to hashlib and urllib3, which both take any bytes-like object.
        return Part(number, self._client._upload_part(self._bucket, self._object, data, None,  # type: ignore[arg-type]
                                                      upload_id, number))

    def prepare(self) -> None:
        if self._upload_id:  # a multipart upload: every part stored, only the completion left to commit
            if self._filled:
                self._upload_part()
            for part in self._parts:
                part.result()

    def commit(self) -> None:
        if not self._upload_id:
            content = self._part[:self._filled] if self._part is not None else b""
            self._client.put_object(self._bucket, self._object, BytesIO(content), len(content))
        else:
            if self._filled:
                self._upload_part()
            parts = [part.result() for part in self._parts]
            self._client._complete_multipart_upload(self._bucket, self._object, self._upload_id, parts)
            self._upload_id = ""
        self._release()

    def abort(self) -> None:
        wait(self._parts)
        self._release()
        if self._upload_id:
            upload_id, self._upload_id = self._upload_id, ""
            try:
                self._client._abort_multipart_upload(self._bucket, self._object, upload_id)
            except S3Error:
                pass  # the server expires abandoned uploads; the object never became visible

    def _release(self) -> None:
        """Unmap every part buffer (once no upload of a part is running)."""
        wait(self._parts)
        buffers = [*self._free, *self._sending.values(), *([self._part] if self._part is not None else [])]
        self._free, self._sending, self._part, self._filled = [], {}, None, 0
        for buffer in buffers:
            with contextlib.suppress(BufferError):  # still viewed somewhere: unmapped when collected
                buffer.close()


class S3Backend(Backend):
    """Objects under s3://bucket/prefix."""

    def __init__(self, uri: str, *, endpoint: str, access_key: str, secret_key: str, region: str = "",
                 secure: bool = False) -> None:
        bucket, _, prefix = uri.removeprefix("s3://").partition("/")
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.uri = f"s3://{bucket}/{self.prefix}".rstrip("/")
        self.client = Minio(endpoint, access_key=access_key or None, secret_key=secret_key or None,
                            region=region or None, secure=secure)

    def object_name(self, key: str) -> str:
        return "/".join(part for part in (self.prefix, key) if part)

    def begin_write(self, key: str) -> Writer:
        return S3Writer(self, key)

    def size(self, key: str) -> int | None:
        if not key and not self.prefix:
            return None
        try:
            return int(self.client.stat_object(self.bucket, self.object_name(key)).size or 0)
        except S3Error as exc:
            if exc.code in _MISSING:
                return None
            raise

    def read(self, key: str, offset: int = 0, length: int = 0) -> Iterator[bytes]:
        try:
            response = self.client.get_object(self.bucket, self.object_name(key), offset=offset, length=length)
        except S3Error as exc:
            if exc.code in _MISSING:
                raise errors.NotFound("artifact", key) from None
            raise
        try:
            yield from response.stream(CHUNK_SIZE)
        finally:
            response.close()
            response.release_conn()

    def _objects_under(self, key: str) -> Iterator[str]:
        directory = self.object_name(key)
        yield from (obj.object_name for obj in self.client.list_objects(
            self.bucket, prefix=f"{directory}/" if directory else "", recursive=True) if obj.object_name)

    def exists_under(self, key: str) -> bool:
        return self.size(key) is not None or next(self._objects_under(key), None) is not None

    def delete(self, key: str) -> None:
        names = list(self._objects_under(key))
        if key and self.size(key) is not None:
            names.append(self.object_name(key))
        for start in range(0, len(names), 1000):
            failures = list(self.client.remove_objects(
                self.bucket, (DeleteObject(name) for name in names[start:start + 1000])))
            if failures:
                raise errors.Unavailable(f"S3 refused to delete {failures[0].name}: {failures[0].message}")

    def copy(self, source_key: str, target_key: str) -> None:
        size = self.size(source_key)
        if size is None:
            raise errors.NotFound("artifact", source_key)
        target = self.object_name(target_key)
        if size > MAX_COPY_BYTES:
            self.client.compose_object(self.bucket, target, [ComposeSource(self.bucket, self.object_name(source_key))])
        else:
            self.client.copy_object(self.bucket, target, CopySource(self.bucket, self.object_name(source_key)))

"""The storage interface every artifact backend implements (blocking calls, run in threads).

Keys are "/"-separated paths relative to the backend's root, already checked by the domain
rules. Writes go to a temporary object first and become visible only on `commit`, so a failed
or rejected upload leaves nothing behind.
"""

from __future__ import annotations

import abc
import asyncio
import errno
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from mlledger import errors

T = TypeVar("T")

#: Size of the chunks backends read and the service streams.
CHUNK_SIZE = 1024 * 1024


class Writer(abc.ABC):
    """A file being written: invisible until `commit`, gone after `abort`."""

    @abc.abstractmethod
    def write(self, chunk: bytes | memoryview) -> None:
        """Append bytes (kept in at most a bounded buffer)."""

    def prepare(self) -> None:  # noqa: B027 - an optional step, a no-op unless a backend needs it
        """Make everything written durable without publishing it, so `commit` only publishes.

        Optional: `commit` does whatever `prepare` was not called for. The service runs it while
        the upload's transaction starts, so the slow part (an fsync) overlaps the database's."""

    @abc.abstractmethod
    def commit(self) -> None:
        """Publish the file atomically under its key, replacing any previous one."""

    @abc.abstractmethod
    def abort(self) -> None:
        """Discard everything written; safe to call more than once and after commit fails."""


class Backend(abc.ABC):
    """A root under which artifact files are stored by key."""

    #: The root as a URI: "file:///abs/dir" or "s3://bucket/prefix".
    uri: str

    @abc.abstractmethod
    def begin_write(self, key: str) -> Writer:
        """Start writing the file `key`."""

    @abc.abstractmethod
    def size(self, key: str) -> int | None:
        """The size of the file `key`, or None when there is no such file."""

    @abc.abstractmethod
    def read(self, key: str, offset: int = 0, length: int = 0) -> Iterator[bytes]:
        """The bytes of `key` from `offset` (`length` bytes, 0 for all) in chunks of CHUNK_SIZE at most."""

    @abc.abstractmethod
    def exists_under(self, key: str) -> bool:
        """Whether a file `key` or any file below the directory `key` exists."""

    @abc.abstractmethod
    def delete(self, key: str) -> None:
        """Remove the file `key` or the whole directory tree `key` (no error if absent)."""

    def shares_bytes_with(self, target: Backend) -> bool:
        """Whether a copy from here to `target` shares the stored bytes (a hard link) instead of
        moving them, so that its cost does not grow with the file's size."""
        return False

    @abc.abstractmethod
    def copy(self, source_key: str, target_key: str) -> None:
        """Copy a file within this backend (server-side where possible), atomically at the target."""

    def copy_to(self, source_key: str, target: Backend, target_key: str) -> None:
        """Copy a file to another backend by streaming it (constant memory)."""
        if target is self:
            self.copy(source_key, target_key)
            return
        writer = target.begin_write(target_key)
        try:
            for chunk in self.read(source_key):
                writer.write(chunk)
            writer.commit()
        except BaseException:
            writer.abort()
            raise


def storage_error(exc: BaseException) -> errors.MlledgerError | None:
    """The mlledger error for a storage failure (full disk, unreachable or refusing S3), else None."""
    if isinstance(exc, errors.MlledgerError):
        return None
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return errors.ResourceExhausted("artifact_storage", f"the artifact storage is full: {exc}")
    from minio.error import S3Error
    from urllib3.exceptions import HTTPError

    if isinstance(exc, S3Error):
        return errors.Unavailable(f"the object storage refused the request: {exc.code}: {exc.message}")
    if isinstance(exc, HTTPError):
        return errors.Unavailable(f"the object storage is unreachable: {exc}")
    return None


def translated(fn: Callable[..., T], *args: Any) -> T:
    """Call a blocking storage function, raising its storage failures as mlledger errors."""
    try:
        return fn(*args)
    except Exception as exc:
        mapped = storage_error(exc)
        if mapped is None:
            raise
        raise mapped from exc


async def in_thread(fn: Callable[..., T], *args: Any) -> T:
    """Run a blocking storage call in a worker thread, with storage failures as mlledger errors."""
    return await asyncio.to_thread(translated, fn, *args)

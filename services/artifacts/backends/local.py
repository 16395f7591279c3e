"""Artifacts on a local (or mounted) file system: temp file, fsync, atomic rename.

A stored file is never changed in place: every write goes to a new temp file that is renamed over
the key. So a copy inside a root the service owns can be a hard link to the same bytes: a later
upload to either path replaces that path's directory entry, and a delete removes only one link.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

from mlledger import errors
from mlledger.services.artifacts.backends.base import CHUNK_SIZE, Backend, Writer
from mlledger.services.artifacts.domain import TEMP_DIR

#: Temp files untouched this long belong to uploads that will never finish.
STALE_UPLOAD_SECONDS = 24 * 3600
#: Why a hard link can fail where a byte copy works (another file system, no link support, link limit).
_CANNOT_LINK = frozenset({errno.EXDEV, errno.EPERM, errno.EMLINK, errno.ENOTSUP, errno.EOPNOTSUPP})
#: An upload asks the kernel to start writing its bytes to disk after every this many bytes.
WRITEBACK_BYTES = 1024 * 1024
_SYNC_FILE_RANGE_WRITE = 2


def _writeback_starter() -> Callable[[int, int, int], object] | None:
    """libc's sync_file_range(fd, offset, length, SYNC_FILE_RANGE_WRITE) where it exists (Linux), else None.

    It starts writing a range of dirty pages to disk and returns at once; PostgreSQL does the
    same for its checkpoints (checkpoint_flush_after). The fsync at the end then waits for the
    last megabyte or so instead of the whole file. It is a hint only: durability still comes
    from that fsync."""
    try:
        function = ctypes.CDLL(None, use_errno=True).sync_file_range
    except (OSError, AttributeError, TypeError):
        return None
    function.argtypes = (ctypes.c_int, ctypes.c_int64, ctypes.c_int64, ctypes.c_uint)
    function.restype = ctypes.c_int
    return lambda fd, offset, length: function(fd, offset, length, _SYNC_FILE_RANGE_WRITE)


_start_writeback = _writeback_starter()


class LocalWriter(Writer):
    """Writes into the root's temp directory, sending bytes to disk as they come; `commit` renames into place."""

    def __init__(self, backend: LocalBackend, key: str) -> None:
        self._backend = backend
        self._key = key
        self._temp = backend.root / TEMP_DIR / uuid.uuid4().hex
        self._temp.parent.mkdir(parents=True, exist_ok=True)
        self._file = open(self._temp, "xb")  # closed in commit/abort
        self._written = 0
        self._sent_to_disk = 0  # bytes whose writeback was started
        self._durable = False

    def write(self, chunk: bytes | memoryview) -> None:
        self._file.write(chunk)
        self._written += len(chunk)
        self._durable = False
        if _start_writeback is not None and self._written - self._sent_to_disk >= WRITEBACK_BYTES:
            self._file.flush()
            _start_writeback(self._file.fileno(), self._sent_to_disk, self._written - self._sent_to_disk)
            self._sent_to_disk = self._written

    def prepare(self) -> None:
        if not self._durable:
            self._file.flush()
            os.fsync(self._file.fileno())
            self._durable = True

    def commit(self) -> None:
        self.prepare()
        self._file.close()
        self._backend.put_in_place(self._temp, self._key)

    def abort(self) -> None:
        self._file.close()
        self._temp.unlink(missing_ok=True)


class LocalBackend(Backend):
    """Files under one directory; every key is resolved and checked not to escape it via symlinks."""

    def __init__(self, root: str | Path, *, link_copies: bool = False) -> None:
        self.root = Path(root).expanduser().absolute()
        #: Copies within this root are hard links: only for a root no one else writes into in place.
        self.link_copies = link_copies
        self.root.mkdir(parents=True, exist_ok=True)
        self._real_root = os.path.realpath(self.root)
        self.uri = f"file://{self.root}"
        self._remove_stale_uploads()

    def _remove_stale_uploads(self) -> None:
        """Delete temp files of uploads a crash interrupted (older than STALE_UPLOAD_SECONDS)."""
        cutoff = time.time() - STALE_UPLOAD_SECONDS
        for temp in (self.root / TEMP_DIR).glob("*"):
            with contextlib.suppress(OSError):
                if temp.stat().st_mtime < cutoff:
                    temp.unlink()

    def path(self, key: str) -> Path:
        """The file system path of `key`, refusing any that resolves outside the root."""
        candidate = self.root / key if key else self.root
        real = os.path.realpath(candidate)
        if real != self._real_root and not real.startswith(self._real_root + os.sep):
            raise errors.InvalidArgument("path", f"{key!r} leads outside the artifact root (through a symlink)")
        return candidate

    def put_in_place(self, temp: Path, key: str) -> None:
        """Rename the finished temp file `temp` over `key` (atomically replacing any file there)."""
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        # Check again after creating the parents: a symlink may have appeared on the way.
        target = self.path(key)
        if target.is_dir():
            raise errors.FailedPrecondition(f"path: {key!r} is a directory", subject=key)
        os.replace(temp, target)

    def begin_write(self, key: str) -> Writer:
        return LocalWriter(self, key)

    def size(self, key: str) -> int | None:
        path = self.path(key)
        return path.stat().st_size if path.is_file() else None

    def read(self, key: str, offset: int = 0, length: int = 0) -> Iterator[bytes]:
        path = self.path(key)
        try:
            handle = open(path, "rb")  # closed below, also when the consumer stops early
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise errors.NotFound("artifact", key) from None
        with handle:
            handle.seek(offset)
            remaining = length or -1
            while remaining:
                chunk = handle.read(CHUNK_SIZE if remaining < 0 else min(CHUNK_SIZE, remaining))
                if not chunk:
                    return
                remaining = remaining - len(chunk) if remaining > 0 else remaining
                yield chunk

    def exists_under(self, key: str) -> bool:
        return self.path(key).exists()

    def delete(self, key: str) -> None:
        path = self.path(key)
        if path.is_symlink() or path.is_file():
            path.unlink(missing_ok=True)
        elif path.is_dir():
            shutil.rmtree(path)

    def shares_bytes_with(self, target: Backend) -> bool:
        return target is self and self.link_copies

    def copy(self, source_key: str, target_key: str) -> None:
        source = self.path(source_key)
        if not source.is_file():
            raise errors.NotFound("artifact", source_key)
        if self.link_copies and self._link(source, target_key):
            return
        writer = LocalWriter(self, target_key)
        try:
            with open(source, "rb") as handle:
                shutil.copyfileobj(handle, writer._file, CHUNK_SIZE)
            writer.commit()
        except BaseException:
            writer.abort()
            raise

    def _link(self, source: Path, target_key: str) -> bool:
        """Put a hard link to `source` at `target_key`; False where this file system cannot link it.

        No fsync: the bytes were synced when they were stored, and the new name is as durable as
        an upload's rename."""
        temp = self.root / TEMP_DIR / uuid.uuid4().hex
        temp.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(source, temp)  # through a symlink to its file, as a byte copy reads
        except FileNotFoundError:
            raise errors.NotFound("artifact", str(source.relative_to(self.root))) from None
        except OSError as exc:
            if exc.errno in _CANNOT_LINK:
                return False
            raise
        try:
            self.put_in_place(temp, target_key)
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
        return True

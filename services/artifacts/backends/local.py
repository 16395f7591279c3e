"""Artifacts on a local (or mounted) file system: temp file, fsync, atomic rename."""

from __future__ import annotations

import contextlib
import ctypes
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
        target = self._backend.path(self._key)
        target.parent.mkdir(parents=True, exist_ok=True)
        # Check again after creating the parents: a symlink may have appeared on the way.
        target = self._backend.path(self._key)
        if target.is_dir():
            raise errors.FailedPrecondition(f"path: {self._key!r} is a directory", subject=self._key)
        os.replace(self._temp, target)

    def abort(self) -> None:
        self._file.close()
        self._temp.unlink(missing_ok=True)


class LocalBackend(Backend):
    """Files under one directory; every key is resolved and checked not to escape it via symlinks."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).expanduser().absolute()
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

    def copy(self, source_key: str, target_key: str) -> None:
        source = self.path(source_key)
        if not source.is_file():
            raise errors.NotFound("artifact", source_key)
        writer = LocalWriter(self, target_key)
        try:
            with open(source, "rb") as handle:
                shutil.copyfileobj(handle, writer._file, CHUNK_SIZE)
            writer.commit()
        except BaseException:
            writer.abort()
            raise

"""The storage backends' writers on their own: prepare, commit and abort, on local disk and on S3."""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from mlledger.services.artifacts.backends import local
from mlledger.services.artifacts.backends.base import Backend
from mlledger.services.artifacts.backends.local import LocalBackend
from mlledger.services.artifacts.backends.s3 import PART_SIZE, S3Backend
from mlledger.testing import S3Server

MiB = 1 << 20


@pytest.fixture(params=["local", "s3"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    """A fresh backend root: a temporary directory, or a new prefix on the test S3 server."""
    if request.param == "local":
        yield LocalBackend(tmp_path / "root")
        return
    server: S3Server = request.getfixturevalue("s3")
    yield S3Backend(f"s3://{server.bucket}/writers-{uuid.uuid4().hex[:8]}", endpoint=server.endpoint,
                    access_key=server.access_key, secret_key=server.secret_key)


def _written(backend: Backend, key: str, chunks: list[bytes], *, prepare: bool) -> None:
    writer = backend.begin_write(key)
    for chunk in chunks:
        writer.write(chunk)
    if prepare:
        writer.prepare()
    writer.commit()
    writer.abort()  # after a commit it only releases what is left


@pytest.mark.parametrize("prepare", [True, False])
def test_a_prepared_or_unprepared_write_commits_the_same_bytes(backend, prepare):
    """Committing after prepare() stores exactly what commit alone stores, across several parts and a short tail."""
    chunks = [os.urandom(MiB) for _ in range(PART_SIZE // MiB + 2)] + [os.urandom(12345), memoryview(b"tail")]
    _written(backend, "data.bin", chunks, prepare=prepare)
    expected = b"".join(chunks)
    assert backend.size("data.bin") == len(expected)
    assert b"".join(backend.read("data.bin")) == expected


def test_a_small_prepared_write_commits(backend):
    """A write shorter than one part (a single request on S3) is stored after prepare() too."""
    _written(backend, "small.bin", [b"hello ", b"world"], prepare=True)
    assert b"".join(backend.read("small.bin")) == b"hello world"


def test_an_aborted_prepared_write_leaves_nothing(backend):
    """prepare() makes nothing visible: aborting afterwards leaves no file."""
    writer = backend.begin_write("gone.bin")
    writer.write(os.urandom(PART_SIZE + MiB))
    writer.prepare()
    writer.abort()
    assert backend.size("gone.bin") is None


def test_local_writes_ask_for_early_writeback_on_linux(tmp_path, monkeypatch):
    """Every WRITEBACK_BYTES written, the local writer asks the kernel to start writing that range to disk."""
    if sys.platform.startswith("linux"):
        assert local._start_writeback is not None, "sync_file_range is available on Linux"
    ranges: list[tuple[int, int]] = []
    monkeypatch.setattr(local, "_start_writeback", lambda fd, offset, length: ranges.append((offset, length)))
    writer = LocalBackend(tmp_path / "root").begin_write("big.bin")
    for _ in range(3):
        writer.write(b"x" * (local.WRITEBACK_BYTES // 2 + 1))
    writer.abort()
    half = local.WRITEBACK_BYTES // 2 + 1
    assert ranges == [(0, 2 * half)]


def test_s3_part_buffers_are_reused_and_bounded(s3, monkeypatch):
    """An S3 upload of many parts maps at most PARTS_IN_FLIGHT + 1 part buffers, all unmapped once committed."""
    import mmap as real_mmap
    import types

    from mlledger.services.artifacts.backends import s3 as s3_backend

    mapped: list[real_mmap.mmap] = []

    def counted(*args: int) -> real_mmap.mmap:
        mapped.append(real_mmap.mmap(*args))
        return mapped[-1]

    monkeypatch.setattr(s3_backend, "mmap", types.SimpleNamespace(mmap=counted))
    backend = S3Backend(f"s3://{s3.bucket}/parts-{uuid.uuid4().hex[:8]}", endpoint=s3.endpoint,
                        access_key=s3.access_key, secret_key=s3.secret_key)
    chunks = [os.urandom(MiB) for _ in range(6 * PART_SIZE // MiB + 1)]
    _written(backend, "parts.bin", chunks, prepare=True)
    assert b"".join(backend.read("parts.bin")) == b"".join(chunks)
    assert 1 <= len(mapped) <= s3_backend.PARTS_IN_FLIGHT + 1
    assert all(buffer.closed for buffer in mapped)

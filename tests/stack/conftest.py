"""Fixtures for the embedded-stack tests."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest


def _private_dir() -> Iterator[Path]:
    # Not pytest's tmp_path: every pytest session that starts resets pytest's temporary root to
    # 0700, which cuts off PostgreSQL when it runs as its own user (when the tests run as root).
    path = Path(tempfile.mkdtemp(prefix="mlledger-stack-test-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def data_dir() -> Iterator[Path]:
    """A fresh data directory for one test."""
    yield from _private_dir()


@pytest.fixture(scope="module")
def shared_data_dir() -> Iterator[Path]:
    """A data directory shared by a module's tests (the cluster is initialised once)."""
    yield from _private_dir()

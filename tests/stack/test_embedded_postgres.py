"""A postmaster.pid left by a killed PostgreSQL does not block the next start; a live server's does."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from mlledger.services.stack.ports import free_port
from mlledger.services.stack.postgres import EmbeddedPostgres
from tests.stack.helpers import _stat, wait_until


@pytest.fixture(scope="module")
def crashed(shared_data_dir: Path) -> Iterator[EmbeddedPostgres]:
    """An initialised cluster whose server was killed (SIGKILL), so its postmaster.pid stays behind."""
    server = EmbeddedPostgres(shared_data_dir / "pg", free_port(), log_file=shared_data_dir / "pg.log")
    server.start()
    server.kill()
    yield server
    server.stop()


def plant_pid_file(server: EmbeddedPostgres, pid: int) -> None:
    pid_file = server.data_dir / "postmaster.pid"
    lines = pid_file.read_text().splitlines() if pid_file.exists() else ["0", str(server.data_dir), "0", "0"]
    pid_file.write_text("\n".join([str(pid), *lines[1:]]) + "\n")


# Both run as the server's user: PostgreSQL takes a pid it may not signal (EPERM) for a dead one.


def a_zombie(user: str | None) -> subprocess.Popen[bytes]:
    """A child that has exited but is not reaped: it still answers kill(pid, 0), as a killed postmaster did."""
    zombie = subprocess.Popen(["true"], user=user)
    wait_until(lambda: _stat(zombie.pid) is not None and _stat(zombie.pid)[0] == "Z", "a zombie")  # type: ignore[index]
    return zombie


def a_stranger(user: str | None) -> subprocess.Popen[bytes]:
    """A live process that is not PostgreSQL, as when the dead server's pid has been given to another."""
    return subprocess.Popen(["sleep", "300"], user=user)


@pytest.mark.parametrize("holder", [a_zombie, a_stranger], ids=["zombie", "pid reused"])
def test_stale_pid_file_does_not_block_a_start(crashed: EmbeddedPostgres, holder) -> None:
    """The pid file of a killed server naming a zombie or an unrelated live process is removed, and the server starts."""
    process = holder(crashed.user)
    try:
        plant_pid_file(crashed, process.pid)
        crashed.start()
        with psycopg.connect(crashed.url) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
        crashed.kill()
        assert (crashed.data_dir / "postmaster.pid").exists()
    finally:
        process.kill()
        process.wait()


def test_a_running_server_is_not_started_twice(crashed: EmbeddedPostgres) -> None:
    """A second server on a data directory in use is refused with a clear message; the first keeps running."""
    crashed.start()
    try:
        second = EmbeddedPostgres(crashed.data_dir, free_port(), log_file=crashed.log_file)
        with pytest.raises(RuntimeError, match="already running"):
            second.start()
        with psycopg.connect(crashed.url) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
    finally:
        crashed.stop()

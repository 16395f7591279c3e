"""`mlledger up` stops on SIGTERM and SIGINT at any moment, and nothing it started outlives it."""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from tests.stack.helpers import Up, wait_until

# Moments during start-up, each recognised by what `up` has done by then.
MOMENTS = {
    "at once": lambda up: True,
    "during initdb": lambda up: (up.data_dir / "postgres.initdb").exists(),
    "PostgreSQL started": lambda up: (up.data_dir / "postgres" / "postmaster.pid").exists(),
    "NATS starting": lambda up: any(up.data_dir.glob("nats-*.conf")),
    "first service starting": lambda up: (up.data_dir / "logs" / "tracking.log").exists(),
    "last service starting": lambda up: (up.data_dir / "logs" / "artifacts.log").exists(),
}  # once it is up: the supervision tests' stack is stopped with SIGTERM and checked the same way


def serving(port: int) -> bool:
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        reply = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=10)
    return reply.status == health_pb2.HealthCheckResponse.SERVING


def test_sigterm_at_any_moment_of_start_up_leaves_nothing_running(data_dir: Path) -> None:
    """SIGTERM while `up` starts (or once it is up) stops it, with no child process left and no port taken."""
    for moment, reached in MOMENTS.items():
        up = Up(data_dir)
        try:
            wait_until(lambda: reached(up) or up.process.poll() is not None, f"moment {moment!r}")
            assert up.process.poll() is None, f"`up` exited before {moment!r}:\n{up.text}"
            up.signal(signal.SIGTERM)
            code = up.finish()
        finally:
            up.stop()
        # Before its handlers are installed the interpreter dies of the signal itself, having started nothing.
        assert code in (0, -signal.SIGTERM), f"{moment}: exit code {code}\n{up.text}"
        assert up.left_behind() == {}, f"{moment}: left behind after SIGTERM:\n{up.text}"


def test_sigkill_of_up_takes_every_child_with_it(shared_data_dir: Path) -> None:
    """Even a SIGKILL of `up` leaves nothing running: every child dies with it, and its ports come free."""
    up = Up(shared_data_dir)
    try:
        up.wait_for("Press Ctrl-C to stop.")
        assert len(up.seen) >= 5, up.seen  # PostgreSQL (and its workers), NATS, three services
        up.signal(signal.SIGKILL)
        assert up.finish() == -signal.SIGKILL
        wait_until(lambda: up.left_behind() == {}, f"the children of a killed `up` to go: {up.left_behind()}")
    finally:
        up.stop()


def test_sigint_stops_up_started_with_sigint_ignored(shared_data_dir: Path) -> None:
    """Started from a shell that ignores SIGINT (a background job), `up` still stops cleanly on SIGINT.

    It also starts although a killed PostgreSQL left a postmaster.pid naming a pid that now
    belongs to another, live process.
    """
    pid_file = shared_data_dir / "postgres" / "postmaster.pid"
    squatter = subprocess.Popen(["sleep", "300"])
    try:
        if (shared_data_dir / "postgres" / "PG_VERSION").exists():
            pid_file.write_text(f"{squatter.pid}\n{shared_data_dir / 'postgres'}\n1700000000\n5432\n\n")
        up = Up(shared_data_dir, ignore_sigint=True)
        try:
            up.wait_for("Press Ctrl-C to stop.")
            assert serving(up.ports["tracking"])
            up.signal(signal.SIGINT)
            assert up.finish() == 0, up.text
        finally:
            up.stop()
    finally:
        squatter.kill()
        squatter.wait()
    assert "stopped." in up.text
    assert up.left_behind() == {}


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGHUP])
def test_other_stop_signals_during_start_up(shared_data_dir: Path, sig: int) -> None:
    """SIGINT and SIGHUP during start-up stop `up` as SIGTERM does."""
    up = Up(shared_data_dir)
    try:
        wait_until(lambda: MOMENTS["PostgreSQL started"](up) or up.process.poll() is not None, "PostgreSQL")
        up.signal(sig)
        assert up.finish() == 0, up.text
    finally:
        up.stop()
    assert "interrupted while starting" in up.text
    assert up.left_behind() == {}

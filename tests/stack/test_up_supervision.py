"""`mlledger up` notices a component that dies, restarts it, and stops clearly when it cannot."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

import mlledger
from tests.stack.helpers import Up, _stat, wait_until
from tests.stack.test_up_signals import serving


@pytest.fixture(scope="module")
def up(shared_data_dir: Path) -> Iterator[Up]:
    running = Up(shared_data_dir)
    try:
        running.wait_for("Press Ctrl-C to stop.")
        yield running
    finally:
        running.stop()
    assert running.left_behind() == {}


def write_experiment(up: Up) -> str:
    """Create an experiment through the SDK, retrying while the stack recovers."""
    with mlledger.Client(f"127.0.0.1:{up.ports['tracking']}", retry_seconds=120) as client:
        return client.create_experiment(f"supervised-{uuid.uuid4().hex[:8]}")


def kill_child(up: Up, matches: str) -> int:
    pid = up.child(lambda command: matches in command)
    os.kill(pid, signal.SIGKILL)
    return pid


def assert_reaped(up: Up, pid: int) -> None:
    stat = _stat(pid)
    assert stat is None or stat[1] != up.process.pid or stat[0] != "Z", f"{pid} is a zombie child of `up`"


def test_a_killed_service_is_restarted(up: Up) -> None:
    """SIGKILL of a service is reported, the service is restarted, and the stack answers again."""
    pid = kill_child(up, "mlledger serve tracking")
    up.wait_for("the tracking service died (killed by SIGKILL)")
    up.wait_for("the tracking service is back")
    assert_reaped(up, pid)
    assert serving(up.ports["tracking"])
    assert write_experiment(up)


def test_a_killed_postgres_is_restarted_and_writes_succeed(up: Up) -> None:
    """SIGKILL of the embedded PostgreSQL: reaped, reported, restarted despite its pid file; a write then succeeds."""
    pid = kill_child(up, "postgres -D")
    up.wait_for("PostgreSQL died (killed by SIGKILL)")
    up.wait_for("PostgreSQL is back")
    assert_reaped(up, pid)
    assert write_experiment(up)


async def _published(url: str) -> int:
    import nats

    connection = await nats.connect(url, connect_timeout=5, allow_reconnect=False)
    try:
        return (await connection.jetstream().stream_info("MLLEDGER")).state.last_seq
    finally:
        await connection.close()


def test_a_killed_nats_is_restarted_and_events_flow_again(up: Up) -> None:
    """SIGKILL of the embedded NATS: reported and restarted; a write succeeds and its event is published."""
    url = f"nats://127.0.0.1:{up.ports['nats']}"
    before = asyncio.run(_published(url))
    pid = kill_child(up, "nats-server")
    up.wait_for("NATS died (killed by SIGKILL)")
    up.wait_for("NATS is back")
    assert_reaped(up, pid)
    assert write_experiment(up)
    wait_until(lambda: asyncio.run(_published(url)) > before, "the event to be published on the restarted NATS")


def test_a_service_that_keeps_failing_stops_the_stack(up: Up) -> None:
    """A service that cannot come back (its port taken) is retried with back-off, then the whole stack stops.

    Runs last: it ends the module's stack.
    """
    squatter = socket.socket()
    try:
        kill_child(up, "mlledger serve registry")
        deadline = time.monotonic() + 30
        while True:  # take the port the moment the killed service lets it go
            try:
                squatter.bind(("127.0.0.1", up.ports["registry"]))
                break
            except OSError:
                assert time.monotonic() < deadline, "the killed service's port never came free"
                time.sleep(0.001)
        squatter.listen()
        assert up.finish() == 1, up.text
    finally:
        squatter.close()
    assert "the registry service did not restart: port" in up.text
    assert "the registry service failed 5 times in a row" in up.text
    assert str(up.data_dir / "logs" / "registry.log") in up.text
    assert "stopped." in up.text
    assert up.left_behind() == {}

"""`mlledger up` starts the whole stack, stops cleanly, finds its data again, and names a taken port."""

import asyncio
import os
import queue
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from mlledger.services.eventstore import NewEvent, PostgresEventStore
from mlledger.services.eventstore.database import open_pool
from mlledger.services.stack.ports import free_port
from mlledger.v1 import common_pb2, events_pb2, events_pb2_grpc


def up(data_dir, ports: dict[str, int]) -> subprocess.Popen:
    args = [sys.executable, "-m", "mlledger", "up", "--data-dir", str(data_dir)]
    for name, port in ports.items():
        args += [f"--{name}-port", str(port)]
    env = {k: v for k, v in os.environ.items() if k not in ("MLLEDGER_DATABASE_URL", "MLLEDGER_NATS_URL")}
    return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)


class Output:
    """Collects a process's output lines in the background, so a test can wait for one."""

    def __init__(self, process: subprocess.Popen) -> None:
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._pump, args=(process,), daemon=True).start()

    def _pump(self, process: subprocess.Popen) -> None:
        for line in process.stdout:
            self.lines.put(line)

    def wait_for(self, text: str, timeout: float = 90.0) -> None:
        deadline = time.monotonic() + timeout
        while not any(text in line for line in self.seen):
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"{text!r} not printed; got: {''.join(self.seen)}"
            try:
                self.seen.append(self.lines.get(timeout=remaining))
            except queue.Empty:
                pass

    def rest(self, process: subprocess.Popen, timeout: float = 60.0) -> str:
        process.wait(timeout)
        time.sleep(0.2)
        while not self.lines.empty():
            self.seen.append(self.lines.get())
        return "".join(self.seen)


async def append_marker(database_url: str) -> None:
    pool = await open_pool(database_url, min_size=1, max_size=1)
    store = PostgresEventStore(pool, "tracking")

    async def fn(tx):
        await tx.append(NewEvent("marker/1", "marker.written", common_pb2.ServiceEndpoint(name="kept")))
        return common_pb2.ServiceEndpoint()

    await store.write(fn, common_pb2.ServiceEndpoint)
    await pool.close()


@pytest.fixture
def data_dir():
    # Not tmp_path: a pytest session starting meanwhile resets pytest's temporary root to 0700,
    # which cuts off PostgreSQL running as its own user when the tests run as root.
    path = Path(tempfile.mkdtemp(prefix="mlledger-up-test-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_up_serves_stops_on_ctrl_c_and_keeps_data(data_dir):
    """Services answer health checks; Ctrl-C stops everything; a second `up` serves the same data."""
    tmp_path = data_dir
    ports = {name: free_port() for name in ("tracking", "registry", "artifacts", "postgres", "nats", "gateway")}
    process = up(tmp_path, ports)
    output = Output(process)
    try:
        output.wait_for("Press Ctrl-C to stop.")
        for name in ("tracking", "registry", "artifacts"):
            with grpc.insecure_channel(f"127.0.0.1:{ports[name]}") as channel:
                reply = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=10)
                assert reply.status == health_pb2.HealthCheckResponse.SERVING
        with urllib.request.urlopen(f"http://127.0.0.1:{ports['gateway']}/health", timeout=10) as answer:
            assert answer.read() == b"OK"
        asyncio.run(append_marker(f"postgresql://postgres@127.0.0.1:{ports['postgres']}/mlledger"))
    finally:
        process.send_signal(signal.SIGINT)
        printed = output.rest(process)
    assert process.returncode == 0, printed
    assert "is up" in printed and "stopped." in printed
    for port in ports.values():
        with socket.socket() as probe:
            assert probe.connect_ex(("127.0.0.1", port)) != 0, f"port {port} still in use after stop"

    process = up(tmp_path, ports)
    output = Output(process)
    try:
        output.wait_for("Press Ctrl-C to stop.")
        with grpc.insecure_channel(f"127.0.0.1:{ports['tracking']}") as channel:
            reply = events_pb2_grpc.EventLogServiceStub(channel).ReadEvents(
                events_pb2.ReadEventsRequest(stream="marker/1"), timeout=10
            )
        assert [e.type for e in reply.events] == ["marker.written"]
    finally:
        process.send_signal(signal.SIGINT)
        output.rest(process)


def test_up_names_a_taken_port(tmp_path):
    """When a wanted port is in use, `up` exits non-zero and says which port and which flag to change."""
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        taken = squatter.getsockname()[1]
        ports = {name: free_port() for name in ("tracking", "registry", "artifacts", "postgres", "nats", "gateway")}
        ports["registry"] = taken
        process = up(tmp_path, ports)
        output, _ = process.communicate(timeout=60)
    assert process.returncode != 0
    assert f"port {taken} for registry is already in use" in output
    assert "--registry-port" in output

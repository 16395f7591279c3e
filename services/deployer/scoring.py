"""Scoring-server processes for the local target: start one on a free port, check it, stop it."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

#: util-linux `setpriv`, which sets the parent-death signal and then execs the server.
_SETPRIV = shutil.which("setpriv") if sys.platform.startswith("linux") else None


class DeploymentError(Exception):
    """A version could not be put into serving; `step` says where it failed."""

    def __init__(self, step: str, message: str) -> None:
        super().__init__(message)
        self.step = step


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class ScoringServer:
    """One running scoring server for one version."""

    version: int
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_tail(self, lines: int = 15) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    async def stop(self, grace: float = 10.0) -> None:
        """SIGTERM (the server finishes what it is answering), then SIGKILL after `grace` seconds."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + grace
            while self.process.poll() is None and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()


def start(model_dir: Path, model_name: str, version: int, log_dir: Path) -> ScoringServer:
    """Start `mlledger models serve` for a downloaded version (called on the thread that lives as
    long as the deployer: the parent-death signal is tied to the creating thread)."""
    port = free_port()
    log = log_dir / f"{model_name}-{version}-{port}.log"
    command = [sys.executable, "-m", "mlledger.models.serving", "-m", str(model_dir), "-h", "127.0.0.1",
               "-p", str(port), "--grpc-port", "-1", "--model-name", model_name, "--model-version", str(version),
               "--grace", "10", "--no-access-log", "--log-format", "json"]
    # The kernel sends SIGTERM when the deployer dies, even by SIGKILL, so a restarted deployer
    # never finds a scoring server of its previous life. `setpriv` sets that signal between two
    # execs: Python code run between fork and exec (a preexec_fn) in a process whose gRPC threads
    # are busy can abort the child in gRPC's fork handlers.
    if _SETPRIV:
        command = [_SETPRIV, "--pdeathsig", "TERM", "--", *command]
    with open(log, "wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   env={**os.environ, "PYTHONUNBUFFERED": "1"})
    return ScoringServer(version, port, process, log)


async def wait_ready(server: ScoringServer, client: httpx.AsyncClient, timeout: float) -> None:
    """Until /ping and /v2/health/ready answer 200; DeploymentError("health") if the process
    exits or `timeout` passes first."""
    deadline = time.monotonic() + timeout
    while True:
        if server.process.poll() is not None:
            raise DeploymentError("health", f"the scoring server exited with code {server.process.returncode}:\n"
                                            f"{server.log_tail()}")
        try:
            ping = await client.get(server.url + "/ping", timeout=2.0)
            ready = await client.get(server.url + "/v2/health/ready", timeout=2.0)
            if ping.status_code == 200 and ready.status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise DeploymentError("health", f"not ready after {timeout:.0f} s:\n{server.log_tail()}")
        await asyncio.sleep(0.1)


async def warm_up(server: ScoringServer, client: httpx.AsyncClient, example: dict[str, Any] | None,
                  timeout: float) -> None:
    """POST the model's serving input example to /invocations; anything but 200 is DeploymentError("warm-up")."""
    if example is None:
        return
    try:
        answer = await client.post(server.url + "/invocations", content=json.dumps(example),
                                   headers={"Content-Type": "application/json"}, timeout=timeout)
    except httpx.TransportError as exc:
        raise DeploymentError("warm-up", f"{type(exc).__name__}: {exc}") from exc
    if answer.status_code != 200:
        raise DeploymentError("warm-up", f"/invocations answered {answer.status_code}: {answer.text[:500]}")

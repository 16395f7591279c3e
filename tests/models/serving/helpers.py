"""Start a real scoring server in a child process and talk HTTP to it."""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlledger.services.stack.ports import free_port


@dataclass
class Server:
    """A running scoring server: its process, ports and log file."""

    process: subprocess.Popen[bytes]
    port: int
    grpc_port: int
    log: Path

    def request(self, method: str, path: str, body: bytes | str | None = None, content_type: str | None = None,
                headers: dict[str, str] | None = None, timeout: float = 60.0) -> tuple[int, dict[str, str], bytes]:
        """One HTTP request; returns (status, headers, body)."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            all_headers = dict(headers or {})
            if content_type is not None:
                all_headers["Content-Type"] = content_type
            connection.request(method, path, body=body.encode() if isinstance(body, str) else body,
                               headers=all_headers)
            response = connection.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            connection.close()

    def invoke(self, payload: Any, content_type: str = "application/json") -> tuple[int, Any]:
        """POST /invocations; returns (status, decoded JSON body)."""
        body = payload if isinstance(payload, (str, bytes)) else json.dumps(payload)
        status, _, data = self.request("POST", "/invocations", body, content_type)
        return status, json.loads(data)

    def access_log(self) -> list[dict[str, Any]]:
        """The JSON log lines the server has written so far."""
        # Read as a sequence of JSON objects rather than one per line: two workers' lines have been
        # seen sharing one line of the shared log file (a known flaw, noted in docs/serving.md).
        decoder, found = json.JSONDecoder(), []
        for line in self.log.read_text().splitlines():
            line, at = line.strip(), 0
            while line.startswith("{", at):
                value, at = decoder.raw_decode(line, at)
                found.append(value)
        return found


def serve_command(model_dir: Path | str, port: int, grpc_port: int, *extra: str) -> list[str]:
    """The command line that starts the scoring server."""
    return [sys.executable, "-m", "mlledger.models.serving", "-m", str(model_dir), "-p", str(port),
            "--grpc-port", str(grpc_port), "--log-format", "json", *extra]


@contextmanager
def scoring_server(model_dir: Path | str, log: Path, *extra: str,
                   command: Callable[[int, int], list[str]] | None = None,
                   env: dict[str, str] | None = None) -> Iterator[Server]:
    """A scoring server for `model_dir` on free ports, stopped (SIGTERM) when the block ends.

    `command(port, grpc_port)`, when given, builds the command line instead of the default one.
    """
    port, grpc_port = free_port(), free_port()
    argv = command(port, grpc_port) if command else serve_command(model_dir, port, grpc_port, *extra)
    with open(log, "wb") as out:
        process = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})})
    server = Server(process, port, grpc_port, log)
    try:
        wait_ready(server)
        yield server
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def wait_ready(server: Server, timeout: float = 120.0) -> None:
    """Wait until GET /ping answers 200 (the model is loaded)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"the scoring server exited with {server.process.returncode}:\n{server.log.read_text()}")
        try:
            if server.request("GET", "/ping", timeout=5)[0] == 200:
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"the scoring server did not answer /ping:\n{server.log.read_text()}")

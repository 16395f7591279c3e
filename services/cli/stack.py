"""Server commands: run the stack, serve one service, rebuild read models, run a relay."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from mlledger import __version__
from mlledger.services.core.config import DEFAULT_PORTS, SERVICES
from mlledger.services.core.edge_options import edge_options

DEFAULT_DATA_DIR = Path(os.environ.get("MLLEDGER_HOME", Path.home() / ".mlledger"))


def _port_option(name: str, default: int) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return click.option(f"--{name}-port", type=int, default=default, show_default=True,
                        help=f"Port for {name}.")


@click.command(short_help="Start the whole stack on this machine (embedded PostgreSQL and NATS).")
@click.option("--data-dir", type=click.Path(path_type=Path), default=DEFAULT_DATA_DIR, show_default=True,
              envvar="MLLEDGER_HOME", help="Where PostgreSQL, NATS and artifacts keep their data.")
@click.option("--database-url", envvar="MLLEDGER_DATABASE_URL", default="",
              help="Use this PostgreSQL instead of the embedded one.")
@click.option("--nats-url", envvar="MLLEDGER_NATS_URL", default="", help="Use this NATS instead of the embedded one.")
@click.option("--artifact-root", envvar="MLLEDGER_ARTIFACT_ROOT", default="",
              help="Artifact storage: a directory or s3://bucket/prefix [default: DATA_DIR/artifacts].")
@_port_option("tracking", DEFAULT_PORTS["tracking"])
@_port_option("registry", DEFAULT_PORTS["registry"])
@_port_option("artifacts", DEFAULT_PORTS["artifacts"])
@_port_option("postgres", DEFAULT_PORTS["postgres"])
@_port_option("nats", DEFAULT_PORTS["nats"])
@click.option("--gateway-port", type=int, default=5000, show_default=True,
              help="Port of the HTTP gateway serving MLflow's REST API (0: no gateway).")
@click.option("--log-format", type=click.Choice(["auto", "json", "console"]), default="json", show_default=True,
              help="Format of the services' logs (written to DATA_DIR/logs).")
@click.option("--auth", is_flag=True, help="Require credentials (an administrator token is kept in DATA_DIR/auth.env).")
def up(data_dir: Path, database_url: str, nats_url: str, artifact_root: str, tracking_port: int,
       registry_port: int, artifacts_port: int, postgres_port: int, nats_port: int, gateway_port: int,
       log_format: str, auth: bool) -> None:
    """Start the whole stack on this machine and keep it running until Ctrl-C.

    Starts embedded PostgreSQL and NATS with JetStream under DATA_DIR (unless --database-url and
    --nats-url name existing ones), then the tracking, registry and artifacts services. The next
    `mlledger up` with the same DATA_DIR finds all data again. A component that dies is restarted
    with back-off; one that keeps failing stops the stack (exit code 1). SIGINT, SIGTERM and
    SIGHUP stop it cleanly, and nothing it started outlives it.
    """
    from rich.console import Console

    from mlledger.services.stack import up as foreground
    from mlledger.services.stack.ports import PortTaken
    from mlledger.services.stack.supervisor import Stack, StackConfig

    stopping = foreground.StopRequest()
    stopping.install()  # before anything starts: a stop request is honoured at every moment
    console = Console(stderr=True, soft_wrap=True)
    ports = {"tracking": tracking_port, "registry": registry_port, "artifacts": artifacts_port,
             "postgres": postgres_port, "nats": nats_port}
    from mlledger.services.stack.local_auth import local_auth_env

    extra_env = local_auth_env(data_dir.expanduser()) if auth else {}
    stack = Stack(StackConfig(data_dir=data_dir.expanduser(), ports=ports, database_url=database_url,
                              nats_url=nats_url, artifact_root=artifact_root, log_format=log_format,
                              gateway_port=gateway_port, extra_env=extra_env),
                  cancel=stopping)
    try:
        code = foreground.run(stack, stopping, console, __version__)
    except PortTaken as exc:
        raise click.ClickException(str(exc)) from exc
    except Exception as exc:  # shown to the user; the stack is already stopped
        raise click.ClickException(f"the stack did not start: {exc}") from exc
    if code:
        raise click.exceptions.Exit(code)


@click.command(short_help="Run one service against your PostgreSQL and NATS.")
@click.argument("service", type=click.Choice(SERVICES))
@click.option("--host", envvar="MLLEDGER_HOST", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", envvar="MLLEDGER_PORT", type=int, default=0, help="Port to listen on [default: free port].")
@click.option("--database-url", envvar="MLLEDGER_DATABASE_URL", required=True,
              help="PostgreSQL URL; the service keeps its data in its own schema there.")
@click.option("--nats-url", envvar="MLLEDGER_NATS_URL", default="",
              help="NATS URL for publishing events; without it events are only logged in PostgreSQL.")
@click.option("--relay/--no-relay", envvar="MLLEDGER_RELAY", default=True, show_default=True,
              help="Publish the service's events from this process; turn off when `mlledger relay SERVICE` "
                   "runs beside it.")
@click.option("--endpoints", envvar="MLLEDGER_ENDPOINTS", default="",
              help="Other services: tracking=HOST:PORT,registry=HOST:PORT,artifacts=HOST:PORT.")
@click.option("--subject-prefix", envvar="MLLEDGER_SUBJECT_PREFIX", default="mlledger", show_default=True,
              help="First token of every NATS subject.")
@click.option("--stream-name", envvar="MLLEDGER_STREAM_NAME", default="MLLEDGER", show_default=True,
              help="JetStream stream holding the events.")
@click.option("--artifact-root", envvar="MLLEDGER_ARTIFACT_ROOT", default="",
              help="(artifacts) A directory, or s3://bucket/prefix.")
@click.option("--s3-endpoint", envvar="MLLEDGER_S3_ENDPOINT", default="", help="(artifacts) S3 endpoint host:port.")
@click.option("--s3-access-key", envvar="MLLEDGER_S3_ACCESS_KEY", default="", help="(artifacts) S3 access key.")
@click.option("--s3-secret-key", envvar="MLLEDGER_S3_SECRET_KEY", default="", help="(artifacts) S3 secret key.")
@click.option("--s3-region", envvar="MLLEDGER_S3_REGION", default="", help="(artifacts) S3 region.")
@click.option("--s3-secure/--no-s3-secure", envvar="MLLEDGER_S3_SECURE", default=False, help="(artifacts) Use TLS.")
@click.option("--log-format", envvar="MLLEDGER_LOG_FORMAT", type=click.Choice(["auto", "json", "console"]),
              default="auto", show_default=True)
@click.option("--log-level", envvar="MLLEDGER_LOG_LEVEL", default="info", show_default=True)
@edge_options
@click.option("--auth/--no-auth", envvar="MLLEDGER_AUTH", default=False, show_default=True,
              help="Require credentials on every call (settings: MLLEDGER_AUTH_*, see docs/security.md).")
def serve(service: str, host: str, port: int, database_url: str, nats_url: str, relay: bool, endpoints: str,
          subject_prefix: str, stream_name: str, artifact_root: str, s3_endpoint: str, s3_access_key: str,
          s3_secret_key: str, s3_region: str, s3_secure: bool, log_format: str, log_level: str, auth: bool,
          **edge: object) -> None:
    """Run one service (tracking, registry or artifacts) until SIGINT or SIGTERM."""
    from mlledger.services import catalog
    from mlledger.services.core import edge_options as edge_settings
    from mlledger.services.core import logging as service_logging
    from mlledger.services.core.config import Settings, parse_endpoints
    from mlledger.services.core.server import run
    from mlledger.services.eventstore.jetstream import StreamSettings

    service_logging.configure(log_format, log_level)
    try:
        parsed = parse_endpoints(endpoints)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--endpoints") from exc
    settings = Settings(
        service=service, host=host, port=port, database_url=database_url, nats_url=nats_url, relay=relay,
        stream=StreamSettings(subject_prefix=subject_prefix, stream_name=stream_name), endpoints=parsed,
        log_format=log_format, log_level=log_level, artifact_root=artifact_root, s3_endpoint=s3_endpoint,
        s3_access_key=s3_access_key, s3_secret_key=s3_secret_key, s3_region=s3_region, s3_secure=s3_secure,
        auth=auth,
    )
    edge_settings.apply(settings, edge)  # TLS, message sizes, request rates (docs/tls.md, docs/limits.md)
    from mlledger.services.auth.settings import AuthSettings

    try:
        AuthSettings.from_env(enabled=auth)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    try:
        run(catalog.definition(service), settings)
    except OSError as exc:
        raise click.ClickException(str(exc)) from exc
    except KeyboardInterrupt:
        pass


@click.command(short_help="Rebuild a service's read models from its event log.")
@click.argument("service", type=click.Choice(SERVICES))
@click.option("--database-url", envvar="MLLEDGER_DATABASE_URL", required=True, help="PostgreSQL URL.")
def rebuild(service: str, database_url: str) -> None:
    """Drop a service's read models and rebuild them by replaying its event log.

    Writes to the service wait while the replay runs; readers see the old read models until it
    commits, then the rebuilt ones.
    """
    from rich.progress import Progress

    from mlledger.services import catalog
    from mlledger.services.eventstore.database import open_pool
    from mlledger.services.eventstore.schema import migrate
    from mlledger.services.eventstore.postgres import PostgresEventStore

    async def _rebuild(progress: Progress) -> int:
        definition = catalog.definition(service)
        pool = await open_pool(database_url, min_size=1, max_size=2)
        try:
            await migrate(pool, service, definition.migrations)
            store = PostgresEventStore(pool, service, definition.projector(service))
            async with pool.connection() as conn:
                row = await (await conn.execute(f"SELECT count(*) FROM {service}.events")).fetchone()
                total = row[0] if row is not None else 0
            task = progress.add_task(f"replaying the {service} log", total=total)
            return await store.rebuild(on_progress=lambda done: progress.update(task, completed=done))
        finally:
            await pool.close()

    started = time.monotonic()
    with Progress(transient=True) as progress:
        count = asyncio.run(_rebuild(progress))
    click.echo(f"rebuilt the {service} read models from {count} events in {time.monotonic() - started:.1f}s")



@click.command(short_help="Run only the outbox relay of a service's event log.")
@click.argument("service")
@click.option("--database-url", envvar="MLLEDGER_DATABASE_URL", required=True, help="PostgreSQL URL.")
@click.option("--nats-url", envvar="MLLEDGER_NATS_URL", required=True, help="NATS URL.")
@click.option("--subject-prefix", envvar="MLLEDGER_SUBJECT_PREFIX", default="mlledger", show_default=True)
@click.option("--stream-name", envvar="MLLEDGER_STREAM_NAME", default="MLLEDGER", show_default=True)
@click.option("--log-format", envvar="MLLEDGER_LOG_FORMAT", type=click.Choice(["auto", "json", "console"]),
              default="auto", show_default=True)
def relay(service: str, database_url: str, nats_url: str, subject_prefix: str, stream_name: str,
          log_format: str) -> None:
    """Run only the outbox relay of SERVICE's event log (every service also runs one itself).

    Publishes every committed event to JetStream in order and exits on SIGINT or SIGTERM. Only one
    relay per service is active at a time; extra ones wait as hot standbys.
    """
    from mlledger.services.core import logging as service_logging
    from mlledger.services.eventstore.database import open_pool
    from mlledger.services.eventstore.jetstream import StreamSettings
    from mlledger.services.eventstore.relay import Relay
    from mlledger.services.eventstore.schema import check_identifier, migrate
    from mlledger.services.eventstore.postgres import PostgresEventStore

    service_logging.configure(log_format)
    try:
        check_identifier(service)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="SERVICE") from exc

    async def _relay() -> None:
        pool = await open_pool(database_url, min_size=1, max_size=2)
        try:
            await migrate(pool, service, [])
            store = PostgresEventStore(pool, service)
            relay = Relay(store, database_url, nats_url, service, StreamSettings(subject_prefix, stream_name))
            task = relay.start()
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, stop.set)
            await asyncio.wait([task, asyncio.ensure_future(stop.wait())], return_when=asyncio.FIRST_COMPLETED)
            await relay.stop()
        finally:
            await pool.close()

    asyncio.run(_relay())


COMMANDS = (up, serve, rebuild, relay)

"""`mlledger gateway`: serve MLflow's REST API in front of the services."""

from __future__ import annotations

import click

from mlledger.transport import DEFAULT_TRACKING_URI


@click.command(short_help="Serve MLflow's REST API (point MLFLOW_TRACKING_URI at it).")
@click.option("--host", envvar="MLLEDGER_GATEWAY_HOST", default="127.0.0.1", show_default=True,
              help="Address to listen on.")
@click.option("--port", envvar="MLLEDGER_GATEWAY_PORT", type=int, default=5000, show_default=True,
              help="Port to listen on.")
@click.option("--tracking", envvar="MLLEDGER_TRACKING_URI", default=DEFAULT_TRACKING_URI, show_default=True,
              help="Address of the tracking service.")
@click.option("--registry", envvar="MLLEDGER_GATEWAY_REGISTRY", default="",
              help="Address of the registry service [default: asked of the tracking service].")
@click.option("--artifacts", envvar="MLLEDGER_GATEWAY_ARTIFACTS", default="",
              help="Address of the artifact service [default: asked of the tracking service].")
@click.option("--log-format", envvar="MLLEDGER_LOG_FORMAT", type=click.Choice(["auto", "json", "console"]),
              default="auto", show_default=True)
@click.option("--log-level", envvar="MLLEDGER_LOG_LEVEL", default="warning", show_default=True)
def gateway(host: str, port: int, tracking: str, registry: str, artifacts: str, log_format: str,
            log_level: str) -> None:
    """Serve MLflow's REST API 2.0 on HOST:PORT, calling the services over gRPC.

    Stateless: run as many as you like behind an HTTP load balancer. MLflow clients work
    unchanged with MLFLOW_TRACKING_URI=http://HOST:PORT.
    """
    from mlledger.transport import normalize_address
    from mlledger.services.core.logging import configure
    from mlledger.services.gateway.server import serve

    configure(log_format, log_level)
    serve(host, port, normalize_address(tracking), registry, artifacts, log_level=log_level.lower())

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
@click.option("--tls-cert", envvar="MLLEDGER_GATEWAY_TLS_CERT", default="", help="PEM certificate: serve HTTPS.")
@click.option("--tls-key", envvar="MLLEDGER_GATEWAY_TLS_KEY", default="", help="PEM private key of --tls-cert.")
@click.option("--rate-limit", envvar="MLLEDGER_GATEWAY_RATE_LIMIT", default="",
              help="Requests per principal, e.g. 200/s [default: unlimited]; over it: 429 with Retry-After.")
@click.option("--rate-burst", envvar="MLLEDGER_GATEWAY_RATE_BURST", type=click.IntRange(0), default=0,
              help="Requests a principal may send at once [default: two seconds' worth].")
@click.option("--auth/--no-auth", envvar="MLLEDGER_AUTH", default=False, show_default=True,
              help="Require a credential on every request, forwarded to the services (docs/security.md).")
def gateway(host: str, port: int, tracking: str, registry: str, artifacts: str, log_format: str,
            log_level: str, tls_cert: str, tls_key: str, rate_limit: str, rate_burst: int, auth: bool) -> None:
    """Serve MLflow's REST API 2.0 on HOST:PORT, calling the services over gRPC.

    Stateless: run as many as you like behind an HTTP load balancer. MLflow clients work
    unchanged with MLFLOW_TRACKING_URI=http://HOST:PORT.
    """
    from mlledger.transport import normalize_address
    from mlledger.services.core.logging import configure
    from mlledger.services.gateway.server import serve

    from mlledger.services.core.rate_limit import rate_limit as parse_limit

    if bool(tls_cert) != bool(tls_key):
        raise click.BadParameter("--tls-cert and --tls-key go together", param_hint="--tls-cert/--tls-key")
    try:
        limit = parse_limit(rate_limit, rate_burst)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--rate-limit") from exc
    configure(log_format, log_level)
    serve(host, port, normalize_address(tracking), registry, artifacts, log_level=log_level.lower(),
          cert_file=tls_cert, key_file=tls_key, limit=limit, auth=auth)

"""The `mlledger serve` flags for a service's edge: TLS, mutual TLS, message sizes and request rates."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from mlledger.services.core.config import Settings
from mlledger.services.core.rate_limit import rate_limit
from mlledger.services.core.tls import peer_tls, server_tls

_OPTIONS = [
    click.option("--tls-cert", envvar="MLLEDGER_TLS_CERT", default="",
                 help="PEM certificate (chain) to serve TLS with; needs --tls-key."),
    click.option("--tls-key", envvar="MLLEDGER_TLS_KEY", default="", help="PEM private key of --tls-cert."),
    click.option("--tls-client-ca", envvar="MLLEDGER_TLS_CLIENT_CA", default="",
                 help="PEM CA file: require client certificates signed by it (mutual TLS)."),
    click.option("--tls-ca", envvar="MLLEDGER_TLS_CA", default="",
                 help="PEM CA file the other services' certificates are checked against [default: system CAs]."),
    click.option("--tls-client-cert", envvar="MLLEDGER_TLS_CLIENT_CERT", default="",
                 help="Certificate shown when calling other services [default: --tls-cert]."),
    click.option("--tls-client-key", envvar="MLLEDGER_TLS_CLIENT_KEY", default="",
                 help="Key of --tls-client-cert [default: --tls-key]."),
    click.option("--max-message-bytes", envvar="MLLEDGER_MAX_MESSAGE_BYTES", type=click.IntRange(1024),
                 default=64 * 1024 * 1024, show_default=True,
                 help="Largest gRPC message received or sent; larger ones get RESOURCE_EXHAUSTED."),
    click.option("--rate-limit", envvar="MLLEDGER_RATE_LIMIT", default="",
                 help="Requests per principal, e.g. 200/s or 6000/min [default: unlimited]."),
    click.option("--rate-burst", envvar="MLLEDGER_RATE_BURST", type=click.IntRange(0), default=0,
                 help="Requests a principal may send at once [default: two seconds' worth]."),
]
NAMES = ("tls_cert", "tls_key", "tls_client_ca", "tls_ca", "tls_client_cert", "tls_client_key",
         "max_message_bytes", "rate_limit", "rate_burst")


def edge_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Add the edge flags to a click command (they arrive as keyword arguments named in NAMES)."""
    for option in reversed(_OPTIONS):
        command = option(command)
    return command


def apply(settings: Settings, values: dict[str, Any]) -> Settings:
    """Fill `settings` from the flags' values; a bad combination is a click.BadParameter naming the flag."""
    try:
        settings.tls = server_tls(values["tls_cert"], values["tls_key"], values["tls_client_ca"])
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--tls-cert/--tls-key/--tls-client-ca") from exc
    settings.peer_tls = peer_tls(settings.tls, values["tls_ca"], values["tls_client_cert"], values["tls_client_key"])
    settings.max_message_bytes = values["max_message_bytes"]
    try:
        settings.rate_limit = rate_limit(values["rate_limit"], values["rate_burst"])
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--rate-limit/--rate-burst") from exc
    return settings

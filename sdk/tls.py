"""TLS for gRPC channels to mlledger services: which CA to trust and, for mutual TLS, which certificate to show.

A channel is encrypted when the address is written `grpcs://host:port` or when a CA file is
configured (`MLLEDGER_TLS_CA`); it then presents a client certificate when one is configured
(`MLLEDGER_TLS_CLIENT_CERT` and `MLLEDGER_TLS_CLIENT_KEY`), as servers started with
`--tls-client-ca` require. Without any of these, channels stay plain, as on a laptop.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import grpc

from mlledger import errors

CA_ENV = "MLLEDGER_TLS_CA"
CLIENT_CERT_ENV = "MLLEDGER_TLS_CLIENT_CERT"
CLIENT_KEY_ENV = "MLLEDGER_TLS_CLIENT_KEY"
SERVER_NAME_ENV = "MLLEDGER_TLS_SERVER_NAME"
#: The URI scheme that asks for TLS (with the system's trusted CAs unless MLLEDGER_TLS_CA names one).
SECURE_SCHEME = "grpcs://"


def _read(path: str, what: str) -> bytes:
    try:
        return Path(path).expanduser().read_bytes()
    except OSError as exc:
        raise errors.InvalidArgument(what, f"cannot read {what} file {path!r}: {exc.strerror or exc}") from exc


@dataclass(frozen=True)
class ClientTls:
    """How a client secures its channels: off, server-authenticated TLS, or mutual TLS."""

    #: Whether channels use TLS at all.
    enabled: bool = False
    #: PEM file of the CA that signed the servers' certificates (empty: the system's trusted CAs).
    ca_file: str = ""
    #: PEM certificate and key this client presents (mutual TLS); both or neither.
    cert_file: str = ""
    key_file: str = ""
    #: Name to check the server's certificate against instead of the address's host.
    server_name: str = ""

    @classmethod
    def from_env(cls, *, secure_scheme: bool = False) -> ClientTls:
        """The settings from MLLEDGER_TLS_* variables; `secure_scheme` when the address was grpcs://."""
        ca = os.environ.get(CA_ENV, "")
        cert, key = os.environ.get(CLIENT_CERT_ENV, ""), os.environ.get(CLIENT_KEY_ENV, "")
        return cls(enabled=secure_scheme or bool(ca), ca_file=ca, cert_file=cert, key_file=key,
                   server_name=os.environ.get(SERVER_NAME_ENV, ""))

    def with_scheme(self, secure_scheme: bool) -> ClientTls:
        """These settings, turned on if the address asked for TLS."""
        return replace(self, enabled=True) if secure_scheme and not self.enabled else self

    def credentials(self) -> grpc.ChannelCredentials:
        """The channel credentials (files are read now, so a missing one fails early and by name)."""
        if bool(self.cert_file) != bool(self.key_file):
            raise errors.InvalidArgument(CLIENT_CERT_ENV if not self.cert_file else CLIENT_KEY_ENV,
                                         "a client certificate needs both its certificate and its key file")
        root = _read(self.ca_file, CA_ENV) if self.ca_file else None
        key = _read(self.key_file, CLIENT_KEY_ENV) if self.key_file else None
        cert = _read(self.cert_file, CLIENT_CERT_ENV) if self.cert_file else None
        return grpc.ssl_channel_credentials(root_certificates=root, private_key=key, certificate_chain=cert)

    def options(self) -> list[tuple[str, Any]]:
        """Channel options these settings need (the name override for the certificate check)."""
        return [("grpc.ssl_target_name_override", self.server_name)] if self.enabled and self.server_name else []

    def channel(self, address: str, options: Sequence[tuple[str, Any]] | None = None) -> grpc.Channel:
        """A blocking channel to `address` (host:port), secure when enabled."""
        options = [*(options or []), *self.options()]
        if not self.enabled:
            return grpc.insecure_channel(address, options=options)
        return grpc.secure_channel(address, self.credentials(), options=options)

    def aio_channel(self, address: str, options: Sequence[tuple[str, Any]] | None = None,
                    interceptors: Sequence[grpc.aio.ClientInterceptor] | None = None) -> grpc.aio.Channel:
        """An asyncio channel to `address` (host:port), secure when enabled."""
        options = [*(options or []), *self.options()]
        if not self.enabled:
            return grpc.aio.insecure_channel(address, options=options, interceptors=interceptors)
        return grpc.aio.secure_channel(address, self.credentials(), options=options, interceptors=interceptors)


def split_scheme(uri: str) -> tuple[str, bool]:
    """(the URI without a grpcs:// prefix, whether it had one)."""
    if uri.startswith(SECURE_SCHEME):
        return uri[len(SECURE_SCHEME):], True
    return uri, False


__all__ = ["CA_ENV", "CLIENT_CERT_ENV", "CLIENT_KEY_ENV", "SECURE_SCHEME", "SERVER_NAME_ENV", "ClientTls",
           "split_scheme"]

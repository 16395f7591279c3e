"""TLS on a service's port (and mutual TLS when a client CA is given), and on its channels to other services.

A service started with a certificate and key serves only TLS; with a client CA as well, it
accepts only clients showing a certificate that CA signed. Its own calls to the other services
(the registry's to the artifact service) then use TLS too, trusting `tls_ca` (or the system's
CAs) and showing the service's own certificate, so a deployment with mutual TLS needs no
second key pair.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import grpc

from mlledger.tls import ClientTls


def _read(path: str, flag: str) -> bytes:
    try:
        return Path(path).expanduser().read_bytes()
    except OSError as exc:
        raise OSError(f"{flag}: cannot read {path!r}: {exc.strerror or exc}") from exc


@dataclass(frozen=True)
class ServerTls:
    """The files a service serves TLS with."""

    #: PEM certificate chain and private key of this service.
    cert_file: str
    key_file: str
    #: PEM file of the CA whose client certificates are accepted; set, it makes TLS mutual.
    client_ca_file: str = ""

    @property
    def mutual(self) -> bool:
        return bool(self.client_ca_file)

    def credentials(self) -> grpc.ServerCredentials:
        """Server credentials from the files (read now, so a bad path stops the start with its flag named)."""
        pair = (_read(self.key_file, "--tls-key"), _read(self.cert_file, "--tls-cert"))
        client_ca = _read(self.client_ca_file, "--tls-client-ca") if self.client_ca_file else None
        return grpc.ssl_server_credentials([pair], root_certificates=client_ca, require_client_auth=self.mutual)


def server_tls(cert_file: str, key_file: str, client_ca_file: str) -> ServerTls | None:
    """The TLS settings from the three flags, or None when TLS is off; half a key pair is an error."""
    if not cert_file and not key_file:
        if client_ca_file:
            raise ValueError("--tls-client-ca needs --tls-cert and --tls-key (mutual TLS is TLS first)")
        return None
    if not (cert_file and key_file):
        raise ValueError("--tls-cert and --tls-key go together")
    return ServerTls(cert_file, key_file, client_ca_file)


def peer_tls(own: ServerTls | None, ca_file: str, client_cert: str = "", client_key: str = "") -> ClientTls:
    """How this service calls the others: TLS when it serves TLS or trusts a CA, showing its own certificate."""
    cert, key = (client_cert, client_key) if client_cert else ((own.cert_file, own.key_file) if own else ("", ""))
    return ClientTls(enabled=own is not None or bool(ca_file), ca_file=ca_file, cert_file=cert, key_file=key)


def bind(server: grpc.aio.Server, address: str, tls: ServerTls | None) -> int:
    """Listen on `address`, with TLS when configured; returns the port (0 when it could not bind)."""
    if tls is None:
        return int(server.add_insecure_port(address))
    return int(server.add_secure_port(address, tls.credentials()))

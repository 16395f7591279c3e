"""`mlledger.Client`: every RPC of every service, with plain Python types."""

from __future__ import annotations

from mlledger._client_artifacts import ArtifactsCalls
from mlledger._client_purge import PurgeCalls
from mlledger._client_auth import AuthCalls
from mlledger._client_registry import RegistryCalls
from mlledger._client_tracking import TrackingCalls
from mlledger.tls import ClientTls
from mlledger.transport import Transport


class Client(TrackingCalls, ArtifactsCalls, RegistryCalls, PurgeCalls, AuthCalls):
    """A client of one mlledger deployment.

    `tracking_uri` is "host:port" of the tracking service (default: MLLEDGER_TRACKING_URI, else
    the stack `mlledger up` starts on this machine); the registry and artifact services are
    found from there. `grpcs://host:port` or `tls` (default: the MLLEDGER_TLS_* variables)
    secures the channels, see docs/tls.md. `token` (default: MLLEDGER_TOKEN, else
    ~/.mlledger/credentials) is sent on every call to deployments that require authentication.
    """

    def __init__(self, tracking_uri: str | None = None, *, actor: str | None = None,
                 retry_seconds: float | None = None, tls: ClientTls | None = None, token: str | None = None) -> None:
        self._transport = Transport(tracking_uri, actor=actor, retry_seconds=retry_seconds, tls=tls, token=token)

    @property
    def tracking_uri(self) -> str:
        return self._transport.tracking_uri

    def close(self) -> None:
        """Close the channels."""
        self._transport.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

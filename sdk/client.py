"""`mlledger.Client`: every RPC of every service, with plain Python types."""

from __future__ import annotations

from mlledger._client_artifacts import ArtifactsCalls
from mlledger._client_registry import RegistryCalls
from mlledger._client_tracking import TrackingCalls
from mlledger.transport import Transport


class Client(TrackingCalls, ArtifactsCalls, RegistryCalls):
    """A client of one mlledger deployment.

    `tracking_uri` is "host:port" of the tracking service (default: MLLEDGER_TRACKING_URI, else
    the stack `mlledger up` starts on this machine); the registry and artifact services are
    found from there.
    """

    def __init__(self, tracking_uri: str | None = None, *, actor: str | None = None,
                 retry_seconds: float | None = None) -> None:
        self._transport = Transport(tracking_uri, actor=actor, retry_seconds=retry_seconds)

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

"""How the SDK talks to the services: channels, discovery, call metadata, retries, errors.

One address (the tracking URI) is configured; the other services' addresses come from the
DiscoveryService of the service there. Every write carries an idempotency key that stays the
same across retries, so a call retried after UNAVAILABLE or a lost reply is applied once.
"""

from __future__ import annotations

import getpass
import os
import random
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

import grpc

from mlledger import _status, errors, limits
from mlledger._credentials import find_token
from mlledger.v1 import common_pb2, common_pb2_grpc

DEFAULT_TRACKING_URI = "127.0.0.1:50051"
TRACKING_URI_ENV = "MLLEDGER_TRACKING_URI"
ACTOR_ENV = "MLLEDGER_ACTOR"
RETRY_SECONDS_ENV = "MLLEDGER_RETRY_SECONDS"

_CHANNEL_OPTIONS = [
    ("grpc.max_send_message_length", 64 * 1024 * 1024),
    ("grpc.max_receive_message_length", 64 * 1024 * 1024),
    ("grpc.keepalive_time_ms", 30_000),
    ("grpc.initial_reconnect_backoff_ms", 100),
    ("grpc.max_reconnect_backoff_ms", 2_000),
    ("grpc.enable_retries", 0),
]

T = TypeVar("T")


def normalize_address(uri: str) -> str:
    """"grpc://host:port", "mlledger://host:port" or "host:port" -> "host:port"."""
    for scheme in ("grpc://", "mlledger://", "http://"):
        if uri.startswith(scheme):
            uri = uri[len(scheme):]
    uri = uri.rstrip("/")
    if not uri or ":" not in uri:
        raise errors.InvalidArgument("tracking_uri", f"expected HOST:PORT (e.g. {DEFAULT_TRACKING_URI}), got {uri!r}")
    return uri


def default_actor() -> str:
    """Who the SDK acts as: MLLEDGER_ACTOR, else the operating-system user."""
    actor = os.environ.get(ACTOR_ENV)
    if actor:
        return actor
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


class Transport:
    """Channels to the services of one deployment, and the one way calls are made."""

    def __init__(self, tracking_uri: str | None = None, *, actor: str | None = None,
                 retry_seconds: float | None = None, token: str | None = None) -> None:
        self.tracking_uri = normalize_address(tracking_uri or os.environ.get(TRACKING_URI_ENV) or DEFAULT_TRACKING_URI)
        self.actor = actor or default_actor()
        #: The API token or JWT sent as "authorization: Bearer" (deployments with authentication on).
        self.token = find_token(token)
        self.retry_seconds = float(os.environ.get(RETRY_SECONDS_ENV, "30")) if retry_seconds is None else retry_seconds
        self._channels: dict[str, grpc.Channel] = {}
        self._endpoints: dict[str, str] | None = None
        self._lock = threading.Lock()

    def _channel_to(self, address: str) -> grpc.Channel:
        with self._lock:
            if address not in self._channels:
                self._channels[address] = grpc.insecure_channel(address, options=_CHANNEL_OPTIONS)
            return self._channels[address]

    def endpoints(self) -> dict[str, str]:
        """Addresses of the deployment's services, asked once of the service at the tracking URI."""
        if self._endpoints is None:
            stub = common_pb2_grpc.DiscoveryServiceStub(self._channel_to(self.tracking_uri))
            response = self.call(stub.GetEndpoints, common_pb2.GetEndpointsRequest(), write=False)
            self._endpoints = {endpoint.name: endpoint.address for endpoint in response.endpoints}
        return self._endpoints

    def channel(self, service: str) -> grpc.Channel:
        """The channel to `service` ("tracking", "registry", "artifacts")."""
        if service == "tracking":
            return self._channel_to(self.tracking_uri)
        address = self.endpoints().get(service)
        if not address:
            raise errors.Unavailable(f"the deployment at {self.tracking_uri} has no {service} service")
        return self._channel_to(address)

    def metadata(self, *, write: bool, request_id: str | None = None) -> list[tuple[str, str]]:
        """Metadata for one logical call (the same on each of its retries)."""
        metadata = [("x-mlledger-actor", self.actor), ("x-correlation-id", uuid.uuid4().hex)]
        if self.token:
            metadata.append(("authorization", f"Bearer {self.token}"))
        if write:
            metadata.append(("x-mlledger-request-id", request_id or uuid.uuid4().hex))
        return metadata

    def call(self, method: Callable[..., T], request: Any, *, write: bool = True, timeout: float | None = 60.0,
             metadata: list[tuple[str, str]] | None = None) -> T:
        """Invoke a unary RPC; retries UNAVAILABLE for up to `retry_seconds`; raises mlledger.errors."""
        # The services' own edge limits, checked here first: a bad request fails without a round trip.
        limits.check_message(request)
        metadata = metadata or self.metadata(write=write)
        return self.retrying(lambda: method(request, metadata=metadata, timeout=timeout))

    def retrying(self, attempt: Callable[[], T]) -> T:
        """Run `attempt` until it does not fail with UNAVAILABLE, or the retry budget is spent."""
        deadline = time.monotonic() + self.retry_seconds
        delay = 0.05
        while True:
            try:
                return attempt()
            except grpc.RpcError as exc:
                code = exc.code() if hasattr(exc, "code") else None
                if code == grpc.StatusCode.UNAVAILABLE and time.monotonic() + delay < deadline:
                    time.sleep(delay * (0.5 + random.random()))
                    delay = min(delay * 2, 1.0)
                    continue
                raise _status.from_rpc_error(exc) from None

    def close(self) -> None:
        with self._lock:
            for channel in self._channels.values():
                channel.close()
            self._channels.clear()

"""How the SDK talks to the services: channels, discovery, call metadata, retries, errors.

One address (the tracking URI) is configured; the other services' addresses come from the
DiscoveryService of the service there. Every write carries an idempotency key that stays the
same across retries, so a call retried after UNAVAILABLE or a lost reply is applied once.
A failed call's status and google.rpc details become the same `mlledger.errors` class the
service raised (`from_rpc_error`); the servers produce those statuses with their own
translation (`mlledger.services.core.status`).
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

from google.rpc import error_details_pb2
from grpc_status import rpc_status

from mlledger import errors, limits
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
                 retry_seconds: float | None = None) -> None:
        self.tracking_uri = normalize_address(tracking_uri or os.environ.get(TRACKING_URI_ENV) or DEFAULT_TRACKING_URI)
        self.actor = actor or default_actor()
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
                raise from_rpc_error(exc) from None

    def close(self) -> None:
        with self._lock:
            for channel in self._channels.values():
                channel.close()
            self._channels.clear()


_BY_CODE: dict[grpc.StatusCode, type[errors.MlledgerError]] = {
    grpc.StatusCode[cls.code]: cls
    for cls in (
        errors.InvalidArgument,
        errors.NotFound,
        errors.AlreadyExists,
        errors.FailedPrecondition,
        errors.ConcurrencyConflict,
        errors.ResourceExhausted,
        errors.Unavailable,
        errors.DeadlineExceeded,
        errors.Unauthenticated,
        errors.PermissionDenied,
        errors.InternalError,
    )
}


def from_rpc_error(error: grpc.RpcError) -> errors.MlledgerError:
    """The mlledger error for a failed call, details parsed back into attributes."""
    code = error.code() if hasattr(error, "code") else grpc.StatusCode.UNKNOWN
    message = (error.details() if hasattr(error, "details") else None) or str(code)
    status = rpc_status.from_call(error) if hasattr(error, "trailing_metadata") else None
    detail_map: dict[str, object] = {}
    reason = None
    for packed in status.details if status is not None else ():
        for kind in (
            error_details_pb2.ErrorInfo,
            error_details_pb2.BadRequest,
            error_details_pb2.ResourceInfo,
            error_details_pb2.PreconditionFailure,
            error_details_pb2.QuotaFailure,
        ):
            if packed.Is(kind.DESCRIPTOR):
                detail = kind()
                packed.Unpack(detail)
                detail_map[kind.__name__] = detail
    if "ErrorInfo" in detail_map:
        reason = detail_map["ErrorInfo"].reason  # type: ignore[attr-defined]
    cls = _BY_CODE.get(code)
    result: errors.MlledgerError
    if cls is errors.InvalidArgument:
        bad = detail_map.get("BadRequest")
        violation = bad.field_violations[0] if bad is not None and bad.field_violations else None  # type: ignore[attr-defined]
        if violation is not None:
            result = errors.InvalidArgument(violation.field, violation.description, reason=reason)
        else:
            result = errors.InvalidArgument("", message, reason=reason)
    elif cls in (errors.NotFound, errors.AlreadyExists):
        info = detail_map.get("ResourceInfo")
        result = cls(
            getattr(info, "resource_type", ""), getattr(info, "resource_name", ""), message
        )
    elif cls is errors.FailedPrecondition:
        failure = detail_map.get("PreconditionFailure")
        violation = failure.violations[0] if failure is not None and failure.violations else None  # type: ignore[attr-defined]
        result = errors.FailedPrecondition(
            message, subject=getattr(violation, "subject", ""), type=getattr(violation, "type", "STATE"), reason=reason
        )
    elif cls is errors.ResourceExhausted:
        quota = detail_map.get("QuotaFailure")
        violation = quota.violations[0] if quota is not None and quota.violations else None  # type: ignore[attr-defined]
        result = errors.ResourceExhausted(getattr(violation, "subject", ""), message)
    elif cls is not None:
        result = cls(message, reason=reason)
    else:
        result = errors.MlledgerError(f"{code.name}: {message}", reason=reason)
        result.code = code.name
    result.__cause__ = error
    return result

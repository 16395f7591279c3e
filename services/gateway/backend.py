"""gRPC channels to the three services and the per-request call metadata (actor, correlation id)."""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import grpc
from starlette.requests import Request

from mlledger.services.core import clients
from mlledger.services.core.context import ACTOR_HEADER, ANONYMOUS, CORRELATION_ID_HEADER
from mlledger.services.gateway.errors import from_rpc_error
from mlledger.v1 import (artifacts_pb2_grpc, common_pb2, common_pb2_grpc, registry_pb2_grpc,
                         tracking_pb2_grpc)

T = TypeVar("T")

#: HTTP headers a caller may name itself or its correlation id with.
HTTP_ACTOR_HEADER = "x-mlledger-actor"
HTTP_CORRELATION_HEADERS = ("x-correlation-id", "x-request-id")
CALL_TIMEOUT = 120.0


class Services:
    """Stubs of the tracking, registry and artifact services over grpc.aio channels."""

    def __init__(self, endpoints: dict[str, str]) -> None:
        self.endpoints = dict(endpoints)
        self._channels: list[grpc.aio.Channel] = []
        self.tracking = tracking_pb2_grpc.TrackingServiceStub(self._channel(endpoints["tracking"]))
        self.registry = registry_pb2_grpc.RegistryServiceStub(self._channel(endpoints["registry"]))
        self.artifacts = artifacts_pb2_grpc.ArtifactServiceStub(self._channel(endpoints["artifacts"]))

    def _channel(self, address: str) -> grpc.aio.Channel:
        channel = clients.channel(address)
        self._channels.append(channel)
        return channel

    async def close(self) -> None:
        for channel in self._channels:
            await channel.close()


async def discover(tracking: str, given: dict[str, str]) -> dict[str, str]:
    """The services' addresses: those given, the rest asked of the tracking service's discovery."""
    endpoints = {"tracking": tracking, **{name: address for name, address in given.items() if address}}
    if all(name in endpoints for name in ("registry", "artifacts")):
        return endpoints
    async with grpc.aio.insecure_channel(tracking) as channel:
        stub = common_pb2_grpc.DiscoveryServiceStub(channel)
        response = await stub.GetEndpoints(common_pb2.GetEndpointsRequest(), timeout=30)
    for endpoint in response.endpoints:
        endpoints.setdefault(endpoint.name, endpoint.address)
    return endpoints


def actor_of(request: Request) -> str:
    """Who is calling: the X-Mlledger-Actor header, else the basic-auth user, else anonymous."""
    actor = request.headers.get(HTTP_ACTOR_HEADER, "").strip()
    if actor:
        return actor
    authorization = request.headers.get("authorization", "")
    scheme, _, credentials = authorization.partition(" ")
    if scheme.lower() == "basic" and credentials:
        try:
            user = base64.b64decode(credentials.strip()).decode().partition(":")[0]
        except (binascii.Error, UnicodeDecodeError):
            user = ""
        if user:
            return user
    return ANONYMOUS


@dataclass(frozen=True)
class Caller:
    """One HTTP request's identity, forwarded on every gRPC call made for it."""

    services: Services
    actor: str
    correlation_id: str

    @classmethod
    def of(cls, request: Request) -> Caller:
        correlation = next((request.headers[h] for h in HTTP_CORRELATION_HEADERS if request.headers.get(h)), "")
        return cls(request.app.state.services, actor_of(request), correlation or uuid.uuid4().hex)

    @property
    def metadata(self) -> tuple[tuple[str, str], ...]:
        return ((ACTOR_HEADER, self.actor), (CORRELATION_ID_HEADER, self.correlation_id))

    async def call(self, method: Callable[..., Any], request: Any) -> Any:
        """A unary call; a failure becomes the MLflow error for its status."""
        try:
            return await method(request, metadata=self.metadata, timeout=CALL_TIMEOUT)
        except grpc.aio.AioRpcError as exc:
            raise from_rpc_error(exc) from None

    async def stream_in(self, method: Callable[..., Any], requests: AsyncIterator[Any]) -> Any:
        """A client-streaming call."""
        try:
            return await method(requests, metadata=self.metadata, timeout=None)
        except grpc.aio.AioRpcError as exc:
            raise from_rpc_error(exc) from None

    def stream_out(self, method: Callable[..., Any], request: Any) -> Any:
        """A server-streaming call (iterate it; failures surface as AioRpcError)."""
        return method(request, metadata=self.metadata)

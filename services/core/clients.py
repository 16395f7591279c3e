"""Calls from a service to another: channels whose every call carries the caller's identity.

A service calling another on behalf of a request (the registry asking the artifact service for
a snapshot, the gateway calling the services) forwards the request context's actor and
correlation id, so the events the other service records name who acted and which call they
belong to. Metadata the caller sets itself (the gateway's per-request identity) is kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import grpc

from mlledger.services.core import context as request_context

#: Channel options shared by every service-to-service channel.
CHANNEL_OPTIONS: Sequence[tuple[str, Any]] = (
    ("grpc.max_send_message_length", 64 * 1024 * 1024),
    ("grpc.max_receive_message_length", 64 * 1024 * 1024),
    ("grpc.keepalive_time_ms", 30_000),
    ("grpc.initial_reconnect_backoff_ms", 100),
    ("grpc.max_reconnect_backoff_ms", 2_000),
)


def forwarded_metadata(metadata: Sequence[tuple[str, str | bytes]] | None) -> list[tuple[str, str | bytes]]:
    """`metadata` completed with the current request's actor and correlation id (where not set)."""
    result = list(metadata or ())
    present = {key for key, _ in result}
    ctx = request_context.current()
    if request_context.ACTOR_HEADER not in present:
        result.append((request_context.ACTOR_HEADER, ctx.actor))
    if request_context.CORRELATION_ID_HEADER not in present and ctx.correlation_id:
        result.append((request_context.CORRELATION_ID_HEADER, ctx.correlation_id))
    return result


def _forwarding(details: grpc.aio.ClientCallDetails) -> grpc.aio.ClientCallDetails:
    return grpc.aio.ClientCallDetails(details.method, details.timeout, forwarded_metadata(details.metadata),
                                      details.credentials, details.wait_for_ready)


class IdentityForwarding(grpc.aio.UnaryUnaryClientInterceptor, grpc.aio.UnaryStreamClientInterceptor,
                         grpc.aio.StreamUnaryClientInterceptor, grpc.aio.StreamStreamClientInterceptor):
    """Adds the request context's actor and correlation id to every outgoing call."""

    async def intercept_unary_unary(self, continuation: Any, client_call_details: grpc.aio.ClientCallDetails,
                                    request: Any) -> Any:
        return await continuation(_forwarding(client_call_details), request)

    async def intercept_unary_stream(self, continuation: Any, client_call_details: grpc.aio.ClientCallDetails,
                                     request: Any) -> Any:
        return await continuation(_forwarding(client_call_details), request)

    async def intercept_stream_unary(self, continuation: Any, client_call_details: grpc.aio.ClientCallDetails,
                                     request_iterator: Any) -> Any:
        return await continuation(_forwarding(client_call_details), request_iterator)

    async def intercept_stream_stream(self, continuation: Any, client_call_details: grpc.aio.ClientCallDetails,
                                      request_iterator: Any) -> Any:
        return await continuation(_forwarding(client_call_details), request_iterator)


def channel(address: str) -> grpc.aio.Channel:
    """A channel to another service whose calls forward the caller's identity and correlation."""
    return grpc.aio.insecure_channel(address, options=list(CHANNEL_OPTIONS), interceptors=[IdentityForwarding()])

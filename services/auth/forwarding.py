"""Calls one service makes to another: its own credential, and the caller it acts for.

The receiving service authenticates the service credential and, because it is a service's,
trusts the x-mlledger-on-behalf-of header: the call is then checked and recorded as the
original caller's (e.g. the artifact.snapshotted event of a new version names its creator).
"""

from __future__ import annotations

from typing import Any

import grpc

from mlledger.services.auth.access import current_principal
from mlledger.services.auth.principal import AUTHORIZATION_HEADER, ON_BEHALF_OF_ADMIN_HEADER, ON_BEHALF_OF_HEADER


class ForwardIdentity(grpc.aio.UnaryUnaryClientInterceptor, grpc.aio.UnaryStreamClientInterceptor,
                      grpc.aio.StreamUnaryClientInterceptor):
    """Adds the service credential and the current caller to every outgoing call."""

    def __init__(self, service_token: str) -> None:
        self._authorization = (AUTHORIZATION_HEADER, f"Bearer {service_token}")

    def _details(self, details: grpc.aio.ClientCallDetails) -> grpc.aio.ClientCallDetails:
        metadata = grpc.aio.Metadata(*(details.metadata or ()))
        metadata.add(*self._authorization)
        principal = current_principal.get()
        if principal is not None and not principal.is_service:
            metadata.add(ON_BEHALF_OF_HEADER, principal.name)
            if principal.is_admin:
                metadata.add(ON_BEHALF_OF_ADMIN_HEADER, "true")
        return grpc.aio.ClientCallDetails(details.method, details.timeout, metadata, details.credentials,
                                          details.wait_for_ready)

    async def intercept_unary_unary(self, continuation: Any, client_call_details: Any, request: Any) -> Any:
        return await continuation(self._details(client_call_details), request)

    async def intercept_unary_stream(self, continuation: Any, client_call_details: Any, request: Any) -> Any:
        return await continuation(self._details(client_call_details), request)

    async def intercept_stream_unary(self, continuation: Any, client_call_details: Any,
                                     request_iterator: Any) -> Any:
        return await continuation(self._details(client_call_details), request_iterator)

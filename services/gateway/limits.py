"""The gateway's edge limits: request rates per principal (429 with Retry-After) and request body size (413).

The principal is whoever `backend.actor_of` says calls; the buckets are the services' own
(`services/core/rate_limit.py`). The body limit reads Content-Length and counts streamed bytes,
so a request without a length cannot slip past it; artifact uploads stream and are exempt.
"""

from __future__ import annotations

import math

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mlledger.services.core.rate_limit import RateLimit, TokenBuckets
from mlledger.services.gateway.backend import actor_of
from mlledger.services.gateway.errors import MlflowError

#: Paths never limited: probes must answer while a principal is throttled.
EXEMPT = ("/health", "/version")
#: Largest JSON body of a REST call (MLflow's own requests are far smaller; artifacts stream elsewhere).
MAX_BODY_BYTES = 16 * 1024 * 1024
#: Paths whose bodies are artifact bytes streamed to the artifact service.
STREAMED = ("/api/2.0/mlflow-artifacts/artifacts/", "/ajax-api/2.0/mlflow-artifacts/artifacts/")


class BodyTooLarge(MlflowError):
    """A request body over the limit: 413, raised from the body stream so any handler answers it."""

    def __init__(self, limit: int) -> None:
        super().__init__("BAD_REQUEST", f"request body exceeds the gateway's limit of {limit} bytes")

    @property
    def status(self) -> int:
        return 413


class EdgeLimits:
    """ASGI middleware: per-principal rate limit and body size limit in front of every route."""

    def __init__(self, app: ASGIApp, limit: RateLimit | None = None, max_body_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.buckets = TokenBuckets(limit) if limit is not None else None
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in EXEMPT:
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        if self.buckets is not None:
            actor = actor_of(request)
            wait = self.buckets.take(actor)
            if wait:
                error = MlflowError("REQUEST_LIMIT_EXCEEDED",
                                    f"rate limit exceeded: {self.buckets.limit.describe()} per principal; "
                                    f"retry in {math.ceil(wait)} s", retry_after=wait)
                await error.response()(scope, receive, send)
                return
        if scope["path"].startswith(STREAMED):
            await self.app(scope, receive, send)
            return
        length = request.headers.get("content-length", "")
        if length.isdigit() and int(length) > self.max_body_bytes:
            await self._too_large(scope, receive, send)
            return
        await self._counted(scope, receive, send)

    async def _counted(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on, failing it with 413 once more body bytes arrive than allowed."""
        seen = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_body_bytes:
                raise BodyTooLarge(self.max_body_bytes)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await self._too_large(scope, receive, send)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        await BodyTooLarge(self.max_body_bytes).response()(scope, receive, send)

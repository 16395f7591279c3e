"""The one place where errors become gRPC statuses, and where each call's context is set.

Every handler runs wrapped: its metadata becomes the request context (actor, correlation id,
request id) and is bound into the logs; the request passes the edge checks (`validation`); an
mlledger error becomes its precise status with google.rpc details; a database or file-system
failure becomes the status its cause calls for; anything else is logged as a bug and answered
INTERNAL.
"""

from __future__ import annotations

import inspect
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, Protocol

import grpc
import structlog

from mlledger import _status, errors
from mlledger.services.core import context as request_context
from mlledger.services.core import validation
from mlledger.services.core.failures import classify
from mlledger.services.core.logging import get_logger
from mlledger.services.eventstore.database import translate

log = get_logger("rpc")


def _to_error(exc: Exception, method: str) -> errors.MlledgerError:
    mapped = translate(exc) or classify(exc)
    if mapped is not None:
        if not isinstance(exc, errors.MlledgerError):
            log.warning("failure mapped to a status", method=method, status=mapped.code.name,
                        error=f"{type(exc).__name__}: {str(exc)[:500]}")
        return mapped
    log.exception("unhandled error", method=method)
    call = structlog.contextvars.get_contextvars().get("request_id", "")
    return errors.InternalError(f"internal error in {method}: {type(exc).__name__} (request {call})")


class _CallScope:
    """Activates the request context and structlog bindings for one call."""

    def __init__(self, context: grpc.aio.ServicerContext, method: str) -> None:
        self.ctx = request_context.from_metadata(context.invocation_metadata(), method)
        self.method = method
        self.started = time.perf_counter()

    def __enter__(self) -> request_context.RequestContext:
        self._token = request_context.activate(self.ctx)
        # Calls without an idempotency key still get an id, so every logged failure names its call.
        structlog.contextvars.bind_contextvars(
            method=self.method, correlation_id=self.ctx.correlation_id,
            request_id=self.ctx.request_id[:128] or f"srv-{uuid.uuid4().hex[:16]}",
        )
        return self.ctx

    def __exit__(self, *exc_info: object) -> None:
        log.debug("rpc finished", duration_ms=round((time.perf_counter() - self.started) * 1000, 2),
                  error=type(exc_info[1]).__name__ if exc_info[1] is not None else None)
        structlog.contextvars.clear_contextvars()
        request_context.reset(self._token)


async def _abort(context: grpc.aio.ServicerContext, error: errors.MlledgerError) -> None:
    await context.abort_with_status(_status.to_status(error))


def _checked(request: Any) -> Any:
    """The request after the edge checks: a message is validated, a client stream checked per message."""
    if hasattr(request, "__aiter__"):
        return validation.checked_stream(request)
    validation.check_request(request)
    return request


class IdentityStep(Protocol):
    """Authenticates and authorizes a call (services/auth/guard.py); absent while authentication is off."""

    async def admit(self, method: str, metadata: Any, request: Any) -> Any: ...

    async def after(self, method: str, request: Any, response: Any) -> Any: ...


def _wrap_unary(behavior: Callable[..., Awaitable[Any]], method: str,
                identity: IdentityStep | None = None) -> Callable[..., Awaitable[Any]]:
    async def handler(request: Any, context: grpc.aio.ServicerContext) -> Any:
        with _CallScope(context, method):
            try:
                checked = _checked(request)
                if identity is None:
                    return await behavior(checked, context)
                checked = await identity.admit(method, context.invocation_metadata(), checked)
                return await identity.after(method, checked, await behavior(checked, context))
            except grpc.aio.AbortError:
                raise
            except Exception as exc:  # noqa: BLE001 - mapped to a status, never swallowed
                await _abort(context, _to_error(exc, method))

    return handler


def _wrap_streaming(behavior: Callable[..., Any], method: str, identity: IdentityStep | None = None) -> Callable[..., Any]:
    if not inspect.isasyncgenfunction(behavior):
        return _wrap_unary(behavior, method, identity)

    async def handler(request: Any, context: grpc.aio.ServicerContext) -> AsyncIterator[Any]:
        with _CallScope(context, method):
            try:
                checked = _checked(request)
                if identity is not None:
                    checked = await identity.admit(method, context.invocation_metadata(), checked)
                async for item in behavior(checked, context):
                    yield item
            except grpc.aio.AbortError:
                raise
            except Exception as exc:  # noqa: BLE001
                await _abort(context, _to_error(exc, method))

    return handler


class ErrorMappingInterceptor(grpc.aio.ServerInterceptor):
    """Wraps every handler with the request context, the identity step and the error-to-status mapping."""

    def __init__(self, identity: IdentityStep | None = None) -> None:
        self.identity = identity

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        handler = await continuation(handler_call_details)
        if handler is None:
            return handler
        method = handler_call_details.method
        io = {"request_deserializer": validation.safe_deserializer(handler.request_deserializer),
              "response_serializer": handler.response_serializer}
        if handler.unary_unary:
            return grpc.unary_unary_rpc_method_handler(_wrap_unary(handler.unary_unary, method, self.identity), **io)
        if handler.unary_stream:
            return grpc.unary_stream_rpc_method_handler(_wrap_streaming(handler.unary_stream, method, self.identity), **io)
        if handler.stream_unary:
            return grpc.stream_unary_rpc_method_handler(_wrap_unary(handler.stream_unary, method, self.identity), **io)
        return grpc.stream_stream_rpc_method_handler(_wrap_streaming(handler.stream_stream, method, self.identity), **io)

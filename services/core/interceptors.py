"""The one interceptor chain every service call passes through, and where errors become statuses.

Each call runs the steps below in order, each around the next:

    context   the request context from the metadata: correlation id, idempotency key, method;
              bound into the logs so every line names its call
    identity  who is calling: sets the context's actor and is_admin (`identify`, replaceable:
              today the actor header is believed and everyone is an administrator)
    errors    an mlledger error becomes its precise status with google.rpc details; a database
              or file-system failure the status its cause calls for; anything else is logged as a
              bug and answered INTERNAL
    logging   one line per call with its duration and outcome

Inside the chain the request passes the edge checks (`validation`) before the handler runs.
"""

from __future__ import annotations

import contextlib
import dataclasses
import inspect
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any, Protocol

import grpc
import structlog

from mlledger import errors
from mlledger.services.core import context as request_context
from mlledger.services.core import status, validation
from mlledger.services.core.failures import classify
from mlledger.services.core.logging import get_logger
from mlledger.services.eventstore import errors as store_errors
from mlledger.services.eventstore.database import translate

log = get_logger("rpc")

_UNINTERPRETED = (store_errors.ConstraintViolated, store_errors.StatementRefused)

Metadata = tuple[tuple[str, str | bytes], ...]


class Identify(Protocol):
    """The identity step: the context with the caller's actor and rights set, or an error
    (Unauthenticated, PermissionDenied) that is answered as the call's status."""

    def __call__(self, ctx: request_context.RequestContext, metadata: Metadata) -> request_context.RequestContext:
        ...


def actor_header_identity(ctx: request_context.RequestContext, metadata: Metadata) -> request_context.RequestContext:
    """Authentication off: the caller is whoever the actor header names, and an administrator."""
    actor = next((value for key, value in metadata if key == request_context.ACTOR_HEADER and isinstance(value, str)),
                 "")
    return dataclasses.replace(ctx, actor=actor or request_context.ANONYMOUS, is_admin=True)


def _to_error(exc: Exception, method: str) -> errors.MlledgerError:
    mapped = translate(exc) or classify(exc)
    # A store refusal the service did not turn into its own error is a bug like any other.
    if mapped is not None and not isinstance(mapped, _UNINTERPRETED):
        if not isinstance(exc, errors.MlledgerError):
            log.warning("failure mapped to a status", method=method, status=mapped.code,
                        error=f"{type(exc).__name__}: {str(exc)[:500]}")
        return mapped
    log.exception("unhandled error", method=method)
    call = structlog.contextvars.get_contextvars().get("request_id", "")
    cause = exc.__cause__ if isinstance(exc, _UNINTERPRETED) and exc.__cause__ is not None else exc
    return errors.InternalError(f"internal error in {method}: {type(cause).__name__} (request {call})")


@contextlib.contextmanager
def _context_step(context: grpc.aio.ServicerContext, method: str) -> Iterator[request_context.RequestContext]:
    """The request context from the metadata, bound into the logs for the call."""
    ctx = request_context.from_metadata(tuple(context.invocation_metadata() or ()), method)
    # Calls without an idempotency key still get an id, so every logged failure names its call.
    structlog.contextvars.bind_contextvars(
        method=method, correlation_id=ctx.correlation_id,
        request_id=ctx.request_id[:128] or f"srv-{uuid.uuid4().hex[:16]}",
    )
    try:
        yield ctx
    finally:
        structlog.contextvars.clear_contextvars()


@contextlib.contextmanager
def _identity_step(ctx: request_context.RequestContext, context: grpc.aio.ServicerContext,
                   identify: Identify) -> Iterator[None]:
    """The context completed with the caller's identity, current while the call runs."""
    token = request_context.activate(identify(ctx, tuple(context.invocation_metadata() or ())))
    try:
        yield
    finally:
        request_context.reset(token)


@contextlib.contextmanager
def _logging_step() -> Iterator[None]:
    started = time.perf_counter()
    failure: BaseException | None = None
    try:
        yield
    except BaseException as exc:
        failure = exc
        raise
    finally:
        log.debug("rpc finished", duration_ms=round((time.perf_counter() - started) * 1000, 2),
                  error=type(failure).__name__ if failure is not None else None)


async def _abort(context: grpc.aio.ServicerContext, error: errors.MlledgerError) -> None:
    await context.abort_with_status(status.to_status(error))


def _checked(request: Any) -> Any:
    """The request after the edge checks: a message is validated, a client stream checked per message."""
    if hasattr(request, "__aiter__"):
        return validation.checked_stream(request)
    validation.check_request(request)
    return request


def _wrap_unary(behavior: Callable[..., Awaitable[Any]], method: str, identify: Identify) -> Callable[..., Awaitable[Any]]:
    async def handler(request: Any, context: grpc.aio.ServicerContext) -> Any:
        with _context_step(context, method) as ctx:
            try:
                with _identity_step(ctx, context, identify):
                    try:
                        with _logging_step():
                            return await behavior(_checked(request), context)
                    except grpc.aio.AbortError:
                        raise
                    except Exception as exc:  # noqa: BLE001 - mapped to a status, never swallowed
                        await _abort(context, _to_error(exc, method))
            except errors.MlledgerError as refused:  # the identity step refused the caller
                await _abort(context, refused)

    return handler


def _wrap_streaming(behavior: Callable[..., Any], method: str, identify: Identify) -> Callable[..., Any]:
    if not inspect.isasyncgenfunction(behavior):
        return _wrap_unary(behavior, method, identify)

    async def handler(request: Any, context: grpc.aio.ServicerContext) -> AsyncIterator[Any]:
        with _context_step(context, method) as ctx:
            try:
                with _identity_step(ctx, context, identify):
                    try:
                        with _logging_step():
                            async for item in behavior(_checked(request), context):
                                yield item
                    except grpc.aio.AbortError:
                        raise
                    except Exception as exc:  # noqa: BLE001 - mapped to a status, never swallowed
                        await _abort(context, _to_error(exc, method))
            except errors.MlledgerError as refused:  # the identity step refused the caller
                await _abort(context, refused)

    return handler


class ServiceInterceptor(grpc.aio.ServerInterceptor):
    """Runs every handler inside the chain: context, identity (`identify`), errors, logging."""

    def __init__(self, identify: Identify = actor_header_identity) -> None:
        self.identify = identify

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        handler = await continuation(handler_call_details)
        if handler is None:
            return handler
        method = handler_call_details.method
        identify = self.identify
        io = {"request_deserializer": validation.safe_deserializer(handler.request_deserializer),
              "response_serializer": handler.response_serializer}
        if handler.unary_unary:
            return grpc.unary_unary_rpc_method_handler(_wrap_unary(handler.unary_unary, method, identify), **io)
        if handler.unary_stream:
            return grpc.unary_stream_rpc_method_handler(_wrap_streaming(handler.unary_stream, method, identify), **io)
        if handler.stream_unary:
            return grpc.stream_unary_rpc_method_handler(_wrap_unary(handler.stream_unary, method, identify), **io)
        return grpc.stream_stream_rpc_method_handler(_wrap_streaming(handler.stream_stream, method, identify), **io)

"""Whatever escapes a handler is classified by cause and logged with the call's request id."""

from __future__ import annotations

import errno

import grpc
import pytest
import structlog
from psycopg import errors as pg_errors

from mlledger.services.core.interceptors import ServiceInterceptor
from mlledger.v1 import tracking_pb2

FAILURES = {
    "Bug": ValueError("a genuine bug"),
    "NameTooLong": OSError(errno.ENAMETOOLONG, "File name too long"),
    "DiskFull": OSError(errno.ENOSPC, "No space left on device"),
    "Deep": RecursionError("maximum recursion depth exceeded"),
    "BadValue": pg_errors.NumericValueOutOfRange("bigint out of range"),
    "TooComplex": pg_errors.ProgramLimitExceeded("stack depth limit exceeded"),
}


def _handler(failure: Exception):  # type: ignore[no-untyped-def]
    async def fail(request: tracking_pb2.GetRunRequest, context: grpc.aio.ServicerContext) -> tracking_pb2.GetRunResponse:
        raise failure
    return grpc.unary_unary_rpc_method_handler(
        fail, request_deserializer=tracking_pb2.GetRunRequest.FromString,
        response_serializer=tracking_pb2.GetRunResponse.SerializeToString)


@pytest.fixture
async def address():  # type: ignore[no-untyped-def]
    server = grpc.aio.server(interceptors=[ServiceInterceptor()])
    server.add_generic_rpc_handlers([grpc.method_handlers_generic_handler(
        "test.Failing", {name: _handler(failure) for name, failure in FAILURES.items()})])
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    yield f"127.0.0.1:{port}"
    await server.stop(0)


async def _call(address: str, name: str, payload: bytes) -> grpc.aio.AioRpcError:
    async with grpc.aio.insecure_channel(address) as channel:
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await channel.unary_unary(f"/test.Failing/{name}")(payload, timeout=10)
    return caught.value


@pytest.mark.parametrize(("name", "code"), [
    ("NameTooLong", grpc.StatusCode.INVALID_ARGUMENT),
    ("DiskFull", grpc.StatusCode.RESOURCE_EXHAUSTED),
    ("Deep", grpc.StatusCode.INVALID_ARGUMENT),
    ("BadValue", grpc.StatusCode.INVALID_ARGUMENT),
    ("TooComplex", grpc.StatusCode.RESOURCE_EXHAUSTED),
])
async def test_failures_are_classified_by_cause(address, name, code):
    """File-system and database failures get the status of their cause, not INTERNAL or UNAVAILABLE."""
    error = await _call(address, name, tracking_pb2.GetRunRequest(run_id="r").SerializeToString())
    assert error.code() == code, error.details()


async def test_a_bug_is_internal_and_logged_with_the_request_id(address):
    """An unclassified exception is INTERNAL naming the request id, which the logged traceback carries too."""
    with structlog.testing.capture_logs(processors=[structlog.contextvars.merge_contextvars]) as logs:
        error = await _call(address, "Bug", tracking_pb2.GetRunRequest(run_id="r").SerializeToString())
    assert error.code() == grpc.StatusCode.INTERNAL
    logged = [entry for entry in logs if entry["event"] == "unhandled error"]
    assert logged and logged[0]["request_id"].startswith("srv-")
    assert logged[0]["request_id"] in error.details()


async def test_undecodable_bytes_never_reach_the_handler(address):
    """Corrupt bytes are INVALID_ARGUMENT even for a handler that would fail with a bug."""
    for payload in (b"\x0a\x05ab", b"\x0a\x02\xc3\x28"):
        error = await _call(address, "Bug", payload)
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT, error.details()

"""Errors as MLflow's REST API sends them, and the one table mapping gRPC statuses onto them."""

from __future__ import annotations

import math

import grpc
from starlette.responses import JSONResponse

from mlledger.retry_info import retry_delay

#: MLflow error code -> HTTP status, as MLflow's server answers (mlflow/exceptions.py).
HTTP_STATUS = {
    "INVALID_PARAMETER_VALUE": 400,
    "REQUEST_LIMIT_EXCEEDED": 429,
    "RESOURCE_ALREADY_EXISTS": 400,
    "BAD_REQUEST": 400,
    "UNAUTHENTICATED": 401,
    "PERMISSION_DENIED": 403,
    "RESOURCE_DOES_NOT_EXIST": 404,
    "ENDPOINT_NOT_FOUND": 404,
    "ABORTED": 409,
    "CANCELLED": 499,
    "INTERNAL_ERROR": 500,
    "NOT_IMPLEMENTED": 501,
    "TEMPORARILY_UNAVAILABLE": 503,
    "DEADLINE_EXCEEDED": 504,
}

#: gRPC status of a service -> MLflow error code (documented in docs/gateway.md). Limits
#: (RESOURCE_EXHAUSTED) and writes to deleted entities (FAILED_PRECONDITION) are answered as
#: MLflow answers them, INVALID_PARAMETER_VALUE, so clients do not retry them as they would a 429.
FROM_GRPC = {
    grpc.StatusCode.INVALID_ARGUMENT: "INVALID_PARAMETER_VALUE",
    grpc.StatusCode.OUT_OF_RANGE: "INVALID_PARAMETER_VALUE",
    grpc.StatusCode.FAILED_PRECONDITION: "INVALID_PARAMETER_VALUE",
    grpc.StatusCode.RESOURCE_EXHAUSTED: "INVALID_PARAMETER_VALUE",
    grpc.StatusCode.NOT_FOUND: "RESOURCE_DOES_NOT_EXIST",
    grpc.StatusCode.ALREADY_EXISTS: "RESOURCE_ALREADY_EXISTS",
    grpc.StatusCode.ABORTED: "ABORTED",
    grpc.StatusCode.UNAUTHENTICATED: "UNAUTHENTICATED",
    grpc.StatusCode.PERMISSION_DENIED: "PERMISSION_DENIED",
    grpc.StatusCode.UNAVAILABLE: "TEMPORARILY_UNAVAILABLE",
    grpc.StatusCode.DEADLINE_EXCEEDED: "DEADLINE_EXCEEDED",
    grpc.StatusCode.UNIMPLEMENTED: "NOT_IMPLEMENTED",
    grpc.StatusCode.CANCELLED: "CANCELLED",
}

#: The message MLflow's client looks for to fall back from multipart to a single upload.
MULTIPART_UNSUPPORTED = "Multipart upload is not supported for the current artifact repository"


class MlflowError(Exception):
    """An error answered as `{"error_code": ..., "message": ...}` with MLflow's HTTP status."""

    def __init__(self, error_code: str, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.error_code = error_code
        self.message = message
        #: Seconds the caller should wait (a rate limit's refusal): sent as Retry-After.
        self.retry_after = retry_after

    @property
    def status(self) -> int:
        return HTTP_STATUS.get(self.error_code, 500)

    def response(self) -> JSONResponse:
        headers = {"Retry-After": str(max(1, math.ceil(self.retry_after)))} if self.retry_after is not None else None
        return JSONResponse({"error_code": self.error_code, "message": self.message}, status_code=self.status,
                            headers=headers)


def invalid(message: str) -> MlflowError:
    """An INVALID_PARAMETER_VALUE error."""
    return MlflowError("INVALID_PARAMETER_VALUE", message)


def missing(field: str) -> MlflowError:
    """The error MLflow sends when a required parameter is absent."""
    return invalid(f"Missing value for required parameter '{field}'. See the API docs for more information "
                   "about request parameters.")


def not_found(message: str) -> MlflowError:
    """A RESOURCE_DOES_NOT_EXIST error."""
    return MlflowError("RESOURCE_DOES_NOT_EXIST", message)


def from_rpc_error(error: grpc.aio.AioRpcError) -> MlflowError:
    """The MLflow error for a failed gRPC call (the service's message is kept as is)."""
    code = error.code()
    wait = retry_delay(error) if code == grpc.StatusCode.RESOURCE_EXHAUSTED else None
    if wait is not None:  # a service's rate limit: MLflow's clients back off on 429
        return MlflowError("REQUEST_LIMIT_EXCEEDED", error.details() or code.name, retry_after=wait)
    return MlflowError(FROM_GRPC.get(code, "INTERNAL_ERROR"), error.details() or code.name)

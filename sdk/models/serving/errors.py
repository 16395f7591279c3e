"""The one error a scoring request fails with: an HTTP status, an MLflow error code and a message.

    ScoringError            status, error_code, message; rendered as {"error_code", "message"}
    ├── 400 BAD_REQUEST     unreadable body, wrong shape, signature violation (names the column)
    ├── 404 NOT_FOUND       unknown model name or version (Open Inference Protocol routes)
    ├── 415 UNSUPPORTED     content type or charset the server does not read
    ├── 500 INTERNAL_ERROR  the model raised; the server keeps serving
    └── 504 DEADLINE        the request timeout passed
"""

from __future__ import annotations

import grpc

#: HTTP status -> gRPC status code, for the same failure seen over gRPC.
_GRPC_CODES = {
    400: grpc.StatusCode.INVALID_ARGUMENT,
    404: grpc.StatusCode.NOT_FOUND,
    415: grpc.StatusCode.INVALID_ARGUMENT,
    500: grpc.StatusCode.INTERNAL,
    504: grpc.StatusCode.DEADLINE_EXCEEDED,
}


class ScoringError(Exception):
    """A request the server refuses or could not score."""

    def __init__(self, status: int, error_code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.error_code = error_code
        self.message = message

    @property
    def grpc_code(self) -> grpc.StatusCode:
        """The gRPC status for the same failure."""
        return _GRPC_CODES.get(self.status, grpc.StatusCode.UNKNOWN)

    def to_dict(self) -> dict[str, str]:
        """The body MLflow's scoring server answers errors with."""
        return {"error_code": self.error_code, "message": self.message}


def bad_request(message: str) -> ScoringError:
    """A 400 for a body the server cannot read or the model's signature refuses."""
    return ScoringError(400, "BAD_REQUEST", message)


def unsupported_media(message: str) -> ScoringError:
    """A 415 for a content type or charset the server does not read."""
    return ScoringError(415, "BAD_REQUEST", message)


def not_found(message: str) -> ScoringError:
    """A 404 for a model name or version this server does not serve."""
    return ScoringError(404, "RESOURCE_DOES_NOT_EXIST", message)

"""The one error tree of mlledger, shared by the services and the SDK.

    MlledgerError                      base of everything mlledger raises on purpose
     ├── InvalidArgument               INVALID_ARGUMENT    .field names the offending field
     ├── NotFound                      NOT_FOUND           .resource_type, .resource_name
     ├── AlreadyExists                 ALREADY_EXISTS      .resource_type, .resource_name
     ├── FailedPrecondition            FAILED_PRECONDITION e.g. writing to a deleted run
     ├── ConcurrencyConflict           ABORTED             an expected version did not match; retry
     ├── ResourceExhausted             RESOURCE_EXHAUSTED  a documented limit was exceeded
     ├── Unavailable                   UNAVAILABLE         a dependency is down; retrying is safe
     ├── DeadlineExceeded              DEADLINE_EXCEEDED
     ├── Unauthenticated               UNAUTHENTICATED
     ├── PermissionDenied              PERMISSION_DENIED
     └── InternalError                 INTERNAL            a bug: the message says what broke

Each class's `code` is a transport-neutral name, spelled like the gRPC status code it travels
as. Services raise these; the servers' interceptor turns them into a gRPC status with google.rpc
details (`mlledger.services.core.status`), and the SDK turns the status back into the same class
(`mlledger.transport.from_rpc_error`), so both sides of the wire catch the same exceptions.
"""

from __future__ import annotations


class MlledgerError(Exception):
    """Base of every error mlledger raises on purpose."""

    #: Transport-neutral code, named like the gRPC status code the error travels as.
    code: str = "UNKNOWN"
    #: Machine-readable reason sent as google.rpc.ErrorInfo.reason.
    reason: str = "ERROR"

    def __init__(self, message: str, *, reason: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if reason is not None:
            self.reason = reason

    def __str__(self) -> str:
        return self.message


class InvalidArgument(MlledgerError):
    """A request field is malformed or out of range; `field` names it (dotted path)."""

    code = "INVALID_ARGUMENT"
    reason = "INVALID_ARGUMENT"

    def __init__(self, field: str, message: str, *, reason: str | None = None) -> None:
        super().__init__(f"{field}: {message}" if field else message, reason=reason)
        self.field = field
        self.description = message


class _ResourceError(MlledgerError):
    def __init__(self, resource_type: str, resource_name: str, message: str | None = None) -> None:
        super().__init__(message or self._default_message(resource_type, resource_name))
        self.resource_type = resource_type
        self.resource_name = resource_name

    @staticmethod
    def _default_message(resource_type: str, resource_name: str) -> str:
        raise NotImplementedError


class NotFound(_ResourceError):
    """The named resource does not exist."""

    code = "NOT_FOUND"
    reason = "NOT_FOUND"

    @staticmethod
    def _default_message(resource_type: str, resource_name: str) -> str:
        return f"{resource_type} {resource_name!r} not found"


class AlreadyExists(_ResourceError):
    """A resource with that identity already exists."""

    code = "ALREADY_EXISTS"
    reason = "ALREADY_EXISTS"

    @staticmethod
    def _default_message(resource_type: str, resource_name: str) -> str:
        return f"{resource_type} {resource_name!r} already exists"


class FailedPrecondition(MlledgerError):
    """The resource is not in a state that allows the call (e.g. the run is deleted)."""

    code = "FAILED_PRECONDITION"
    reason = "FAILED_PRECONDITION"

    def __init__(self, message: str, *, subject: str = "", type: str = "STATE", reason: str | None = None) -> None:
        super().__init__(message, reason=reason)
        self.subject = subject
        self.type = type


class ConcurrencyConflict(MlledgerError):
    """Another writer changed the resource first (expected version mismatch); retry the call."""

    code = "ABORTED"
    reason = "CONCURRENCY_CONFLICT"


class ResourceExhausted(MlledgerError):
    """A documented limit was exceeded; `limit` names it."""

    code = "RESOURCE_EXHAUSTED"
    reason = "LIMIT_EXCEEDED"

    def __init__(self, limit: str, message: str) -> None:
        super().__init__(message)
        self.limit = limit


class Unavailable(MlledgerError):
    """A dependency (database, message bus, another service) is down; retrying is safe."""

    code = "UNAVAILABLE"
    reason = "UNAVAILABLE"


class DeadlineExceeded(MlledgerError):
    """The call's deadline passed before it finished."""

    code = "DEADLINE_EXCEEDED"
    reason = "DEADLINE_EXCEEDED"


class Unauthenticated(MlledgerError):
    """The caller's identity is missing or invalid."""

    code = "UNAUTHENTICATED"
    reason = "UNAUTHENTICATED"


class PermissionDenied(MlledgerError):
    """The caller may not perform this call."""

    code = "PERMISSION_DENIED"
    reason = "PERMISSION_DENIED"


class InternalError(MlledgerError):
    """Something broke that should not have; the message says what."""

    code = "INTERNAL"
    reason = "INTERNAL"


__all__ = [
    "AlreadyExists",
    "ConcurrencyConflict",
    "DeadlineExceeded",
    "FailedPrecondition",
    "InternalError",
    "InvalidArgument",
    "MlledgerError",
    "NotFound",
    "PermissionDenied",
    "ResourceExhausted",
    "Unauthenticated",
    "Unavailable",
]

"""The servers' translation between the error tree (`mlledger.errors`) and gRPC status with google.rpc details.

`to_status` answers a failed call; `from_rpc_error` reads the answer of another service
(service-to-service calls). The SDK keeps its own reading of statuses (`mlledger._status`).
"""

from __future__ import annotations

import grpc
from google.protobuf import any_pb2
from google.rpc import error_details_pb2, status_pb2
from grpc_status import rpc_status

from mlledger import errors

DOMAIN = "mlledger.dev"
#: Most UTF-8 bytes of any text a status carries: the message, the field, each detail's text.
#: The status travels in trailing metadata, which clients refuse beyond 8-16 KiB in total.
MAX_TEXT_BYTES = 480

_BY_CODE: dict[grpc.StatusCode, type[errors.MlledgerError]] = {
    grpc.StatusCode[cls.code]: cls
    for cls in (
        errors.InvalidArgument,
        errors.NotFound,
        errors.AlreadyExists,
        errors.FailedPrecondition,
        errors.ConcurrencyConflict,
        errors.ResourceExhausted,
        errors.Unavailable,
        errors.DeadlineExceeded,
        errors.Unauthenticated,
        errors.PermissionDenied,
        errors.InternalError,
    )
}


def _clip(text: str, limit: int = MAX_TEXT_BYTES) -> str:
    """`text` cut to at most `limit` UTF-8 bytes, marked with "…" when cut."""
    encoded = text.encode("utf-8", "replace")
    if len(encoded) <= limit:
        return text
    return encoded[: limit - 3].decode("utf-8", "ignore") + "…"


def _pack(message) -> any_pb2.Any:  # type: ignore[no-untyped-def]
    packed = any_pb2.Any()
    packed.Pack(message)
    return packed


def _details(error: errors.MlledgerError) -> list[any_pb2.Any]:
    details = [_pack(error_details_pb2.ErrorInfo(reason=error.reason, domain=DOMAIN))]
    if isinstance(error, errors.InvalidArgument):
        violation = error_details_pb2.BadRequest.FieldViolation(field=_clip(error.field, 200),
                                                                description=_clip(error.description))
        details.append(_pack(error_details_pb2.BadRequest(field_violations=[violation])))
    elif isinstance(error, (errors.NotFound, errors.AlreadyExists)):
        info = error_details_pb2.ResourceInfo(
            resource_type=_clip(error.resource_type, 100), resource_name=_clip(error.resource_name, 200),
            description=_clip(error.message),
        )
        details.append(_pack(info))
    elif isinstance(error, errors.FailedPrecondition):
        violation = error_details_pb2.PreconditionFailure.Violation(
            type=_clip(error.type, 100), subject=_clip(error.subject, 200), description=_clip(error.message)
        )
        details.append(_pack(error_details_pb2.PreconditionFailure(violations=[violation])))
    elif isinstance(error, errors.ResourceExhausted):
        violation = error_details_pb2.QuotaFailure.Violation(subject=_clip(error.limit, 200),
                                                            description=_clip(error.message))
        details.append(_pack(error_details_pb2.QuotaFailure(violations=[violation])))
    return details


def to_status(error: errors.MlledgerError) -> grpc.Status:
    """The gRPC status (with rich details in the trailing metadata) for an error."""
    status = status_pb2.Status(code=grpc.StatusCode[error.code].value[0], message=_clip(error.message), details=_details(error))
    return rpc_status.to_status(status)


def from_rpc_error(error: grpc.RpcError) -> errors.MlledgerError:
    """The mlledger error for a failed call, details parsed back into attributes."""
    code = error.code() if hasattr(error, "code") else grpc.StatusCode.UNKNOWN
    message = (error.details() if hasattr(error, "details") else None) or str(code)
    status = rpc_status.from_call(error) if hasattr(error, "trailing_metadata") else None
    detail_map: dict[str, object] = {}
    reason = None
    for packed in status.details if status is not None else ():
        for kind in (
            error_details_pb2.ErrorInfo,
            error_details_pb2.BadRequest,
            error_details_pb2.ResourceInfo,
            error_details_pb2.PreconditionFailure,
            error_details_pb2.QuotaFailure,
        ):
            if packed.Is(kind.DESCRIPTOR):
                detail = kind()
                packed.Unpack(detail)
                detail_map[kind.__name__] = detail
    if "ErrorInfo" in detail_map:
        reason = detail_map["ErrorInfo"].reason  # type: ignore[attr-defined]
    cls = _BY_CODE.get(code)
    result: errors.MlledgerError
    if cls is errors.InvalidArgument:
        bad = detail_map.get("BadRequest")
        violation = bad.field_violations[0] if bad is not None and bad.field_violations else None  # type: ignore[attr-defined]
        if violation is not None:
            result = errors.InvalidArgument(violation.field, violation.description, reason=reason)
        else:
            result = errors.InvalidArgument("", message, reason=reason)
    elif cls in (errors.NotFound, errors.AlreadyExists):
        info = detail_map.get("ResourceInfo")
        result = cls(
            getattr(info, "resource_type", ""), getattr(info, "resource_name", ""), message
        )
    elif cls is errors.FailedPrecondition:
        failure = detail_map.get("PreconditionFailure")
        violation = failure.violations[0] if failure is not None and failure.violations else None  # type: ignore[attr-defined]
        result = errors.FailedPrecondition(
            message, subject=getattr(violation, "subject", ""), type=getattr(violation, "type", "STATE"), reason=reason
        )
    elif cls is errors.ResourceExhausted:
        quota = detail_map.get("QuotaFailure")
        violation = quota.violations[0] if quota is not None and quota.violations else None  # type: ignore[attr-defined]
        result = errors.ResourceExhausted(getattr(violation, "subject", ""), message)
    elif cls is not None:
        result = cls(message, reason=reason)
    else:
        result = errors.MlledgerError(f"{code.name}: {message}", reason=reason)
        result.code = code.name
    result.__cause__ = error
    return result


__all__ = ["DOMAIN", "from_rpc_error", "to_status"]

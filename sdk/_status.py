"""The SDK's reading of a failed call: a gRPC status with google.rpc details back into the error tree.

The servers produce those statuses with their own translation (`mlledger.services.core.status`).
"""

from __future__ import annotations

import grpc
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from mlledger import errors

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


__all__ = ["from_rpc_error"]

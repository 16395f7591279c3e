"""The servers' translation of the error tree (`mlledger.errors`) into gRPC statuses with google.rpc details.

The interceptor chain answers every failed call with `to_status`. Clients, the SDK and a
service calling another alike, read those statuses back with `mlledger.transport.from_rpc_error`.
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


__all__ = ["DOMAIN", "MAX_TEXT_BYTES", "to_status"]

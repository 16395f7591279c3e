"""The retry delay a server attached to a refusal (google.rpc.RetryInfo), as rate limits send it."""

from __future__ import annotations

import grpc
from google.rpc import error_details_pb2
from grpc_status import rpc_status


def retry_delay(error: grpc.RpcError) -> float | None:
    """Seconds the server asked the caller to wait before retrying, or None when it asked nothing."""
    status = rpc_status.from_call(error) if hasattr(error, "trailing_metadata") else None
    for packed in status.details if status is not None else ():
        if packed.Is(error_details_pb2.RetryInfo.DESCRIPTOR):
            info = error_details_pb2.RetryInfo()
            packed.Unpack(info)
            return float(info.retry_delay.ToTimedelta().total_seconds())
    return None

"""The edge check every request passes before its handler runs, driven by the message descriptors.

The interceptor decodes each request with `safe_deserializer` (bytes that are not the request
message become INVALID_ARGUMENT instead of UNKNOWN) and runs `check_request` on it: every string
is NUL-free and within its limit, every list within its limit, every Timestamp and every epoch
millisecond field within the Timestamp range (`mlledger.limits.check_message`, which the SDK
runs too before it sends). Field-specific rules stay with the services; this layer guarantees
that no value reaches the database or the file system that it cannot hold.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

from google.protobuf.message import Message

from mlledger import errors, limits


class Undecodable:
    """What the deserializer returns for bytes that are not a valid request message."""

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def error(self) -> errors.InvalidArgument:
        """The INVALID_ARGUMENT answer for this request."""
        return errors.InvalidArgument("request", f"cannot be decoded: {self.reason}", reason="UNDECODABLE_REQUEST")


def safe_deserializer(deserialize: Callable[[bytes], Any] | None) -> Callable[[bytes], Any] | None:
    """Wrap a request deserializer so a decode failure yields `Undecodable` for the handler to answer."""
    if deserialize is None:
        return None

    def decode(data: bytes) -> Any:
        try:
            return deserialize(data)
        except Exception as exc:  # noqa: BLE001 - DecodeError, or UnicodeDecodeError for invalid UTF-8
            return Undecodable(limits.quote(str(exc) or type(exc).__name__, 200))

    return decode


def check_request(request: Any) -> None:
    """Refuse an undecodable request, or any field outside the limits, with INVALID_ARGUMENT naming it."""
    if isinstance(request, Undecodable):
        raise request.error()
    if isinstance(request, Message):
        limits.check_message(request)


async def checked_stream(requests: AsyncIterator[Any]) -> AsyncIterator[Any]:
    """The messages of a client stream, each checked as it arrives."""
    async for request in requests:
        check_request(request)
        yield request

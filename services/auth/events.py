"""Auth event types, their payloads and streams (in the auth component's own log, schema "auth")."""

from __future__ import annotations

from typing import Final

from google.protobuf.message import Message

from mlledger.v1 import auth_pb2 as pb

TOKEN_CREATED: Final = "token.created"
TOKEN_REVOKED: Final = "token.revoked"
PERMISSION_GRANTED: Final = "permission.granted"
PERMISSION_REVOKED: Final = "permission.revoked"
ACCESS_DENIED: Final = "access.denied"

#: Every event type and its payload message.
PAYLOADS: Final[dict[str, type[Message]]] = {
    TOKEN_CREATED: pb.TokenCreated,
    TOKEN_REVOKED: pb.TokenRevoked,
    PERMISSION_GRANTED: pb.PermissionGranted,
    PERMISSION_REVOKED: pb.PermissionRevoked,
    ACCESS_DENIED: pb.AccessDenied,
}

KIND_NAMES: Final[dict[int, str]] = {pb.EXPERIMENT: "experiment", pb.REGISTERED_MODEL: "registered_model", pb.SYSTEM: "system"}


def token_stream(token_id: str) -> str:
    """The stream of one token."""
    return f"token/{token_id}"


def permission_stream(kind: int, resource_id: str) -> str:
    """The stream of the roles on one resource."""
    return f"permission/{KIND_NAMES.get(kind, 'unknown')}/{resource_id}"


def access_stream(principal: str) -> str:
    """The stream of one principal's refused calls."""
    return f"access/{principal}"

"""Deployment event types, their payloads and streams (in the registry service's log)."""

from __future__ import annotations

from typing import Final

from google.protobuf.message import Message

from mlledger.v1 import deployments_pb2 as pb

STARTED: Final = "deployment.started"
SUCCEEDED: Final = "deployment.succeeded"
FAILED: Final = "deployment.failed"
ROLLED_BACK: Final = "deployment.rolled_back"

#: Every event type and its payload message.
PAYLOADS: Final[dict[str, type[Message]]] = {
    STARTED: pb.DeploymentStarted,
    SUCCEEDED: pb.DeploymentSucceeded,
    FAILED: pb.DeploymentFailed,
    ROLLED_BACK: pb.DeploymentRolledBack,
}

#: The request's oneof field for each event type.
FIELDS: Final[dict[str, str]] = {"started": STARTED, "succeeded": SUCCEEDED, "failed": FAILED,
                                 "rolled_back": ROLLED_BACK}


def stream(deployment: str) -> str:
    """The stream of one deployment's history."""
    return f"deployment/{deployment}"

"""Webhook event types, their payloads and streams (in the registry service's log)."""

from __future__ import annotations

from typing import Final

from google.protobuf.message import Message

from mlledger.v1 import webhooks_pb2 as pb

CREATED: Final = "webhook.created"
UPDATED: Final = "webhook.updated"
DELETED: Final = "webhook.deleted"

#: Every event type and its payload message.
PAYLOADS: Final[dict[str, type[Message]]] = {
    CREATED: pb.WebhookCreated,
    UPDATED: pb.WebhookUpdated,
    DELETED: pb.WebhookDeleted,
}


def stream(webhook_id: str) -> str:
    """The stream of one webhook's definition."""
    return f"webhook/{webhook_id}"

"""What a webhook receives: the JSON body of an event, and of a test delivery."""

from __future__ import annotations

import json
import time

from google.protobuf import json_format

from mlledger.jetstream import Event
from mlledger.services.eventstore.model import payload_class


def event_body(event: Event, subject: str) -> bytes:
    """The JSON body POSTed for an event (the envelope with its payload decoded)."""
    payload = payload_class(event.payload.type_url.rpartition("/")[2]).FromString(event.payload.value)
    return json.dumps({
        "id": event.id, "subject": subject, "position": event.position, "service": event.service,
        "type": event.type, "entity": event.stream, "entity_version": event.stream_version,
        "time": event.time.ToJsonString(), "actor": event.actor, "correlation_id": event.correlation_id,
        "payload_type": event.payload.type_url.rpartition("/")[2],
        "payload": json_format.MessageToDict(payload, preserving_proto_field_name=True),
    }, separators=(",", ":")).encode()


def test_body(webhook_id: str) -> bytes:
    """The JSON body of TestWebhook's delivery."""
    return json.dumps({"type": "webhook.test", "webhook_id": webhook_id, "time": time.time()}).encode()

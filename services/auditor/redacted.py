"""How verify recognises an event a purge redacted: its payload is the marker naming the purge event."""

from __future__ import annotations

from mlledger.v1 import events_pb2

#: Facts of an audit line that a redaction changes in the log (the line keeps the earlier ones).
REDACTED_FACTS = frozenset({"payload_type", "payload_sha256"})
_MARKER: str = events_pb2.RedactedPayload.DESCRIPTOR.full_name


def is_redacted(event: events_pb2.Event) -> bool:
    """Whether the log's copy of `event` carries the redaction marker instead of its payload."""
    return event.payload.type_url.rpartition("/")[2] == _MARKER


def purge_event_id(event: events_pb2.Event) -> str:
    """The id of the purge event that redacted `event` ("" when the marker cannot be read)."""
    marker = events_pb2.RedactedPayload()
    try:
        marker.ParseFromString(event.payload.value)
    except Exception:  # noqa: BLE001 - an unreadable marker is reported as a missing purge
        return ""
    return marker.purge_event_id

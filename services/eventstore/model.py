"""Events as the store sees them: about to be appended, and recorded."""

from __future__ import annotations

import builtins
import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Final

from google.protobuf import any_pb2
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp

from mlledger.v1 import events_pb2

#: Expected version meaning "append whatever the stream's current version is".
ANY: Final = -1
#: Expected version meaning "the stream must not exist yet".
NO_STREAM: Final = 0

TYPE_URL_PREFIX = "type.googleapis.com/"


@dataclass(frozen=True)
class NewEvent:
    """An event about to be appended: what happened to which stream, with its typed payload."""

    stream: str
    type: str
    payload: Message
    id: uuid.UUID = field(default_factory=uuid.uuid4)

    @property
    def payload_type(self) -> str:
        return str(self.payload.DESCRIPTOR.full_name)


@dataclass(frozen=True)
class RecordedEvent:
    """An event as stored in a service's log."""

    id: uuid.UUID
    stream: str
    stream_version: int
    position: int
    type: str
    time: dt.datetime
    actor: str
    correlation_id: str
    payload_type: str
    payload: bytes

    def decode(self, message_class: builtins.type[Message]) -> Message:
        """Parse the payload into `message_class` (which must match `payload_type`)."""
        if message_class.DESCRIPTOR.full_name != self.payload_type:
            raise TypeError(f"event payload is {self.payload_type}, not {message_class.DESCRIPTOR.full_name}")
        return message_class.FromString(self.payload)

    def to_proto(self, service: str) -> events_pb2.Event:
        """The envelope sent to subscribers and returned by ReadEvents."""
        time = Timestamp()
        time.FromDatetime(self.time)
        return events_pb2.Event(
            id=str(self.id),
            stream=self.stream,
            stream_version=self.stream_version,
            global_position=self.position,
            type=self.type,
            time=time,
            actor=self.actor,
            correlation_id=self.correlation_id,
            service=service,
            payload=any_pb2.Any(type_url=TYPE_URL_PREFIX + self.payload_type, value=self.payload),
        )


@dataclass(frozen=True)
class Envelope:
    """An event with its payload decoded, as projectors see it (live and during a rebuild)."""

    id: uuid.UUID
    stream: str
    type: str
    payload: Message
    time: dt.datetime
    actor: str
    correlation_id: str


def payload_class(full_name: str) -> type[Message]:
    """The generated message class for a payload type name such as "mlledger.v1.RunCreated"."""
    from google.protobuf import descriptor_pool, message_factory

    descriptor = descriptor_pool.Default().FindMessageTypeByName(full_name)
    return message_factory.GetMessageClass(descriptor)  # type: ignore[no-any-return]


def envelope_of(event: RecordedEvent) -> Envelope:
    """Decode a recorded event for projection."""
    payload = payload_class(event.payload_type).FromString(event.payload)
    return Envelope(event.id, event.stream, event.type, payload, event.time, event.actor, event.correlation_id)


def new_id() -> str:
    """A new opaque identifier (32 hex characters)."""
    return uuid.uuid4().hex

import datetime

from google.protobuf import any_pb2 as _any_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Event(_message.Message):
    __slots__ = ("id", "stream", "stream_version", "global_position", "type", "time", "actor", "correlation_id", "service", "payload", "position")
    ID_FIELD_NUMBER: _ClassVar[int]
    STREAM_FIELD_NUMBER: _ClassVar[int]
    STREAM_VERSION_FIELD_NUMBER: _ClassVar[int]
    GLOBAL_POSITION_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    CORRELATION_ID_FIELD_NUMBER: _ClassVar[int]
    SERVICE_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    id: str
    stream: str
    stream_version: int
    global_position: int
    type: str
    time: _timestamp_pb2.Timestamp
    actor: str
    correlation_id: str
    service: str
    payload: _any_pb2.Any
    position: int
    def __init__(self, id: _Optional[str] = ..., stream: _Optional[str] = ..., stream_version: _Optional[int] = ..., global_position: _Optional[int] = ..., type: _Optional[str] = ..., time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., actor: _Optional[str] = ..., correlation_id: _Optional[str] = ..., service: _Optional[str] = ..., payload: _Optional[_Union[_any_pb2.Any, _Mapping]] = ..., position: _Optional[int] = ...) -> None: ...

class RedactedPayload(_message.Message):
    __slots__ = ("purge_event_id", "original_payload_type")
    PURGE_EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    ORIGINAL_PAYLOAD_TYPE_FIELD_NUMBER: _ClassVar[int]
    purge_event_id: str
    original_payload_type: str
    def __init__(self, purge_event_id: _Optional[str] = ..., original_payload_type: _Optional[str] = ...) -> None: ...

class ReadEventsRequest(_message.Message):
    __slots__ = ("stream", "after_position", "limit", "until_position", "log")
    STREAM_FIELD_NUMBER: _ClassVar[int]
    AFTER_POSITION_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    UNTIL_POSITION_FIELD_NUMBER: _ClassVar[int]
    LOG_FIELD_NUMBER: _ClassVar[int]
    stream: str
    after_position: int
    limit: int
    until_position: int
    log: str
    def __init__(self, stream: _Optional[str] = ..., after_position: _Optional[int] = ..., limit: _Optional[int] = ..., until_position: _Optional[int] = ..., log: _Optional[str] = ...) -> None: ...

class ReadEventsResponse(_message.Message):
    __slots__ = ("events", "last_position")
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    LAST_POSITION_FIELD_NUMBER: _ClassVar[int]
    events: _containers.RepeatedCompositeFieldContainer[Event]
    last_position: int
    def __init__(self, events: _Optional[_Iterable[_Union[Event, _Mapping]]] = ..., last_position: _Optional[int] = ...) -> None: ...

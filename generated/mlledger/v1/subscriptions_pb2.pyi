import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from mlledger.v1 import events_pb2 as _events_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SubscribeRequest(_message.Message):
    __slots__ = ("after_position", "from_now", "subject", "types", "entity", "replay_only", "max_batch", "since_time")
    AFTER_POSITION_FIELD_NUMBER: _ClassVar[int]
    FROM_NOW_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    TYPES_FIELD_NUMBER: _ClassVar[int]
    ENTITY_FIELD_NUMBER: _ClassVar[int]
    REPLAY_ONLY_FIELD_NUMBER: _ClassVar[int]
    MAX_BATCH_FIELD_NUMBER: _ClassVar[int]
    SINCE_TIME_FIELD_NUMBER: _ClassVar[int]
    after_position: int
    from_now: bool
    subject: str
    types: _containers.RepeatedScalarFieldContainer[str]
    entity: str
    replay_only: bool
    max_batch: int
    since_time: _timestamp_pb2.Timestamp
    def __init__(self, after_position: _Optional[int] = ..., from_now: _Optional[bool] = ..., subject: _Optional[str] = ..., types: _Optional[_Iterable[str]] = ..., entity: _Optional[str] = ..., replay_only: _Optional[bool] = ..., max_batch: _Optional[int] = ..., since_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class SubscribeResponse(_message.Message):
    __slots__ = ("events", "last_position", "caught_up")
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    LAST_POSITION_FIELD_NUMBER: _ClassVar[int]
    CAUGHT_UP_FIELD_NUMBER: _ClassVar[int]
    events: _containers.RepeatedCompositeFieldContainer[_events_pb2.Event]
    last_position: int
    caught_up: bool
    def __init__(self, events: _Optional[_Iterable[_Union[_events_pb2.Event, _Mapping]]] = ..., last_position: _Optional[int] = ..., caught_up: _Optional[bool] = ...) -> None: ...

class GetStreamInfoRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetStreamInfoResponse(_message.Message):
    __slots__ = ("nats_url", "stream_name", "subject_prefix", "first_position", "last_position")
    NATS_URL_FIELD_NUMBER: _ClassVar[int]
    STREAM_NAME_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_PREFIX_FIELD_NUMBER: _ClassVar[int]
    FIRST_POSITION_FIELD_NUMBER: _ClassVar[int]
    LAST_POSITION_FIELD_NUMBER: _ClassVar[int]
    nats_url: str
    stream_name: str
    subject_prefix: str
    first_position: int
    last_position: int
    def __init__(self, nats_url: _Optional[str] = ..., stream_name: _Optional[str] = ..., subject_prefix: _Optional[str] = ..., first_position: _Optional[int] = ..., last_position: _Optional[int] = ...) -> None: ...

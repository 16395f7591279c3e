from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class DeploymentStarted(_message.Message):
    __slots__ = ("deployment", "model_name", "version", "previous_version", "watch", "target")
    DEPLOYMENT_FIELD_NUMBER: _ClassVar[int]
    MODEL_NAME_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_VERSION_FIELD_NUMBER: _ClassVar[int]
    WATCH_FIELD_NUMBER: _ClassVar[int]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    deployment: str
    model_name: str
    version: int
    previous_version: int
    watch: str
    target: str
    def __init__(self, deployment: _Optional[str] = ..., model_name: _Optional[str] = ..., version: _Optional[int] = ..., previous_version: _Optional[int] = ..., watch: _Optional[str] = ..., target: _Optional[str] = ...) -> None: ...

class DeploymentSucceeded(_message.Message):
    __slots__ = ("deployment", "model_name", "version", "previous_version", "endpoint", "seconds")
    DEPLOYMENT_FIELD_NUMBER: _ClassVar[int]
    MODEL_NAME_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_VERSION_FIELD_NUMBER: _ClassVar[int]
    ENDPOINT_FIELD_NUMBER: _ClassVar[int]
    SECONDS_FIELD_NUMBER: _ClassVar[int]
    deployment: str
    model_name: str
    version: int
    previous_version: int
    endpoint: str
    seconds: float
    def __init__(self, deployment: _Optional[str] = ..., model_name: _Optional[str] = ..., version: _Optional[int] = ..., previous_version: _Optional[int] = ..., endpoint: _Optional[str] = ..., seconds: _Optional[float] = ...) -> None: ...

class DeploymentFailed(_message.Message):
    __slots__ = ("deployment", "model_name", "version", "serving_version", "step", "error")
    DEPLOYMENT_FIELD_NUMBER: _ClassVar[int]
    MODEL_NAME_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    SERVING_VERSION_FIELD_NUMBER: _ClassVar[int]
    STEP_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    deployment: str
    model_name: str
    version: int
    serving_version: int
    step: str
    error: str
    def __init__(self, deployment: _Optional[str] = ..., model_name: _Optional[str] = ..., version: _Optional[int] = ..., serving_version: _Optional[int] = ..., step: _Optional[str] = ..., error: _Optional[str] = ...) -> None: ...

class DeploymentRolledBack(_message.Message):
    __slots__ = ("deployment", "model_name", "version", "from_version", "endpoint", "seconds")
    DEPLOYMENT_FIELD_NUMBER: _ClassVar[int]
    MODEL_NAME_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    FROM_VERSION_FIELD_NUMBER: _ClassVar[int]
    ENDPOINT_FIELD_NUMBER: _ClassVar[int]
    SECONDS_FIELD_NUMBER: _ClassVar[int]
    deployment: str
    model_name: str
    version: int
    from_version: int
    endpoint: str
    seconds: float
    def __init__(self, deployment: _Optional[str] = ..., model_name: _Optional[str] = ..., version: _Optional[int] = ..., from_version: _Optional[int] = ..., endpoint: _Optional[str] = ..., seconds: _Optional[float] = ...) -> None: ...

class RecordDeploymentRequest(_message.Message):
    __slots__ = ("started", "succeeded", "failed", "rolled_back")
    STARTED_FIELD_NUMBER: _ClassVar[int]
    SUCCEEDED_FIELD_NUMBER: _ClassVar[int]
    FAILED_FIELD_NUMBER: _ClassVar[int]
    ROLLED_BACK_FIELD_NUMBER: _ClassVar[int]
    started: DeploymentStarted
    succeeded: DeploymentSucceeded
    failed: DeploymentFailed
    rolled_back: DeploymentRolledBack
    def __init__(self, started: _Optional[_Union[DeploymentStarted, _Mapping]] = ..., succeeded: _Optional[_Union[DeploymentSucceeded, _Mapping]] = ..., failed: _Optional[_Union[DeploymentFailed, _Mapping]] = ..., rolled_back: _Optional[_Union[DeploymentRolledBack, _Mapping]] = ...) -> None: ...

class RecordDeploymentResponse(_message.Message):
    __slots__ = ("event_id", "stream_version")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    STREAM_VERSION_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    stream_version: int
    def __init__(self, event_id: _Optional[str] = ..., stream_version: _Optional[int] = ...) -> None: ...

from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Optional as _Optional

DESCRIPTOR: _descriptor.FileDescriptor

class ArtifactFile(_message.Message):
    __slots__ = ("path", "is_dir", "size", "sha256")
    PATH_FIELD_NUMBER: _ClassVar[int]
    IS_DIR_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    path: str
    is_dir: bool
    size: int
    sha256: str
    def __init__(self, path: _Optional[str] = ..., is_dir: _Optional[bool] = ..., size: _Optional[int] = ..., sha256: _Optional[str] = ...) -> None: ...

class SnapshotArtifactsRequest(_message.Message):
    __slots__ = ("source_uri", "source_path", "destination_uri")
    SOURCE_URI_FIELD_NUMBER: _ClassVar[int]
    SOURCE_PATH_FIELD_NUMBER: _ClassVar[int]
    DESTINATION_URI_FIELD_NUMBER: _ClassVar[int]
    source_uri: str
    source_path: str
    destination_uri: str
    def __init__(self, source_uri: _Optional[str] = ..., source_path: _Optional[str] = ..., destination_uri: _Optional[str] = ...) -> None: ...

class SnapshotArtifactsResponse(_message.Message):
    __slots__ = ("artifact_uri", "file_count", "total_bytes")
    ARTIFACT_URI_FIELD_NUMBER: _ClassVar[int]
    FILE_COUNT_FIELD_NUMBER: _ClassVar[int]
    TOTAL_BYTES_FIELD_NUMBER: _ClassVar[int]
    artifact_uri: str
    file_count: int
    total_bytes: int
    def __init__(self, artifact_uri: _Optional[str] = ..., file_count: _Optional[int] = ..., total_bytes: _Optional[int] = ...) -> None: ...

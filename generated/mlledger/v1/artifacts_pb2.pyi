from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

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
    __slots__ = ("source_uri", "source_path", "destination_uri", "defer_above_bytes", "defer_above_files", "content_path", "content_max_bytes")
    SOURCE_URI_FIELD_NUMBER: _ClassVar[int]
    SOURCE_PATH_FIELD_NUMBER: _ClassVar[int]
    DESTINATION_URI_FIELD_NUMBER: _ClassVar[int]
    DEFER_ABOVE_BYTES_FIELD_NUMBER: _ClassVar[int]
    DEFER_ABOVE_FILES_FIELD_NUMBER: _ClassVar[int]
    CONTENT_PATH_FIELD_NUMBER: _ClassVar[int]
    CONTENT_MAX_BYTES_FIELD_NUMBER: _ClassVar[int]
    source_uri: str
    source_path: str
    destination_uri: str
    defer_above_bytes: int
    defer_above_files: int
    content_path: str
    content_max_bytes: int
    def __init__(self, source_uri: _Optional[str] = ..., source_path: _Optional[str] = ..., destination_uri: _Optional[str] = ..., defer_above_bytes: _Optional[int] = ..., defer_above_files: _Optional[int] = ..., content_path: _Optional[str] = ..., content_max_bytes: _Optional[int] = ...) -> None: ...

class SnapshotArtifactsResponse(_message.Message):
    __slots__ = ("artifact_uri", "file_count", "total_bytes", "deferred", "content")
    ARTIFACT_URI_FIELD_NUMBER: _ClassVar[int]
    FILE_COUNT_FIELD_NUMBER: _ClassVar[int]
    TOTAL_BYTES_FIELD_NUMBER: _ClassVar[int]
    DEFERRED_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    artifact_uri: str
    file_count: int
    total_bytes: int
    deferred: bool
    content: bytes
    def __init__(self, artifact_uri: _Optional[str] = ..., file_count: _Optional[int] = ..., total_bytes: _Optional[int] = ..., deferred: _Optional[bool] = ..., content: _Optional[bytes] = ...) -> None: ...

class UploadHeader(_message.Message):
    __slots__ = ("artifact_uri", "path", "expected_size", "expected_sha256")
    ARTIFACT_URI_FIELD_NUMBER: _ClassVar[int]
    PATH_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_SIZE_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_SHA256_FIELD_NUMBER: _ClassVar[int]
    artifact_uri: str
    path: str
    expected_size: int
    expected_sha256: str
    def __init__(self, artifact_uri: _Optional[str] = ..., path: _Optional[str] = ..., expected_size: _Optional[int] = ..., expected_sha256: _Optional[str] = ...) -> None: ...

class UploadArtifactRequest(_message.Message):
    __slots__ = ("header", "chunk", "trailing_sha256")
    HEADER_FIELD_NUMBER: _ClassVar[int]
    CHUNK_FIELD_NUMBER: _ClassVar[int]
    TRAILING_SHA256_FIELD_NUMBER: _ClassVar[int]
    header: UploadHeader
    chunk: bytes
    trailing_sha256: str
    def __init__(self, header: _Optional[_Union[UploadHeader, _Mapping]] = ..., chunk: _Optional[bytes] = ..., trailing_sha256: _Optional[str] = ...) -> None: ...

class UploadArtifactResponse(_message.Message):
    __slots__ = ("file", "artifact_uri")
    FILE_FIELD_NUMBER: _ClassVar[int]
    ARTIFACT_URI_FIELD_NUMBER: _ClassVar[int]
    file: ArtifactFile
    artifact_uri: str
    def __init__(self, file: _Optional[_Union[ArtifactFile, _Mapping]] = ..., artifact_uri: _Optional[str] = ...) -> None: ...

class DownloadArtifactRequest(_message.Message):
    __slots__ = ("artifact_uri", "path", "offset", "length")
    ARTIFACT_URI_FIELD_NUMBER: _ClassVar[int]
    PATH_FIELD_NUMBER: _ClassVar[int]
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    LENGTH_FIELD_NUMBER: _ClassVar[int]
    artifact_uri: str
    path: str
    offset: int
    length: int
    def __init__(self, artifact_uri: _Optional[str] = ..., path: _Optional[str] = ..., offset: _Optional[int] = ..., length: _Optional[int] = ...) -> None: ...

class DownloadArtifactResponse(_message.Message):
    __slots__ = ("file", "chunk", "offset")
    FILE_FIELD_NUMBER: _ClassVar[int]
    CHUNK_FIELD_NUMBER: _ClassVar[int]
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    file: ArtifactFile
    chunk: bytes
    offset: int
    def __init__(self, file: _Optional[_Union[ArtifactFile, _Mapping]] = ..., chunk: _Optional[bytes] = ..., offset: _Optional[int] = ...) -> None: ...

class ListArtifactsRequest(_message.Message):
    __slots__ = ("artifact_uri", "path", "page_size", "page_token", "recursive")
    ARTIFACT_URI_FIELD_NUMBER: _ClassVar[int]
    PATH_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    RECURSIVE_FIELD_NUMBER: _ClassVar[int]
    artifact_uri: str
    path: str
    page_size: int
    page_token: str
    recursive: bool
    def __init__(self, artifact_uri: _Optional[str] = ..., path: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., recursive: _Optional[bool] = ...) -> None: ...

class ListArtifactsResponse(_message.Message):
    __slots__ = ("files", "next_page_token", "artifact_uri")
    FILES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    ARTIFACT_URI_FIELD_NUMBER: _ClassVar[int]
    files: _containers.RepeatedCompositeFieldContainer[ArtifactFile]
    next_page_token: str
    artifact_uri: str
    def __init__(self, files: _Optional[_Iterable[_Union[ArtifactFile, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., artifact_uri: _Optional[str] = ...) -> None: ...

class DeleteArtifactsRequest(_message.Message):
    __slots__ = ("artifact_uri", "path")
    ARTIFACT_URI_FIELD_NUMBER: _ClassVar[int]
    PATH_FIELD_NUMBER: _ClassVar[int]
    artifact_uri: str
    path: str
    def __init__(self, artifact_uri: _Optional[str] = ..., path: _Optional[str] = ...) -> None: ...

class DeleteArtifactsResponse(_message.Message):
    __slots__ = ("file_count", "total_bytes")
    FILE_COUNT_FIELD_NUMBER: _ClassVar[int]
    TOTAL_BYTES_FIELD_NUMBER: _ClassVar[int]
    file_count: int
    total_bytes: int
    def __init__(self, file_count: _Optional[int] = ..., total_bytes: _Optional[int] = ...) -> None: ...

class ArtifactStored(_message.Message):
    __slots__ = ("artifact_uri", "file")
    ARTIFACT_URI_FIELD_NUMBER: _ClassVar[int]
    FILE_FIELD_NUMBER: _ClassVar[int]
    artifact_uri: str
    file: ArtifactFile
    def __init__(self, artifact_uri: _Optional[str] = ..., file: _Optional[_Union[ArtifactFile, _Mapping]] = ...) -> None: ...

class ArtifactDeleted(_message.Message):
    __slots__ = ("artifact_uri", "path", "file_count", "total_bytes")
    ARTIFACT_URI_FIELD_NUMBER: _ClassVar[int]
    PATH_FIELD_NUMBER: _ClassVar[int]
    FILE_COUNT_FIELD_NUMBER: _ClassVar[int]
    TOTAL_BYTES_FIELD_NUMBER: _ClassVar[int]
    artifact_uri: str
    path: str
    file_count: int
    total_bytes: int
    def __init__(self, artifact_uri: _Optional[str] = ..., path: _Optional[str] = ..., file_count: _Optional[int] = ..., total_bytes: _Optional[int] = ...) -> None: ...

class ArtifactSnapshotted(_message.Message):
    __slots__ = ("source_uri", "source_path", "destination_uri", "files")
    SOURCE_URI_FIELD_NUMBER: _ClassVar[int]
    SOURCE_PATH_FIELD_NUMBER: _ClassVar[int]
    DESTINATION_URI_FIELD_NUMBER: _ClassVar[int]
    FILES_FIELD_NUMBER: _ClassVar[int]
    source_uri: str
    source_path: str
    destination_uri: str
    files: _containers.RepeatedCompositeFieldContainer[ArtifactFile]
    def __init__(self, source_uri: _Optional[str] = ..., source_path: _Optional[str] = ..., destination_uri: _Optional[str] = ..., files: _Optional[_Iterable[_Union[ArtifactFile, _Mapping]]] = ...) -> None: ...

class PurgeArtifactsRequest(_message.Message):
    __slots__ = ("artifact_uri",)
    ARTIFACT_URI_FIELD_NUMBER: _ClassVar[int]
    artifact_uri: str
    def __init__(self, artifact_uri: _Optional[str] = ...) -> None: ...

class PurgeArtifactsResponse(_message.Message):
    __slots__ = ("file_count", "redacted_events")
    FILE_COUNT_FIELD_NUMBER: _ClassVar[int]
    REDACTED_EVENTS_FIELD_NUMBER: _ClassVar[int]
    file_count: int
    redacted_events: int
    def __init__(self, file_count: _Optional[int] = ..., redacted_events: _Optional[int] = ...) -> None: ...

class ArtifactPurged(_message.Message):
    __slots__ = ("artifact_uri", "file_count", "redacted_events")
    ARTIFACT_URI_FIELD_NUMBER: _ClassVar[int]
    FILE_COUNT_FIELD_NUMBER: _ClassVar[int]
    REDACTED_EVENTS_FIELD_NUMBER: _ClassVar[int]
    artifact_uri: str
    file_count: int
    redacted_events: int
    def __init__(self, artifact_uri: _Optional[str] = ..., file_count: _Optional[int] = ..., redacted_events: _Optional[int] = ...) -> None: ...

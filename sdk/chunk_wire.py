"""The chunk messages of the artifact streams, encoded and decoded without copying their content.

protobuf's Python API copies a bytes field when it is set, when it is serialized and each time
it is read, so a file's content used to be copied two or three extra times on each side of a
transfer. The messages that carry content are simple on the wire, and these codecs write and
read them directly; the SDK and the artifacts service use them for UploadArtifact and
DownloadArtifact. On the wire nothing changes: a generated client or server in any language
sees ordinary protobuf messages.

- UploadArtifactRequest{chunk}: field 2 (`chunk`, length-delimited) alone.
- DownloadArtifactResponse{chunk, offset}: field 2 (`chunk`), then field 3 (`offset`, a varint)
  unless it is 0.

Every other message (an upload's header or trailing digest, a download's first message with
`file`) goes through protobuf, and decoding falls back to protobuf for anything that is not
exactly one of the forms above, so no valid message is misread.
"""

from __future__ import annotations

from typing import NamedTuple, cast

from mlledger.v1 import artifacts_pb2

_CHUNK_TAG = b"\x12"  # field 2, wire type 2 (length-delimited)
_OFFSET_TAG = 0x18  # field 3, wire type 0 (varint)
_MAX_INT64 = (1 << 63) - 1


class Chunk(NamedTuple):
    """The content of one chunk message, and in a download where in the file it starts."""

    data: bytes | memoryview
    offset: int = 0


def _varint(value: int) -> bytes:
    out = bytearray()
    while value > 0x7F:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _read_varint(data: bytes, at: int) -> tuple[int, int] | None:
    """(value, position after it) of the varint at `at`, or None when there is no complete one up to int64."""
    value, shift = 0, 0
    while at < len(data) and shift < 63:
        byte = data[at]
        value |= (byte & 0x7F) << shift
        at += 1
        if byte < 0x80:
            return (value, at) if value <= _MAX_INT64 else None
        shift += 7
    return None


def _content(data: bytes) -> tuple[memoryview, int] | None:
    """The chunk field at the start of `data` (without a copy) and where it ends, if `data` starts with one."""
    if data[:1] != _CHUNK_TAG:
        return None
    length = _read_varint(data, 1)
    if length is None or length[1] + length[0] > len(data):
        return None
    start = length[1]
    end = start + length[0]
    return memoryview(data)[start:end], end


def encode_upload_request(request: artifacts_pb2.UploadArtifactRequest | Chunk) -> bytes:
    """The wire form of an upload message: a Chunk's content is copied once, into the result."""
    if isinstance(request, Chunk):
        return b"".join((_CHUNK_TAG, _varint(len(request.data)), request.data))
    return cast(bytes, request.SerializeToString())


def decode_upload_request(data: bytes) -> artifacts_pb2.UploadArtifactRequest | Chunk:
    """An upload message: a Chunk viewing `data` when it carries only content, else the protobuf message."""
    found = _content(data)
    if found is not None and found[1] == len(data):
        return Chunk(found[0])
    return cast(artifacts_pb2.UploadArtifactRequest, artifacts_pb2.UploadArtifactRequest.FromString(data))


def encode_download_response(response: artifacts_pb2.DownloadArtifactResponse | Chunk) -> bytes:
    """The wire form of a download message: a Chunk's content is copied once, into the result."""
    if isinstance(response, Chunk):
        offset = bytes((_OFFSET_TAG,)) + _varint(response.offset) if response.offset else b""
        return b"".join((_CHUNK_TAG, _varint(len(response.data)), response.data, offset))
    return cast(bytes, response.SerializeToString())


def decode_download_response(data: bytes) -> artifacts_pb2.DownloadArtifactResponse | Chunk:
    """A download message: a Chunk viewing `data` when it carries only content and offset, else the protobuf message."""
    found = _content(data)
    if found is not None:
        content, end = found
        if end == len(data):
            return Chunk(content)
        if data[end] == _OFFSET_TAG:
            offset = _read_varint(data, end + 1)
            if offset is not None and offset[1] == len(data):
                return Chunk(content, offset[0])
    return cast(artifacts_pb2.DownloadArtifactResponse, artifacts_pb2.DownloadArtifactResponse.FromString(data))


__all__ = ["Chunk", "decode_download_response", "decode_upload_request", "encode_download_response",
           "encode_upload_request"]

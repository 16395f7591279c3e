"""mlledger.chunk_wire: the artifact streams' chunk messages, as protobuf writes and reads them."""

from __future__ import annotations

import pytest
from google.protobuf.message import DecodeError

from mlledger import chunk_wire
from mlledger.chunk_wire import Chunk
from mlledger.v1 import artifacts_pb2

LENGTHS = [0, 1, 127, 128, 300, 16383, 16384, 1 << 20, (1 << 21) + 3]
OFFSETS = [0, 1, 127, 128, 1 << 20, (1 << 35) + 5, (1 << 63) - 1]


@pytest.mark.parametrize("length", LENGTHS)
def test_an_upload_chunk_is_the_bytes_protobuf_writes(length):
    """An encoded upload Chunk equals protobuf's serialization and decodes back to a view of the same bytes."""
    data = bytes(range(256)) * (length // 256) + b"x" * (length % 256)
    wire = chunk_wire.encode_upload_request(Chunk(memoryview(data)))
    assert wire == artifacts_pb2.UploadArtifactRequest(chunk=data).SerializeToString()
    decoded = chunk_wire.decode_upload_request(wire)
    assert isinstance(decoded, Chunk) and isinstance(decoded.data, memoryview)
    assert decoded.data == data and decoded.data.obj is wire  # a view of the received bytes, not a copy


@pytest.mark.parametrize("offset", OFFSETS)
@pytest.mark.parametrize("length", [0, 5, 200, 1 << 20])
def test_a_download_chunk_is_what_protobuf_reads(length, offset):
    """An encoded download Chunk parses with protobuf to the same content and offset, and decodes back."""
    data = b"\x07" * length
    wire = chunk_wire.encode_download_response(Chunk(data, offset))
    parsed = artifacts_pb2.DownloadArtifactResponse.FromString(wire)
    assert parsed.chunk == data and parsed.offset == offset and not parsed.HasField("file")
    if data:  # protobuf leaves an empty chunk out; the codec writes it, which parses the same
        assert wire == artifacts_pb2.DownloadArtifactResponse(chunk=data, offset=offset).SerializeToString()
    decoded = chunk_wire.decode_download_response(wire)
    assert isinstance(decoded, Chunk) and decoded.data == data and decoded.offset == offset


def test_protobuf_chunk_messages_decode_as_chunks():
    """Chunk messages serialized by protobuf itself (e.g. a generated client) take the same fast path."""
    upload = artifacts_pb2.UploadArtifactRequest(chunk=b"abc").SerializeToString()
    assert chunk_wire.decode_upload_request(upload) == Chunk(memoryview(b"abc"))
    download = artifacts_pb2.DownloadArtifactResponse(chunk=b"abc", offset=9).SerializeToString()
    assert chunk_wire.decode_download_response(download) == Chunk(memoryview(b"abc"), 9)


@pytest.mark.parametrize("message", [
    artifacts_pb2.UploadArtifactRequest(header=artifacts_pb2.UploadHeader(artifact_uri="u", path="p")),
    artifacts_pb2.UploadArtifactRequest(trailing_sha256="0" * 64),
    artifacts_pb2.UploadArtifactRequest(),
])
def test_other_upload_messages_go_through_protobuf(message):
    """Headers, trailing digests and empty messages are encoded and decoded as protobuf messages."""
    wire = chunk_wire.encode_upload_request(message)
    assert wire == message.SerializeToString()
    assert chunk_wire.decode_upload_request(wire) == message


def test_a_first_download_message_goes_through_protobuf():
    """The message carrying the file's metadata round-trips as a protobuf message."""
    message = artifacts_pb2.DownloadArtifactResponse(file=artifacts_pb2.ArtifactFile(path="a", size=3), chunk=b"abc")
    wire = chunk_wire.encode_download_response(message)
    assert chunk_wire.decode_download_response(wire) == message


@pytest.mark.parametrize("wire", [
    # a chunk followed by another field: last-one-wins and unknown fields are protobuf's business
    artifacts_pb2.UploadArtifactRequest(chunk=b"ab").SerializeToString() + b"\x12\x01c",
    artifacts_pb2.UploadArtifactRequest(chunk=b"ab").SerializeToString() + b"\x1a\x00",
    b"\x12\x05abc",  # truncated: protobuf refuses it
    b"\x12\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01",  # a length beyond int64
])
def test_anything_but_a_lone_chunk_is_left_to_protobuf(wire):
    """A message that is not exactly one chunk field decodes as protobuf decodes it (or fails as it fails)."""
    try:
        expected = artifacts_pb2.UploadArtifactRequest.FromString(wire)
    except DecodeError:
        with pytest.raises(DecodeError):
            chunk_wire.decode_upload_request(wire)
        return
    assert chunk_wire.decode_upload_request(wire) == expected


@pytest.mark.parametrize("wire", [
    artifacts_pb2.DownloadArtifactResponse(chunk=b"ab", offset=3).SerializeToString() + b"\x18\x04",
    b"\x12\x02ab\x18",  # an offset tag without its value
    b"\x12\x02ab\x18\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01",  # a negative offset (ten-byte varint)
])
def test_irregular_download_messages_are_left_to_protobuf(wire):
    """Repeated or negative offsets and truncated varints decode as protobuf decodes them (or fail as it fails)."""
    try:
        expected = artifacts_pb2.DownloadArtifactResponse.FromString(wire)
    except DecodeError:
        with pytest.raises(DecodeError):
            chunk_wire.decode_download_response(wire)
        return
    assert chunk_wire.decode_download_response(wire) == expected

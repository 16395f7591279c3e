"""Small helpers shared by the artifact tests: raw stubs, unique locations, NATS reads."""

from __future__ import annotations

import asyncio
import hashlib
import time
import uuid
from collections.abc import Iterator

import grpc
import nats

from mlledger.transport import from_rpc_error
from mlledger.testing import TestStack
from mlledger.v1 import artifacts_pb2, artifacts_pb2_grpc, events_pb2


def new_location() -> str:
    """A fresh location under the managed root."""
    return f"mlledger-artifacts:/tests/{uuid.uuid4().hex}"


_channels: dict[str, grpc.Channel] = {}


def stub(stack: TestStack) -> artifacts_pb2_grpc.ArtifactServiceStub:
    """A raw gRPC stub of the stack's artifact service (one channel per address, kept for the session)."""
    address = stack.endpoints["artifacts"]
    if address not in _channels:
        _channels[address] = grpc.insecure_channel(address)
    return artifacts_pb2_grpc.ArtifactServiceStub(_channels[address])


def messages(uri: str, path: str, data: bytes, *, sha256: str = "", size: int | None = None,
             chunk: int = 1 << 20) -> Iterator[artifacts_pb2.UploadArtifactRequest]:
    """An upload stream: header, then `data` in chunks."""
    header = artifacts_pb2.UploadHeader(artifact_uri=uri, path=path, expected_sha256=sha256)
    if size is not None:
        header.expected_size = size
    yield artifacts_pb2.UploadArtifactRequest(header=header)
    for start in range(0, len(data), chunk):
        yield artifacts_pb2.UploadArtifactRequest(chunk=data[start:start + chunk])


def raw_call(fn, *args, **kwargs):  # type: ignore[no-untyped-def]
    """Call a raw stub method, turning a gRPC error into the mlledger error it carries."""
    try:
        return fn(*args, **kwargs)
    except grpc.RpcError as exc:
        raise from_rpc_error(exc) from None


def download(stack: TestStack, uri: str, path: str, offset: int = 0, length: int = 0) -> tuple[bytes, list]:
    """The bytes (and the messages) of a raw DownloadArtifact call."""
    request = artifacts_pb2.DownloadArtifactRequest(artifact_uri=uri, path=path, offset=offset, length=length)
    replies = raw_call(lambda: list(stub(stack).DownloadArtifact(request, timeout=60)))
    return b"".join(reply.chunk for reply in replies), replies


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


async def _published(stack: TestStack, service: str) -> list[events_pb2.Event]:
    nc = await nats.connect(stack.nats_url)
    try:
        js = nc.jetstream()
        info = await js.stream_info(stack.stream_name)
        found = []
        for seq in range(info.state.first_seq, info.state.last_seq + 1):
            msg = await js.get_msg(stack.stream_name, seq)
            if msg.subject.startswith(f"{stack.subject_prefix}.{service}."):
                found.append((msg.subject, events_pb2.Event.FromString(msg.data)))
        return found
    finally:
        await nc.close()


def wait_for_events(stack: TestStack, predicate, timeout: float = 20.0) -> list:  # type: ignore[no-untyped-def]
    """The (subject, event) pairs the artifacts service published, once `predicate` holds for them."""
    deadline = time.monotonic() + timeout
    while True:
        found = asyncio.run(_published(stack, "artifacts"))
        if predicate(found) or time.monotonic() > deadline:
            return found
        time.sleep(0.2)

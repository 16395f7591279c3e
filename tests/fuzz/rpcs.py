"""Every RPC of the services (their own, the registry's webhooks and deployments, and the shared ones on every
service), found from the generated descriptors, and a generic caller."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass

import grpc
from google.protobuf import message_factory
from google.protobuf.descriptor import MethodDescriptor
from google.protobuf.message import Message

from mlledger.v1 import (artifacts_pb2, common_pb2, deployments_pb2, events_pb2, registry_pb2, subscriptions_pb2,
                         tracking_pb2, webhooks_pb2)

#: Which service answers each file's RPCs; the shared ones are asked of every service.
_FILES = {"tracking": (tracking_pb2,), "registry": (registry_pb2, webhooks_pb2, deployments_pb2),
          "artifacts": (artifacts_pb2,)}
_SHARED = (common_pb2, events_pb2, subscriptions_pb2)
#: Server-streaming RPCs that follow the log live and so end only when the caller stops: they are
#: called with a short deadline, and reaching it is their normal end.
LIVE = {"mlledger.v1.EventService.Subscribe"}
LIVE_SECONDS = 1.5
#: RPCs that remove data for ever: the suite never lets them name the data it reads back afterwards.
DESTRUCTIVE = {"PurgeRun", "PurgeExperiment", "PurgeModelVersion", "PurgeArtifacts"}
#: A call not answered within this many seconds counts as a hang.
HANG_SECONDS = 60.0
#: Answers that mean a bug in the service (or a status that could not be delivered).
FORBIDDEN = {grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN}


@dataclass(frozen=True)
class Rpc:
    """One RPC: the service that answers it, its descriptor and its message classes."""

    service: str
    method: MethodDescriptor

    @property
    def path(self) -> str:
        return f"/{self.method.containing_service.full_name}/{self.method.name}"

    @property
    def request_class(self) -> type[Message]:
        return message_factory.GetMessageClass(self.method.input_type)

    @property
    def response_class(self) -> type[Message]:
        return message_factory.GetMessageClass(self.method.output_type)

    @property
    def live(self) -> bool:
        return self.method.full_name in LIVE

    @property
    def destructive(self) -> bool:
        return self.method.name in DESTRUCTIVE

    def __str__(self) -> str:
        return f"{self.service}:{self.method.containing_service.name}.{self.method.name}"


def all_rpcs() -> list[Rpc]:
    """Every RPC of every service, in a stable order."""
    found = []
    for service, modules in _FILES.items():
        for module in modules:
            for descriptor in module.DESCRIPTOR.services_by_name.values():
                found += [Rpc(service, method) for method in descriptor.methods]
    for module in _SHARED:
        for descriptor in module.DESCRIPTOR.services_by_name.values():
            found += [Rpc(service, method) for method in descriptor.methods for service in _FILES]
    return found


class Counter:
    """Counts the requests sent, across threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.value = 0

    def add(self, n: int = 1) -> None:
        with self._lock:
            self.value += n


REQUESTS = Counter()


def invoke(channel: grpc.Channel, rpc: Rpc, requests: Iterable[Message], timeout: float = HANG_SECONDS,
           ) -> tuple[grpc.StatusCode, str]:
    """Send `requests` (one unless the RPC streams from the client); the status code and message of the answer."""
    items = list(requests)
    REQUESTS.add()
    timeout = min(timeout, LIVE_SECONDS) if rpc.live else timeout
    serialize, deserialize = rpc.request_class.SerializeToString, rpc.response_class.FromString
    method = rpc.method
    try:
        if method.client_streaming:
            channel.stream_unary(rpc.path, request_serializer=serialize, response_deserializer=deserialize)(
                iter(items), timeout=timeout)
        elif method.server_streaming:
            for _ in channel.unary_stream(rpc.path, request_serializer=serialize,
                                          response_deserializer=deserialize)(items[0], timeout=timeout):
                pass
        else:
            channel.unary_unary(rpc.path, request_serializer=serialize, response_deserializer=deserialize)(
                items[0], timeout=timeout)
    except grpc.RpcError as exc:
        return exc.code(), exc.details() or ""
    return grpc.StatusCode.OK, ""


def invoke_raw(channel: grpc.Channel, rpc: Rpc, payload: bytes, timeout: float = HANG_SECONDS,
               ) -> tuple[grpc.StatusCode, str]:
    """Send raw bytes as the request (identity serializers), as a client with a corrupt encoder would."""
    REQUESTS.add()
    timeout = min(timeout, LIVE_SECONDS) if rpc.live else timeout
    try:
        if rpc.method.client_streaming:
            channel.stream_unary(rpc.path)(iter([payload]), timeout=timeout)
        elif rpc.method.server_streaming:
            for _ in channel.unary_stream(rpc.path)(payload, timeout=timeout):
                pass
        else:
            channel.unary_unary(rpc.path)(payload, timeout=timeout)
    except grpc.RpcError as exc:
        return exc.code(), exc.details() or ""
    return grpc.StatusCode.OK, ""


def problem(rpc: Rpc, code: grpc.StatusCode, details: str) -> str | None:
    """What is wrong with an answer, or None when it is an acceptable one."""
    if code in FORBIDDEN:
        return f"{rpc} answered {code.name}: {details[:300]}"
    if code == grpc.StatusCode.DEADLINE_EXCEEDED and not rpc.live:
        return f"{rpc} hung (no answer within {HANG_SECONDS:.0f} s)"
    if code == grpc.StatusCode.RESOURCE_EXHAUSTED and "metadata" in details:
        return f"{rpc}: the status did not fit the metadata limit: {details[:300]}"
    return None

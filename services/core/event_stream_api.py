"""EventService: the deployment's events as a gRPC stream, replay then live.

Every service answers it over the one JetStream stream all services publish to. A call is one
ephemeral pull consumer starting after the requested position: the replay and the live tail
are the same consumer's deliveries, so there is no seam to lose or repeat an event at.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from collections.abc import AsyncIterator

import grpc
from nats.aio.client import Client as NATS

from mlledger import errors
from mlledger.jetstream import Subscription, num_pending, resolve_subject, sequence
from mlledger.services.eventstore import jetstream
from mlledger.services.eventstore.jetstream import StreamSettings
from mlledger.v1 import subscriptions_pb2 as pb, subscriptions_pb2_grpc

MAX_BATCH = 1000
DEFAULT_BATCH = 256
TYPE_HEADER = "Mlledger-Event-Type"
STREAM_HEADER = "Mlledger-Stream"


def check_subject(pattern: str) -> None:
    """Refuse patterns NATS would refuse, naming the field."""
    tokens = pattern.split(".")
    if any(not token or " " in token for token in tokens) or ">" in tokens[:-1]:
        raise errors.InvalidArgument("subject", f"not a NATS subject pattern: {pattern!r}")


class EventStreamApi(subscriptions_pb2_grpc.EventServiceServicer):
    """Streams events from JetStream, filtered by subject, type and entity."""

    def __init__(self, nats_url: str, settings: StreamSettings) -> None:
        self.nats_url = nats_url
        self.settings = settings
        self._nc: NATS | None = None
        self._lock = asyncio.Lock()

    async def _connection(self) -> NATS:
        if not self.nats_url:
            raise errors.Unavailable("this service publishes no events: it has no NATS URL configured")
        async with self._lock:
            if self._nc is None or self._nc.is_closed:
                try:
                    self._nc = await jetstream.connect(self.nats_url, name="mlledger-event-service")
                except Exception as exc:  # any connection failure is a dependency outage
                    raise errors.Unavailable(f"NATS is not reachable: {exc}") from exc
            return self._nc

    async def GetStreamInfo(  # gRPC method name
        self, request: pb.GetStreamInfoRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetStreamInfoResponse:
        nc = await self._connection()
        info = await nc.jetstream().stream_info(self.settings.stream_name)
        return pb.GetStreamInfoResponse(
            nats_url=self.nats_url, stream_name=self.settings.stream_name,
            subject_prefix=self.settings.subject_prefix,
            first_position=info.state.first_seq if info.state.messages else 0,
            last_position=info.state.last_seq,
        )

    async def Subscribe(  # gRPC method name
        self, request: pb.SubscribeRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[pb.SubscribeResponse]:
        if request.after_position < 0:
            raise errors.InvalidArgument("after_position", f"must not be negative, got {request.after_position}")
        if request.max_batch < 0 or request.max_batch > MAX_BATCH:
            raise errors.InvalidArgument("max_batch", f"must be between 0 and {MAX_BATCH}, got {request.max_batch}")
        subject = resolve_subject(request.subject, self.settings.subject_prefix)
        check_subject(subject)
        subscription = Subscription(
            self.nats_url, self.settings.stream_name, self.settings.subject_prefix, subject,
            after_position=request.after_position, from_now=request.from_now,
            batch=request.max_batch or DEFAULT_BATCH, nc=await self._connection(),
            since_time=request.since_time.ToDatetime(tzinfo=dt.timezone.utc) if request.HasField("since_time") else None,
        )
        types = set(request.types)
        entity = request.entity
        await subscription.open()
        try:
            caught_up = request.from_now or await subscription.nothing_to_replay()
            if caught_up:
                yield pb.SubscribeResponse(last_position=request.after_position, caught_up=True)
                if request.replay_only:
                    return
            async for msgs in subscription.batches():
                if not msgs:
                    continue
                response = pb.SubscribeResponse()
                for msg in msgs:
                    headers = msg.headers or {}
                    if types and headers.get(TYPE_HEADER) not in types:
                        continue
                    if entity and headers.get(STREAM_HEADER) != entity:
                        continue
                    event = response.events.add()
                    event.ParseFromString(msg.data)
                    event.position = sequence(msg)
                response.last_position = sequence(msgs[-1])
                if not caught_up and num_pending(msgs[-1]) == 0:
                    caught_up = response.caught_up = True
                yield response
                if caught_up and request.replay_only:
                    return
        finally:
            await subscription.close()

    async def close(self) -> None:
        if self._nc is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._nc.close(), 2.0)

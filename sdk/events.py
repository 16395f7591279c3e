"""Subscribe to a deployment's events: `mlledger.events.subscribe(...)`.

    for event in mlledger.events.subscribe("mlledger.registry.model_version.>", durable="deployer"):
        print(event.position, event.type, event.payload)

or with a callback, in a background thread:

    sub = mlledger.events.subscribe(types=["model_version.stage_transitioned"], callback=print)
    ...
    sub.close()

Events come from NATS JetStream (found through the services unless `nats_url` is given), from a
stored position (`after_position`), from the oldest event kept, or from now. With a `durable`
name JetStream keeps the consumer's place too, and each event is acked once your loop body (or
callback) has returned for it. Repeats are dropped by event id. `event.position` is what to
store to resume.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from google.protobuf import descriptor_pool, message_factory
from google.protobuf.message import Message

from mlledger.transport import Transport
from mlledger.jetstream import Position, Subscription, decode, sequence
from mlledger.v1 import (  # noqa: F401 - imported so every payload type is known to the descriptor pool
    artifacts_pb2, deployments_pb2, events_pb2, registry_pb2, subscriptions_pb2, subscriptions_pb2_grpc, tracking_pb2,
    webhooks_pb2,
)

TYPE_HEADER = "Mlledger-Event-Type"
STREAM_HEADER = "Mlledger-Stream"


class ReceivedEvent:
    """One event: envelope fields, and the payload decoded into its protobuf message on first use."""

    __slots__ = ("_payload", "raw", "subject")

    def __init__(self, raw: events_pb2.Event, subject: str) -> None:
        self.raw = raw
        self.subject = subject
        self._payload: Message | None = None

    id = property(lambda self: self.raw.id, doc="The event id (a UUID).")
    position = property(lambda self: self.raw.position, doc="Position on the stream: store it to resume.")
    service = property(lambda self: self.raw.service, doc="The service whose log holds the event.")
    type = property(lambda self: self.raw.type, doc='What happened, e.g. "model_version.stage_transitioned".')
    entity = property(lambda self: self.raw.stream, doc='The entity (stream), e.g. "run/<id>".')
    entity_version = property(lambda self: self.raw.stream_version, doc="The entity's version after the event.")
    global_position = property(lambda self: self.raw.global_position, doc="Position in the service's own log.")
    actor = property(lambda self: self.raw.actor, doc="Who made the change.")
    correlation_id = property(lambda self: self.raw.correlation_id, doc="Correlation id of the causing request.")

    @property
    def time(self) -> dt.datetime:
        """When the change was committed (UTC)."""
        time: dt.datetime = self.raw.time.ToDatetime(tzinfo=dt.timezone.utc)
        return time

    @property
    def payload_type(self) -> str:
        """Full name of the payload message, e.g. "mlledger.v1.ModelVersionStageTransitioned"."""
        return str(self.raw.payload.type_url).rpartition("/")[2]

    @property
    def payload(self) -> Message:
        """The payload as its generated protobuf message."""
        if self._payload is None:
            descriptor = descriptor_pool.Default().FindMessageTypeByName(self.payload_type)
            self._payload = message_factory.GetMessageClass(descriptor).FromString(self.raw.payload.value)
        return self._payload

    def __repr__(self) -> str:
        return f"<ReceivedEvent {self.position} {self.service}.{self.type} {self.entity}>"


@dataclass
class _Batch:
    events: list[ReceivedEvent]
    msgs: list[Any]


class EventSubscription:
    """An open subscription: iterate it, or let it call a callback; `close()` when done."""

    def __init__(self, subscription: Subscription, *, types: Iterable[str] = (), entity: str = "",
                 buffer: int = 8) -> None:
        self._subscription = subscription
        self._types = set(types)
        self._entity = entity
        self._seen = Position(subscription.after_position)
        self._queue: queue.Queue[_Batch | BaseException | None] = queue.Queue(maxsize=buffer)
        self._handled: list[Any] = []
        self._stopping = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._opened = threading.Event()
        self._thread = threading.Thread(target=self._run, name="mlledger-events", daemon=True)
        self._callback_thread: threading.Thread | None = None
        #: Position of the last event handed out (store it to resume with after_position=...).
        self.position = subscription.after_position
        self._thread.start()
        self._opened.wait()

    # -- the background loop: fetch, filter, hand over, ack what was handled --

    def _run(self) -> None:
        self._loop = asyncio.new_event_loop()
        try:
            self._loop.run_until_complete(self._pump())
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer
            self._put(exc)
        finally:
            self._opened.set()
            self._loop.close()

    async def _pump(self) -> None:
        try:
            await self._subscription.open()
            # Resuming a durable may have moved the start to where JetStream had got to.
            self._seen = Position(self._subscription.after_position)
            self.position = self._subscription.after_position
        finally:
            self._opened.set()
        try:
            async for msgs in self._subscription.batches(0.5):
                await self._ack_handled()
                if self._stopping.is_set():
                    return
                if not msgs:
                    continue
                wanted = [msg for msg in msgs if self._wanted(msg)] if self._types or self._entity else msgs
                events = [ReceivedEvent(decode(msg), msg.subject) for msg in wanted]
                fresh = {id(raw) for raw in self._seen.fresh([e.raw for e in events])}
                batch = _Batch([e for e in events if id(e.raw) in fresh], msgs)
                while not self._stopping.is_set():
                    try:
                        self._queue.put(batch, timeout=0.05)
                        break
                    except queue.Full:
                        await self._ack_handled()
                        await asyncio.sleep(0.01)
        finally:
            await self._ack_handled()
            await self._subscription.close()
            self._put(None)

    def _wanted(self, msg: Any) -> bool:
        headers = msg.headers or {}
        return (not self._types or headers.get(TYPE_HEADER) in self._types) and (
            not self._entity or headers.get(STREAM_HEADER) == self._entity)

    async def _ack_handled(self) -> None:
        handled, self._handled = self._handled, []
        for msgs in handled:
            await self._subscription.ack(msgs)

    def _put(self, item: _Batch | BaseException | None) -> None:
        while True:
            try:
                self._queue.put(item, timeout=0.1)
                return
            except queue.Full:
                if self._stopping.is_set():
                    return

    # -- the consumer's side --

    def __iter__(self) -> Iterator[ReceivedEvent]:
        previous: _Batch | None = None
        while True:
            item = self._queue.get()
            if previous is not None:
                self._handled.append(previous.msgs)  # the loop body returned for every event of it
            if item is None:
                return
            if isinstance(item, BaseException):
                raise item
            for event in item.events:
                yield event
                self.position = event.position
            self.position = max(self.position, sequence(item.msgs[-1]))
            previous = item

    def run(self, callback: Callable[[ReceivedEvent], None]) -> EventSubscription:
        """Call `callback` for each event in a background thread; returns self."""
        def loop() -> None:
            for event in self:
                callback(event)
        self._callback_thread = threading.Thread(target=loop, name="mlledger-events-callback", daemon=True)
        self._callback_thread.start()
        return self

    def close(self, timeout: float = 5.0) -> None:
        """Stop receiving; events handed out and returned from are acked first."""
        self._stopping.set()
        self._thread.join(timeout)
        if self._callback_thread is not None and self._callback_thread is not threading.current_thread():
            self._callback_thread.join(timeout)

    def __enter__(self) -> EventSubscription:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def stream_info(tracking_uri: str | None = None) -> subscriptions_pb2.GetStreamInfoResponse:
    """Where the deployment publishes its events (asked of the service at `tracking_uri`)."""
    transport = Transport(tracking_uri)
    try:
        stub = subscriptions_pb2_grpc.EventServiceStub(transport.channel("tracking"))
        info: subscriptions_pb2.GetStreamInfoResponse = transport.call(
            stub.GetStreamInfo, subscriptions_pb2.GetStreamInfoRequest(), write=False)
        return info
    finally:
        transport.close()


def subscribe(subject: str = "", *, types: Iterable[str] = (), entity: str = "", after_position: int = 0,
              from_now: bool = False, durable: str | None = None, callback: Callable[[ReceivedEvent], None] | None = None,
              tracking_uri: str | None = None, nats_url: str | None = None, stream_name: str | None = None,
              subject_prefix: str | None = None, batch: int = 500) -> EventSubscription:
    """Subscribe to events matching a NATS subject pattern (and optionally types and an entity).

    Starts after `after_position` (0: the oldest event kept), or with the next event when
    `from_now`; a `durable` name makes JetStream remember the place too (explicit acks).
    With `callback`, events are delivered to it in a background thread.
    """
    if nats_url is None or stream_name is None or subject_prefix is None:
        info = stream_info(tracking_uri)
        nats_url = nats_url or info.nats_url
        stream_name = stream_name or info.stream_name
        subject_prefix = subject_prefix or info.subject_prefix
    subscription = Subscription(nats_url, stream_name, subject_prefix, subject, durable=durable,
                                after_position=after_position, from_now=from_now, batch=batch)
    opened = EventSubscription(subscription, types=types, entity=entity)
    return opened.run(callback) if callback is not None else opened


__all__ = ["EventSubscription", "ReceivedEvent", "stream_info", "subscribe"]

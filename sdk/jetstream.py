"""JetStream subscription: the primitives every reader of the event stream stands on.

A `Subscription` reads the deployment's JetStream stream through a push consumer: a durable
one with explicit acks for long-running consumers (webhooks, the auditor, a deployer, SDK
users), or an ephemeral one for a single streaming call. `Position` drops events already
seen. The servers' consumers build on these (`mlledger.services.eventstore.subscriber`), and so
does `mlledger.events`.

Positions are JetStream stream sequences: one order across every service's events.

De-duplication is by event id. Each service's relay publishes its log in log order, so an
event id that is published again (after a relay crash, beyond JetStream's duplicate window)
always carries a log position (`global_position`) at or below the highest one already handled
for that service: a per-service high-water mark recognises every repeat with constant state,
and survives restarts inside the checkpoint.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from collections import deque
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field

import nats
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError

from mlledger.v1 import events_pb2

Event = events_pb2.Event
DEFAULT_PREFIX = "mlledger"


def resolve_subject(pattern: str, prefix: str) -> str:
    """A subject pattern on this deployment: empty means everything; a first token "mlledger"
    stands for the deployment's prefix (so documented subjects work on any deployment)."""
    if not pattern:
        return f"{prefix}.>"
    head, _, rest = pattern.partition(".")
    if head == DEFAULT_PREFIX and prefix != DEFAULT_PREFIX:
        return f"{prefix}.{rest}" if rest else prefix
    return pattern


def _ack_tokens(msg: Msg) -> list[str]:
    # "$JS.ACK.<stream>.<consumer>.<delivered>.<stream seq>.<consumer seq>.<time>.<pending>", or
    # the newer form with domain and account hash in front and a token behind. Parsed here
    # because nats-py's msg.metadata also builds a datetime for every message.
    tokens = msg.reply.split(".")
    return tokens[2:] if len(tokens) == 9 else tokens[4:11]


def sequence(msg: Msg) -> int:
    """The message's position on the stream."""
    return int(_ack_tokens(msg)[3])


def num_pending(msg: Msg) -> int:
    """How many matching messages the server still had to deliver after this one."""
    return int(_ack_tokens(msg)[6])


def decode(msg: Msg) -> Event:
    """The event in a stream message, with its stream position set."""
    event: Event = Event.FromString(msg.data)
    event.position = sequence(msg)
    return event


@dataclass
class Position:
    """How far a consumer got: the last stream position handled, and per service the highest
    log position handled (the de-duplication marks)."""

    stream: int = 0
    marks: dict[str, int] = field(default_factory=dict)

    def is_new(self, event: Event) -> bool:
        return event.position > self.stream and event.global_position > self.marks.get(event.service, 0)

    def advance(self, event: Event) -> None:
        self.stream = max(self.stream, event.position)
        if event.global_position > self.marks.get(event.service, 0):
            self.marks[event.service] = event.global_position

    def fresh(self, events: Sequence[Event]) -> list[Event]:
        """The events not handled yet (advancing over all of them)."""
        kept = []
        for event in events:
            if self.is_new(event):
                kept.append(event)
            self.advance(event)
        return kept


@dataclass
class Subscription:
    """A consumer on the events stream, from a position or from now, delivering in batches."""

    nats_url: str
    stream_name: str = "MLLEDGER"
    subject_prefix: str = DEFAULT_PREFIX
    subject: str = ""
    #: Several patterns to filter on at once, replacing `subject` (none may overlap another; NATS 2.10+).
    subjects: Sequence[str] = ()
    #: Durable consumer name (kept by JetStream, explicit acks); None for an ephemeral one.
    durable: str | None = None
    #: Start after this stream position (ignored when resuming an existing durable that is not ahead).
    after_position: int = 0
    from_now: bool = False
    #: Start at the first event stored at or after this time (overrides the position).
    since_time: dt.datetime | None = None
    batch: int = 500
    #: Seconds JetStream waits for an ack before redelivering (durable consumers).
    ack_wait: float = 30.0
    nc: NATS | None = None
    _sub: object = None
    _own_nc: bool = False

    @property
    def filter(self) -> str:
        return resolve_subject(self.subject, self.subject_prefix)

    async def open(self) -> None:
        """Connect (unless given a connection) and create or bind the consumer."""
        if self.nc is None:
            self.nc = await nats.connect(self.nats_url, name=f"mlledger-subscriber-{self.durable or 'ephemeral'}",
                                         allow_reconnect=True, max_reconnect_attempts=-1, reconnect_time_wait=0.5)
            self._own_nc = True
        js = self.nc.jetstream()
        self._buffer: deque[Msg] = deque()
        self._arrived = asyncio.Event()
        self._room = asyncio.Event()
        self._room.set()
        # Push delivery into a local buffer: nats-py's pull fetch costs a timed wait per message,
        # several times slower. The buffer is bounded: a full one stops the callback, which
        # withholds JetStream's flow-control replies, so the server pauses instead of dropping.
        if self.durable:
            await self._reconcile_durable(js)
            self._sub = await js.subscribe(self.filter, durable=self.durable, stream=self.stream_name,
                                           config=self._config(), manual_ack=True, cb=self._on_msg,
                                           flow_control=True, idle_heartbeat=5.0)
        else:
            self._sub = await js.subscribe(self.filter, stream=self.stream_name, config=self._config(),
                                           ordered_consumer=True, cb=self._on_msg)

    async def _on_msg(self, msg: Msg) -> None:
        self._buffer.append(msg)
        self._arrived.set()
        if len(self._buffer) >= self.batch * 8:
            self._room.clear()
            await self._room.wait()

    def _config(self) -> ConsumerConfig:
        config = ConsumerConfig(
            durable_name=self.durable,
            ack_policy=AckPolicy.EXPLICIT if self.durable else AckPolicy.NONE,
            ack_wait=self.ack_wait if self.durable else None,
            max_ack_pending=max(self.batch * 20, 1000) if self.durable else None,
            inactive_threshold=None if self.durable else 60.0,
        )
        if self.subjects:
            config.filter_subjects = list(self.subjects)
        if self.since_time is not None:
            config.deliver_policy = DeliverPolicy.BY_START_TIME
            config.opt_start_time = self.since_time
        elif self.from_now:
            config.deliver_policy = DeliverPolicy.NEW
        elif self.after_position > 0:
            config.deliver_policy = DeliverPolicy.BY_START_SEQUENCE
            config.opt_start_seq = self.after_position + 1
        return config

    async def _reconcile_durable(self, js: object) -> None:
        # Messages delivered to a previous process but never acked would come back only after
        # ack_wait, behind newer ones. So an existing durable that has delivered anything is
        # recreated to start right after the consumer's own checkpoint (the truth, when there is
        # one) or else after its ack floor: no reordering, and repeats are dropped by id.
        try:
            info = await js.consumer_info(self.stream_name, self.durable)  # type: ignore[attr-defined]
        except NotFoundError:
            return
        if not self.after_position and not info.delivered.stream_seq and info.config.filter_subject == self.filter:
            return  # nothing delivered yet: keep it as it is (it may have started "from now")
        if not self.after_position:
            floor = info.ack_floor.stream_seq or max((info.config.opt_start_seq or 1) - 1, 0)
            self.after_position = floor
            self.from_now = False
        await js.delete_consumer(self.stream_name, self.durable)  # type: ignore[attr-defined]

    async def batches(self, timeout: float = 1.0) -> AsyncIterator[list[Msg]]:
        """Batches of messages in stream order, for ever; an empty batch when none came within `timeout`."""
        assert self._sub is not None, "open() first"
        while True:
            if not self._buffer:
                self._arrived.clear()
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(self._arrived.wait(), timeout)
            take = min(len(self._buffer), self.batch)
            msgs = [self._buffer.popleft() for _ in range(take)]
            if len(self._buffer) < self.batch * 4:
                self._room.set()
            yield msgs

    async def ack(self, msgs: Sequence[Msg]) -> None:
        """Acknowledge handled messages (durable consumers)."""
        if self.durable:
            for msg in msgs:
                await msg.ack()

    async def nothing_to_replay(self) -> bool:
        """Whether no stored message matches (asked right after open(); later, a message's
        metadata.num_pending == 0 tells the replay is complete)."""
        info = await self._sub.consumer_info()  # type: ignore[attr-defined]
        return not info.num_pending and not info.delivered.consumer_seq and not self._buffer

    async def close(self) -> None:
        """Unsubscribe (a durable consumer stays on the server) and close an own connection."""
        if self._sub is not None:
            with contextlib.suppress(Exception):
                await self._sub.unsubscribe()  # type: ignore[attr-defined]
            self._sub = None
        if self._own_nc and self.nc is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.nc.close(), 2.0)
        self.nc = None

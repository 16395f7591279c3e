"""The JetStream side of publication: stream set-up, subject names, the message for an event, acked batches."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from dataclasses import dataclass
from typing import Any

import nats
from nats.aio.client import Client as NATS
from nats.js.client import JetStreamContext
from nats.js.api import DiscardPolicy, RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import NotFoundError

from mlledger.services.eventstore.model import RecordedEvent

MSG_ID_HEADER = "Nats-Msg-Id"


@dataclass(frozen=True)
class StreamSettings:
    """Where and how events are kept on JetStream."""

    #: First token of every subject; subjects are `<prefix>.<service>.<event type>`.
    subject_prefix: str = "mlledger"
    #: JetStream stream name holding every subject under the prefix.
    stream_name: str = "MLLEDGER"
    #: JetStream drops a repeated Nats-Msg-Id seen within this window.
    duplicate_window: dt.timedelta = dt.timedelta(minutes=10)
    #: How long events are kept on the stream (the PostgreSQL log keeps them for ever).
    max_age: dt.timedelta = dt.timedelta(days=30)
    #: Number of stream replicas (1 for a single server).
    replicas: int = 1

    def subject(self, service: str, event_type: str) -> str:
        """`mlledger.registry.model_version.created` for ("registry", "model_version.created")."""
        return f"{self.subject_prefix}.{service}.{event_type}"

    def config(self) -> StreamConfig:
        return StreamConfig(
            name=self.stream_name,
            subjects=[f"{self.subject_prefix}.>"],
            retention=RetentionPolicy.LIMITS,
            storage=StorageType.FILE,
            discard=DiscardPolicy.OLD,
            max_age=self.max_age.total_seconds(),
            duplicate_window=self.duplicate_window.total_seconds(),
            num_replicas=self.replicas,
        )


async def connect(url: str, *, name: str, reconnect: bool = True, **options: object) -> NATS:
    """Connect to NATS; with `reconnect` (the default) it reconnects for ever after a connection is lost,
    without it a lost connection stays closed and whatever was buffered for it is dropped."""
    return await nats.connect(
        url,
        name=name,
        allow_reconnect=reconnect,
        max_reconnect_attempts=-1,
        reconnect_time_wait=0.5,
        connect_timeout=2,
        **options,
    )


async def ensure_stream(nc: NATS, settings: StreamSettings) -> None:
    """Create the events stream, or bring an existing one's configuration up to date."""
    js = nc.jetstream()
    wanted = settings.config()
    try:
        info = await js.stream_info(settings.stream_name)
    except NotFoundError:
        await js.add_stream(wanted)
        return
    current = info.config
    if (
        current.subjects != wanted.subjects
        or current.duplicate_window != wanted.duplicate_window
        or current.max_age != wanted.max_age
    ):
        await js.update_stream(wanted)


def message(event: RecordedEvent, service: str, settings: StreamSettings) -> tuple[str, bytes, dict[str, str]]:
    """Subject, body and headers published for an event."""
    body = event.to_proto(service).SerializeToString()
    headers = {MSG_ID_HEADER: str(event.id), "Mlledger-Event-Type": event.type, "Mlledger-Stream": event.stream}
    return settings.subject(service, event.type), body, headers


async def publish_acknowledged(nc: NATS, js: JetStreamContext, events: list[RecordedEvent], service: str,
                               settings: StreamSettings, ack_timeout: float) -> None:
    """Publish `events` in order and wait for every ack; ConnectionError if one is missing after
    `ack_timeout` seconds or the connection closes first (any refusal is raised as it comes)."""
    futures = []
    for event in events:
        subject, body, headers = message(event, service, settings)
        futures.append(await js.publish_async(subject, body, headers=headers, stream=settings.stream_name,
                                              wait_stall=5.0))
    acks: asyncio.Future[list[Any]] = asyncio.gather(*futures)
    closed = asyncio.create_task(_closed(nc))
    try:
        waiting: set[asyncio.Future[Any]] = {acks, closed}
        done, _ = await asyncio.wait(waiting, timeout=ack_timeout, return_when=asyncio.FIRST_COMPLETED)
        if acks not in done:
            raise ConnectionError("NATS connection closed" if closed in done else "publish acks timed out")
        acks.result()
    finally:
        closed.cancel()
        if not acks.done():
            acks.cancel()
            with contextlib.suppress(BaseException):
                await acks


async def _closed(nc: NATS) -> None:
    # nats-py offers callbacks, not an awaitable, for a closed connection; a short poll suffices.
    while not nc.is_closed:
        await asyncio.sleep(0.05)

"""The event store as a port: what every adapter offers, whatever holds the log.

Services and the kernel's readers depend on `EventStore` and `UnitOfWork`; the one adapter
today is `PostgresEventStore` (`postgres.py`). An adapter raises the port's own errors
(`errors.py`) and must pass the contract tests in `tests/eventstore/contract.py`.
"""

from __future__ import annotations

import abc
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from google.protobuf.message import Message

from mlledger.services.core.context import RequestContext
from mlledger.services.eventstore.model import ANY, Envelope, NewEvent, RecordedEvent

R = TypeVar("R", bound=Message)

#: Largest event payload an event store accepts: the envelope around it must fit a default NATS
#: message (1 MiB), or the relay could never publish it. Larger ones raise StoreLimitExceeded.
MAX_PAYLOAD_BYTES = 1_000_000 - 16 * 1024


class UnitOfWork(abc.ABC):
    """One write: the events appended to it and their read-model changes commit together, or nothing does."""

    #: The call this write serves: its actor and correlation id are stamped on every event.
    context: RequestContext

    @abc.abstractmethod
    async def append(self, event: NewEvent | Sequence[NewEvent], *, expected_version: int = ANY) -> list[Envelope]:
        """Append events and project them now; `expected_version` is the version every stream
        named must have before them (NO_STREAM for a new stream, ANY to skip the check). A
        mismatch fails the whole write with `WriteConflict` when it commits."""


class EventStore(abc.ABC):
    """An append-only log of events, with idempotent writes and ordered reads."""

    @abc.abstractmethod
    async def write(
        self, fn: Callable[[UnitOfWork], Awaitable[R]], response_type: type[R], *, request_id: str | None = None
    ) -> R:
        """Run `fn` in a unit of work that commits its events and read-model changes together; with
        a request id (the call's idempotency key unless given) a retry returns the first response."""

    @abc.abstractmethod
    async def read_stream(self, stream: str, *, after_version: int = 0, limit: int | None = None) -> list[RecordedEvent]:
        """The events of one stream in version order."""

    @abc.abstractmethod
    async def read_all(
        self, *, after_position: int = 0, limit: int = 1000, until_position: int | None = None,
        stream: str | None = None, stream_prefix: str | None = None,
    ) -> list[RecordedEvent]:
        """Events in global order after a position, optionally for one stream or a stream prefix."""

    @abc.abstractmethod
    async def head_position(self) -> int:
        """The highest committed global position (0 for an empty log)."""

    @abc.abstractmethod
    async def rebuild(self, batch_size: int = 1000, on_progress: Callable[[int], None] | None = None) -> int:
        """Empty the read models and replay the whole log into them; returns the events replayed."""


__all__ = ["MAX_PAYLOAD_BYTES", "EventStore", "UnitOfWork"]

"""The subscriber every server-side consumer of the event stream shares.

`consume()` feeds a `Subscription`'s batches to a handler through a `Checkpoint`, which drops
events already handled (by event id, see `mlledger.jetstream`) and records the position together
with the handler's side effects; messages are acked only after that, so a crash at any point
redelivers rather than loses.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol

from mlledger.jetstream import Event, Position, Subscription, decode

#: A consumer's side effect: called with the new events and the checkpoint's transaction.
Handler = Callable[[list[Event], Any], Awaitable[None]]


class Checkpoint(Protocol):
    """Where a consumer keeps its position, written atomically with its side effects."""

    async def load(self) -> Position:
        """The position stored (an empty one for a new consumer)."""
        ...

    async def handle(self, events: Sequence[Event], handler: Handler) -> None:
        """Run `handler(fresh_events, tx)` on the events not handled yet and store the new position
        in the same unit `tx` (a database connection in a transaction, an open file, ...)."""
        ...


class MemoryCheckpoint:
    """A checkpoint kept in memory, for consumers that store positions themselves."""

    def __init__(self, position: Position | None = None) -> None:
        self.position = position or Position()

    async def load(self) -> Position:
        return self.position

    async def handle(self, events: Sequence[Event], handler: Handler) -> None:
        fresh = self.position.fresh(events)
        if fresh:
            await handler(fresh, None)


async def consume(subscription: Subscription, checkpoint: Checkpoint,
                  handler: Handler, *, stop: asyncio.Event | None = None,
                  idle_timeout: float = 1.0, on_handled: Callable[[], None] | None = None,
                  stop_when_idle: bool = False) -> None:
    """Feed the subscription to `handler` through `checkpoint` until `stop` is set.

    The subscription starts after the checkpoint's position; each batch is handled (repeats
    dropped, position stored with the effects) and only then acked. With `stop_when_idle` it
    returns once nothing arrived for `idle_timeout` (caught up).
    """
    position = await checkpoint.load()
    if position.stream and not subscription.from_now:
        subscription.after_position = position.stream
    await subscription.open()
    try:
        async for msgs in subscription.batches(idle_timeout):
            if msgs:
                await checkpoint.handle([decode(msg) for msg in msgs], handler)
                await subscription.ack(msgs)
                if on_handled is not None:
                    on_handled()
            if (stop is not None and stop.is_set()) or (stop_when_idle and not msgs):
                return
    finally:
        await subscription.close()

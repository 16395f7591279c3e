"""Writes cancelled at any point leave no pooled connection in a bad state."""

from __future__ import annotations

import asyncio
import random

from mlledger.services.eventstore.model import NewEvent

from .conftest import bump


async def _write(store, name: str) -> None:
    async def fn(tx):
        await tx.append(NewEvent(f"counter/{name}", "counter.bumped", bump(name)))
        return bump(name)

    await store.write(fn, type(bump(name)), request_id="")


async def test_cancelled_writes_leave_every_pooled_connection_usable(store):
    """Writes cut short at random points under load, then a read on every pooled connection succeeds."""
    await _write(store, "before")
    rng = random.Random(17)

    async def cancelled_write(index: int) -> None:
        task = asyncio.ensure_future(_write(store, f"w{index % 7}"))
        await asyncio.sleep(rng.random() * 0.004)
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            pass

    for _ in range(8):
        await asyncio.gather(*(cancelled_write(i) for i in range(40)))
    # Take every connection the pool holds at once, so each one serves a read.
    size = store.pool.get_stats()["pool_size"]
    connections = [await store.pool.getconn() for _ in range(size)]
    try:
        for conn in connections:
            cursor = await conn.execute("SELECT total FROM demo.counters WHERE name = 'before'")
            assert await cursor.fetchone() == (1,)
            async with conn.pipeline(), conn.transaction():
                cursor = await conn.execute("SELECT count(*) FROM demo.events WHERE stream = 'counter/before'")
            assert await cursor.fetchone() == (1,)
    finally:
        for conn in connections:
            await store.pool.putconn(conn)
    events = await store.read_stream("counter/before")
    assert [event.stream for event in events] == ["counter/before"]
    await _write(store, "after")
    assert len(await store.read_stream("counter/after")) == 1

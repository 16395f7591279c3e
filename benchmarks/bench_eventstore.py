"""Event store benchmark: append throughput and commit-to-subscriber latency through the relay.

    python benchmarks/bench_eventstore.py [--quick]

Starts embedded PostgreSQL and NATS (or uses MLLEDGER_TEST_DATABASE_URL / MLLEDGER_TEST_NATS_URL),
then prints:
  - appends per second, one event per transaction (1 writer, and 16 concurrent writers)
  - events per second in transactions of 100 events (4 concurrent writers)
  - relay catch-up: events per second a relay process publishes from a backlog
  - commit-to-subscriber latency p50/p99 of events published by a relay process to a NATS subscriber
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import subprocess
import sys
import time
import uuid

import nats

from mlledger.services.eventstore import NewEvent, PostgresEventStore
from mlledger.services.eventstore.database import open_pool
from mlledger.services.eventstore.schema import migrate
from mlledger.testing import start_infrastructure
from mlledger.v1 import common_pb2, events_pb2

SCHEMA = "bench"
Response = common_pb2.GetEndpointsResponse


def payload() -> common_pb2.ServiceEndpoint:
    return common_pb2.ServiceEndpoint(name="bench", address="x" * 64)


async def append_rate(store: PostgresEventStore, writers: int, per_tx: int, seconds: float) -> float:
    """Events appended per second by `writers` concurrent writers, `per_tx` events per transaction."""
    deadline = time.perf_counter() + seconds
    counts = [0] * writers

    async def writer(w: int) -> None:
        stream = f"bench/{uuid.uuid4().hex}"

        async def fn(tx):
            await tx.append([NewEvent(stream, "bench.appended", payload()) for _ in range(per_tx)])
            return Response()

        while time.perf_counter() < deadline:
            await store.write(fn, Response)
            counts[w] += per_tx

    started = time.perf_counter()
    await asyncio.gather(*(writer(w) for w in range(writers)))
    return sum(counts) / (time.perf_counter() - started)


def start_relay(schema: str, database_url: str, nats_url: str, prefix: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "mlledger", "relay", schema, "--database-url", database_url, "--nats-url", nats_url,
         "--subject-prefix", prefix, "--stream-name", prefix.upper(), "--log-format", "json"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )


async def relay_catch_up(store: PostgresEventStore, database_url: str, nats_url: str) -> tuple[int, float]:
    """(events, events per second) for a relay process publishing the whole log from the start."""
    head = await store.head_position()
    relay = start_relay(store.schema, database_url, nats_url, f"bench{uuid.uuid4().hex[:6]}")
    started = time.perf_counter()
    try:
        while True:
            async with store.pool.connection() as conn:
                cursor = await conn.execute(f"SELECT coalesce(max(position), 0) FROM {store.schema}.checkpoints")
                if (await cursor.fetchone())[0] >= head:
                    break
            await asyncio.sleep(0.02)
    finally:
        relay.send_signal(signal.SIGTERM)
        relay.wait(30)
    count = len(await store.read_all(limit=10_000_000))
    return count, count / (time.perf_counter() - started)


async def latency(store: PostgresEventStore, database_url: str, nats_url: str, rate: float, seconds: float) -> list[float]:
    """Milliseconds from commit (write returned) to arrival at a NATS subscriber, for paced writes."""
    prefix = f"bench{uuid.uuid4().hex[:6]}"
    relay = start_relay(store.schema, database_url, nats_url, prefix)
    nc = await nats.connect(nats_url)
    committed: dict[str, float] = {}
    arrived: dict[str, float] = {}

    async def on_message(msg) -> None:
        arrived[events_pb2.Event.FromString(msg.data).id] = time.perf_counter()

    await nc.subscribe(f"{prefix}.>", cb=on_message)
    try:
        await asyncio.sleep(2.0)  # the relay is connected and idle
        interval = 1.0 / rate
        next_at = time.perf_counter()
        end = next_at + seconds
        while next_at < end:
            event = NewEvent(f"bench/{uuid.uuid4().hex}", "bench.latency", payload())

            async def fn(tx, event=event):
                await tx.append(event)
                return Response()

            await store.write(fn, Response)
            committed[str(event.id)] = time.perf_counter()
            next_at += interval
            await asyncio.sleep(max(0.0, next_at - time.perf_counter()))
        await asyncio.sleep(1.0)
    finally:
        await nc.close()
        relay.send_signal(signal.SIGTERM)
        relay.wait(15)
    missing = set(committed) - set(arrived)
    if missing:
        print(f"  WARNING: {len(missing)} events did not arrive within 1 s")
    return [(arrived[i] - committed[i]) * 1000 for i in committed if i in arrived]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


async def run(quick: bool) -> None:
    infra = start_infrastructure()
    try:
        database_url = infra.new_database("bench")
        pool = await open_pool(database_url, min_size=4, max_size=20)
        await migrate(pool, SCHEMA, [])
        await migrate(pool, f"{SCHEMA}_latency", [])
        store = PostgresEventStore(pool, SCHEMA)
        seconds = 2.0 if quick else 5.0
        print(f"event store benchmark (PostgreSQL {'external' if os.environ.get('MLLEDGER_TEST_DATABASE_URL') else 'embedded'}, "
              f"{seconds:.0f} s per figure)")
        print(f"  appends/s, 1 event per transaction, 1 writer:    {await append_rate(store, 1, 1, seconds):9.0f}")
        print(f"  appends/s, 1 event per transaction, 16 writers:  {await append_rate(store, 16, 1, seconds):9.0f}")
        print(f"  events/s, 100 events per transaction, 4 writers: {await append_rate(store, 4, 100, seconds):9.0f}")
        count, rate = await relay_catch_up(store, database_url, infra.nats_url)
        print(f"  relay catch-up: {count} events published at {rate:9.0f} events/s")
        quiet_store = PostgresEventStore(pool, f"{SCHEMA}_latency")
        samples = await latency(quiet_store, database_url, infra.nats_url, rate=200, seconds=seconds)
        print(f"  commit-to-subscriber latency at 200 events/s ({len(samples)} events): "
              f"p50 {statistics.median(samples):.1f} ms, p99 {percentile(samples, 99):.1f} ms, "
              f"max {max(samples):.1f} ms")
        await pool.close()
    finally:
        infra.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter runs")
    asyncio.run(run(parser.parse_args().quick))


if __name__ == "__main__":
    main()

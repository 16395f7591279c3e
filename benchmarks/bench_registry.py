"""Registry benchmark: operations per second and transition-commit-to-subscriber latency.

    python benchmarks/bench_registry.py [--quick] [--threads 4] [--seconds 5]

Starts a real stack (mlledger.testing.running_stack), then measures, with N client threads:
version creation (including the artifact snapshot), stage transitions (each thread on its own
model) and alias resolution; then a nats-py subscriber timestamps each stage_transitioned
event against the event's commit time and the moment the client's call returned.
Targets: >= 500 transitions/s; p99 transition-to-subscriber < 50 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import statistics
import time
import uuid
from collections.abc import Callable

import nats

import mlledger
from mlledger.testing import TestStack, running_stack
from mlledger.v1 import events_pb2, registry_pb2

STAGES = ("Staging", "Production")


def threaded(threads: int, seconds: float, work: Callable[[int, int], object]) -> tuple[float, int]:
    """Run work(thread, i) in `threads` threads for `seconds`; returns (operations/s, operations)."""
    stop = time.perf_counter() + seconds
    counts = [0] * threads

    def loop(thread: int) -> None:
        while time.perf_counter() < stop:
            work(thread, counts[thread])
            counts[thread] += 1

    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(threads) as pool:
        list(pool.map(loop, range(threads)))
    return sum(counts) / (time.perf_counter() - started), sum(counts)


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def throughput(client: mlledger.Client, threads: int, seconds: float) -> dict[str, tuple[float, int]]:
    prefix = f"bench-{uuid.uuid4().hex[:6]}"
    source = f"mlledger-artifacts:/bench/{uuid.uuid4().hex}"
    client.upload_artifact_bytes(source, "model.bin", b"x" * 1024)
    names = [f"{prefix}-{i}" for i in range(threads)]
    for name in names:
        client.create_registered_model(name)
        client.create_model_version(name, source)
        client.set_registered_model_alias(name, "champion", 1)
    return {
        "create version": threaded(threads, seconds, lambda t, i: client.create_model_version(names[t], source)),
        "transition": threaded(threads, seconds, lambda t, i: client.transition_model_version_stage(
            names[t], 1, STAGES[i % 2])),
        "resolve alias": threaded(threads, seconds, lambda t, i: client.resolve_model_uri(f"models:/{names[t]}@champion")),
    }


async def latency(stack: TestStack, client: mlledger.Client, count: int, interval: float) -> dict[str, list[float]]:
    """Per transition: arrival minus event commit time, and arrival minus the call's return (ms)."""
    name = f"latency-{uuid.uuid4().hex[:6]}"
    source = f"mlledger-artifacts:/bench/{uuid.uuid4().hex}"
    client.upload_artifact_bytes(source, "model.bin", b"x")
    client.create_registered_model(name)
    client.create_model_version(name, source)
    arrivals: dict[int, tuple[float, float]] = {}
    returned: dict[int, float] = {}
    connection = await nats.connect(stack.nats_url)

    async def on_message(message: object) -> None:
        now_wall, now_mono = time.time(), time.perf_counter()
        event = events_pb2.Event.FromString(message.data)  # type: ignore[attr-defined]
        payload = registry_pb2.ModelVersionStageTransitioned()
        event.payload.Unpack(payload)
        if payload.name == name:
            arrivals[event.global_position] = (now_wall - event.time.ToNanoseconds() / 1e9, now_mono)

    await connection.subscribe(stack.subject("registry", "model_version.stage_transitioned"), cb=on_message)
    await connection.flush()

    def drive() -> None:
        for i in range(count):
            client.transition_model_version_stage(name, 1, STAGES[i % 2])
            returned[i] = time.perf_counter()
            time.sleep(interval)

    await asyncio.to_thread(drive)
    deadline = time.perf_counter() + 5
    while len(arrivals) < count and time.perf_counter() < deadline:
        await asyncio.sleep(0.05)
    await connection.close()
    ordered = [arrivals[position] for position in sorted(arrivals)]
    return {
        "commit-to-subscriber": [1000 * delay for delay, _ in ordered],
        "call-return-to-subscriber": [1000 * (mono - returned[i]) for i, (_, mono) in enumerate(ordered)],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small run (a few seconds)")
    parser.add_argument("--threads", type=int, default=4, help="client threads (one model each)")
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    seconds, samples = (1.5, 100) if args.quick else (args.seconds, 1000)
    with running_stack() as stack, mlledger.Client(stack.tracking_uri, actor="bench") as client:
        print(f"registry benchmark ({args.threads} client threads, {seconds:g}s per operation)")
        for operation, (rate, total) in throughput(client, args.threads, seconds).items():
            print(f"  {operation:<16} {rate:8.0f} ops/s  ({total} ops)")
        results = asyncio.run(latency(stack, client, samples, 0.005))
        for label, values in results.items():
            if values:
                print(f"  {label:<27} p50 {statistics.median(values):6.1f} ms  p99 {_percentile(values, 0.99):6.1f} ms"
                      f"  ({len(values)}/{samples} events)")
            else:
                print(f"  {label:<27} no events received")
        print("  targets: transition >= 500 ops/s; transition-to-subscriber p99 < 50 ms")


if __name__ == "__main__":
    main()

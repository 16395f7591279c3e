"""Event stream benchmark: subscription throughput (SDK and gRPC stream) and commit-to-webhook latency.

    python benchmarks/bench_events.py [--quick] [--events 40000]

Starts a real stack (mlledger.testing.running_stack), appends a backlog of real tracking events
(run.tag_set, 100 per transaction) straight into the tracking log, lets the tracking relay
publish them, then prints:
  - events/s read by mlledger.events.subscribe (ephemeral consumer; and durable, explicit acks)
  - events/s read through EventService.Subscribe (gRPC server stream, replay)
  - commit-to-webhook latency p50/p99: event commit time to arrival at a local HTTP receiver
  - the deployer's rows (not measured: the deployer is not built yet)
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import http.server
import json
import os
import statistics
import threading
import time
import uuid

import grpc

import mlledger
from mlledger.services.eventstore import NewEvent, PostgresEventStore
from mlledger.services.eventstore.database import open_pool
from mlledger.testing import TestStack, running_stack
from mlledger.v1 import subscriptions_pb2 as spb, subscriptions_pb2_grpc, tracking_pb2, webhooks_pb2 as wpb
from mlledger.v1 import webhooks_pb2_grpc

TARGET = 20_000


async def fill(stack: TestStack, count: int) -> None:
    """Append `count` run.tag_set events to the tracking log, 100 per transaction, 4 writers."""
    pool = await open_pool(stack.database_url, min_size=1, max_size=4)
    store = PostgresEventStore(pool, "tracking")  # log only: the benchmark needs events, not read models
    per_writer = count // 4
    try:
        await asyncio.gather(*(writer(store, per_writer) for _ in range(4)))
    finally:
        await pool.close()


async def writer(store: PostgresEventStore, count: int) -> None:
    """Append `count` events to one stream, 100 per transaction."""
    stream = f"run/{uuid.uuid4().hex}"
    payload = tracking_pb2.RunTagSet(run_id=stream[4:], tags=[tracking_pb2.Tag(key="bench", value="x" * 32)])

    async def fn(tx):
        await tx.append([NewEvent(stream, "run.tag_set", payload) for _ in range(100)])
        return spb.GetStreamInfoRequest()

    for _ in range(count // 100):
        await store.write(fn, spb.GetStreamInfoRequest)


def stream_last(stub: subscriptions_pb2_grpc.EventServiceStub) -> int:
    return stub.GetStreamInfo(spb.GetStreamInfoRequest()).last_position


def sdk_rate(stack: TestStack, start: int, count: int, durable: str | None) -> tuple[float, float]:
    """(events per wall-clock second, events per CPU second of this process) through the SDK."""
    seen = 0
    with mlledger.events.subscribe("mlledger.tracking.run.tag_set", after_position=start, durable=durable,
                                   tracking_uri=stack.tracking_uri) as sub:
        began, cpu = time.perf_counter(), time.process_time()
        for _ in sub:
            seen += 1
            if seen == count:
                break
        return seen / (time.perf_counter() - began), seen / max(time.process_time() - cpu, 1e-9)


def grpc_rate(stub: subscriptions_pb2_grpc.EventServiceStub, start: int, count: int) -> float:
    seen = 0
    began = time.perf_counter()
    for response in stub.Subscribe(spb.SubscribeRequest(after_position=start, subject="mlledger.tracking.run.tag_set",
                                                        replay_only=True, max_batch=1000)):
        seen += len(response.events)
        if seen >= count:
            break
    return seen / (time.perf_counter() - began)


def webhook_latency(stack: TestStack, client: mlledger.Client, samples: int, interval: float) -> list[float]:
    """Milliseconds from each event's commit time to its arrival at a local receiver."""
    arrivals: list[float] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            committed = dt.datetime.fromisoformat(body["time"].replace("Z", "+00:00"))
            arrivals.append((dt.datetime.now(dt.timezone.utc) - committed).total_seconds() * 1000)
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    with grpc.insecure_channel(stack.endpoints["registry"]) as channel:
        hooks = webhooks_pb2_grpc.WebhookServiceStub(channel)
        hooks.CreateWebhook(wpb.CreateWebhookRequest(
            name="bench", url=f"http://127.0.0.1:{server.server_address[1]}/", subject="mlledger.tracking.run.tag_set",
            secret="bench-secret-0123456789"))
        run_id = client.create_run(client.create_experiment("bench-webhooks")).info.run_id
        for i in range(samples):
            client.set_tag(run_id, "step", str(i))
            time.sleep(interval)
        deadline = time.monotonic() + 30
        while len(arrivals) < samples and time.monotonic() < deadline:
            time.sleep(0.1)
    server.shutdown()
    return arrivals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small run")
    parser.add_argument("--events", type=int, default=40_000)
    args = parser.parse_args()
    count = 8_000 if args.quick else args.events
    samples = 50 if args.quick else 300
    print(f"load average at start: {', '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
    with running_stack() as stack, mlledger.Client(stack.tracking_uri, actor="bench") as client, \
            grpc.insecure_channel(stack.tracking_uri) as channel:
        stub = subscriptions_pb2_grpc.EventServiceStub(channel)
        start = stream_last(stub)
        began = time.perf_counter()
        asyncio.run(fill(stack, count))
        while stream_last(stub) < start + count:
            time.sleep(0.2)
        print(f"backlog: {count} events appended and published in {time.perf_counter() - began:.1f}s")
        ephemeral, ephemeral_cpu = sdk_rate(stack, start, count, None)
        durable, durable_cpu = sdk_rate(stack, start, count, "bench-durable")
        rows = [
            ("SDK subscribe, ephemeral consumer", ephemeral, ephemeral_cpu),
            ("SDK subscribe, durable consumer, explicit acks", durable, durable_cpu),
            ("gRPC EventService.Subscribe (replay)", grpc_rate(stub, start, count), None),
        ]
        for name, rate, per_cpu in rows:
            cpu = f"   ({per_cpu:,.0f} per CPU-second of the subscriber)" if per_cpu else ""
            print(f"{name:<50} {rate:>10,.0f} events/s   target >= {TARGET:,}: {'met' if rate >= TARGET else 'MISSED'}"
                  f"{cpu}")
        latencies = sorted(webhook_latency(stack, client, samples, 0.02))
        if latencies:
            p50 = statistics.median(latencies)
            p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
            print(f"{'commit-to-webhook latency':<50} p50 {p50:.1f} ms   p99 {p99:.1f} ms   ({len(latencies)} samples)")
        print(f"{'stage transition to new version on the stable port':<50} not measured: deployer not built yet")
        print(f"{'failed requests during switches':<50} not measured: deployer not built yet")
    print(f"load average at end: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()

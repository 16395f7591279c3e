"""Event stream benchmark: subscription throughput (SDK and gRPC stream) and commit-to-webhook latency.

    python benchmarks/bench_events.py [--quick] [--events 40000]

Starts a real stack (mlledger.testing.running_stack), appends a backlog of real tracking events
(run.tag_set, 100 per transaction) straight into the tracking log, lets the tracking relay
publish them, then prints:
  - events/s read by mlledger.events.subscribe (ephemeral consumer; and durable, explicit acks)
  - events/s read through EventService.Subscribe (gRPC server stream, replay)
  - commit-to-webhook latency p50/p99: event commit time to arrival at a local HTTP receiver
  - the deployer: stage-transition call to the new version answering on the stable port (target
    under 5 s for a small model), and failed requests of a client calling throughout (target 0)
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
        def do_POST(self) -> None:
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


DEPLOY_TARGET_SECONDS = 5.0


def deployer_rows(stack: TestStack, client: mlledger.Client, switches: int) -> None:
    """Promote `switches` versions one after another under a `mlledger deployer`, timing each
    transition call to the new version's first answer on the stable port, with a client calling throughout."""
    import sys
    import tempfile
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from mlledger.services.deployer.scoring import free_port
    from tests.deployer.helpers import DeployerProcess, TrafficClient, answers, log_constant, wait_for

    mlledger.set_tracking_uri(stack.tracking_uri)
    mlledger.set_experiment(f"bench-deployer-{uuid.uuid4().hex[:8]}")
    name = f"bench-deployed-{uuid.uuid4().hex[:8]}"
    versions = [log_constant(name, float(i)) for i in range(1, switches + 2)]
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as work:
        deployer = DeployerProcess(stack.tracking_uri, name, port, Path(work))
        try:
            client.transition_model_version_stage(name, versions[0], "Production")
            wait_for(lambda: answers(url) == 1.0, timeout=180)
            traffic = TrafficClient(url)
            traffic.start()
            times = []
            for value, version in enumerate(versions[1:], start=2):
                time.sleep(1.0)  # let the previous server drain and stop first
                began = time.perf_counter()
                client.transition_model_version_stage(name, version, "Production", archive_existing_versions=True)
                wait_for(lambda value=value: answers(url) == float(value), timeout=180, every=0.01)
                times.append(time.perf_counter() - began)
            traffic.stop()
        finally:
            deployer.stop()
    worst = max(times)
    print(f"{'stage transition to new version on the stable port':<50} median {statistics.median(times):.2f} s   "
          f"max {worst:.2f} s   ({len(times)} switches)   target < {DEPLOY_TARGET_SECONDS:.0f} s: "
          f"{'met' if worst < DEPLOY_TARGET_SECONDS else 'MISSED'}")
    print(f"{'failed requests during switches':<50} {len(traffic.failures)} of {traffic.total} requests   "
          f"target 0: {'met' if not traffic.failures else 'MISSED'}")


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
        deployer_rows(stack, client, 2 if args.quick else 5)
    print(f"load average at end: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()

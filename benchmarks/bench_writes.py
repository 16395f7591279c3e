"""Small writes, registry operations, uploads, search after a load, publication lag and stack memory.

    python benchmarks/bench_writes.py            # the default run (a few minutes)
    python benchmarks/bench_writes.py --quick    # a small run (about a minute)
    python benchmarks/bench_writes.py --calls 3000 --seconds 20 --runs 10000 --large-mb 1024
    python benchmarks/bench_writes.py --only search --runs 10000    # the search row alone
    python benchmarks/bench_writes.py --only publication            # the publication rows alone

Starts a private stack (mlledger.testing: PostgreSQL, NATS, tracking, registry, artifacts) and
prints one row per target of the write-path issue: the target, the measured figure, whether it
is met, and the 1-minute load average when it was measured (the machine may be shared). Every
figure goes through the SDK (`mlledger.Client`) except the publication-lag driver and the search
load, which use raw async stubs to reach their rates. After the sequential create_run row it
prints where that call's CPU went (client, each service, PostgreSQL, NATS).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import grpc
import nats

import mlledger
from bench_artifacts import peak_rss_growth
from bench_registry import threaded
from bench_tracking import populate, search
from mlledger.testing import TestStack, running_stack, start_infrastructure
from mlledger.v1 import events_pb2, tracking_pb2, tracking_pb2_grpc
from stack_meter import PeakPss, cpu_seconds, postgres_session_cpu, session_cpu_spent, stack_groups

MB = 1_000_000
MiB = 1 << 20
STAGES = ("Staging", "Production")


def row(name: str, target: str, measured: str, met: bool | None) -> None:
    verdict = {True: "met", False: "MISSED", None: "-"}[met]
    print(f"{name:<52} {target:<16} {measured:<30} {verdict:<7} load {os.getloadavg()[0]:.2f}", flush=True)


def sequential(call: Callable[[int], object], count: int) -> tuple[float, float]:
    """(p50 ms, calls/s) of `count` calls made one after another (after 20 warm-up calls)."""
    for i in range(20):
        call(-1 - i)
    timings = []
    for i in range(count):
        started = time.perf_counter()
        call(i)
        timings.append(time.perf_counter() - started)
    return statistics.median(timings) * 1000, count / sum(timings)


def small_writes(client: mlledger.Client, groups: dict[str, int], calls: int, database_url: str) -> None:
    """The sequential single-write rows, and the CPU each create_run costs across the stack (and
    within PostgreSQL, by session: each service's pool, relay and listener)."""
    experiment = client.create_experiment(f"writes-{uuid.uuid4().hex[:6]}")
    before, sessions_before = cpu_seconds(groups), postgres_session_cpu(database_url)
    p50, rate = sequential(lambda i: client.create_run(experiment), calls)
    after, sessions_after = cpu_seconds(groups), postgres_session_cpu(database_url)
    report_sequential("create_run", p50, rate, calls)
    spent = {name: (after[name] - before[name]) / (calls + 20) * 1000 for name in after}
    print("    CPU per create_run (ms): " + ", ".join(f"{name} {ms:.2f}" for name, ms in spent.items())
          + f", total {sum(spent.values()):.2f}", flush=True)
    sessions = session_cpu_spent(sessions_before, sessions_after, calls + 20)
    print("    of which PostgreSQL, by session (ms): "
          + ", ".join(f"{name} {ms:.2f}" for name, ms in sessions.items() if ms >= 0.005), flush=True)
    run_id = client.create_run(experiment).info.run_id
    report_sequential("log_metric", *sequential(lambda i: client.log_metric(run_id, "loss", 0.5, step=i), calls), calls)
    report_sequential("set_tag", *sequential(lambda i: client.set_tag(run_id, "phase", str(i)), calls), calls)
    prefix = f"model-{uuid.uuid4().hex[:6]}"
    report_sequential("create_registered_model",
                      *sequential(lambda i: client.create_registered_model(f"{prefix}-{i}"), calls), calls)
    name, source = f"{prefix}-aliases", small_model(client)
    client.create_registered_model(name)
    client.create_model_version(name, source)
    report_sequential("set alias", *sequential(
        lambda i: client.set_registered_model_alias(name, f"alias{i % 5}", 1), calls), calls)
    report_sequential("transition stage", *sequential(
        lambda i: client.transition_model_version_stage(name, 1, STAGES[i % 2]), calls), calls)
    p50, rate = sequential(lambda i: client.create_model_version(name, source), max(50, calls // 10))
    row("create_model_version (small model), sequential", ">= 200 /s", f"{rate:.0f} /s (p50 {p50:.1f} ms)", rate >= 200)


def report_sequential(name: str, p50: float, rate: float, calls: int) -> None:
    row(f"{name}: p50, sequential ({calls} calls)", "< 1.5 ms", f"{p50:.2f} ms ({rate:.0f} /s)", p50 < 1.5)


def small_model(client: mlledger.Client) -> str:
    """An artifact location holding a small model's files (an MLmodel file and 2 KB of weights)."""
    source = f"mlledger-artifacts:/bench/{uuid.uuid4().hex}"
    client.upload_artifact_bytes(source, "MLmodel", b"flavors:\n  python_function:\n    loader_module: bench\n")
    client.upload_artifact_bytes(source, "model.bin", os.urandom(2048))
    return source


def large_model_registration(client: mlledger.Client, size_mib: int) -> None:
    """How long create_model_version holds its caller for a large model: in the managed root the
    snapshot links the files (no bytes move); elsewhere (S3, other roots) a snapshot over the
    registry's inline limits is taken after the call returns (the version is PENDING until then)."""
    with tempfile.TemporaryDirectory(prefix="bench-large-model-") as work:
        weights = Path(work) / "weights.bin"
        with open(weights, "wb") as out:
            for _ in range(size_mib):
                out.write(os.urandom(MiB))
        source = small_model(client)
        client.upload_artifact_uri(source, weights, "weights.bin")
    name = f"large-{uuid.uuid4().hex[:6]}"
    client.create_registered_model(name)
    started = time.perf_counter()
    version = client.create_model_version(name, source)
    held = (time.perf_counter() - started) * 1000
    row(f"create_model_version ({size_mib} MiB model): call", "< 100 ms", f"{held:.1f} ms ({version.status})",
        held < 100)


def concurrent_writes(client: mlledger.Client, seconds: float) -> None:
    experiment = client.create_experiment(f"threads-{uuid.uuid4().hex[:6]}")
    rate, total = threaded(16, seconds, lambda t, i: client.create_run(experiment))
    row(f"create_run, 16 threads ({total} calls)", ">= 1,500 /s", f"{rate:.0f} /s", rate >= 1500)
    source = small_model(client)
    names = [f"threads-{uuid.uuid4().hex[:6]}-{t}" for t in range(16)]
    for name in names:
        client.create_registered_model(name)
        client.create_model_version(name, source)

    def registry_op(thread: int, i: int) -> None:
        if i % 2:
            client.set_registered_model_alias(names[thread], f"alias{i % 3}", 1)
        else:
            client.transition_model_version_stage(names[thread], 1, STAGES[i // 2 % 2])
    rate, total = threaded(16, seconds, registry_op)
    row(f"registry ops (transition/alias), 16 threads ({total})", ">= 500 /s", f"{rate:.0f} /s", rate >= 500)


def transfers(stack: TestStack, client: mlledger.Client, large_mb: int) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-writes-") as work:
        source = Path(work) / "ten.bin"
        source.write_bytes(os.urandom(10 * MiB))
        uri = f"mlledger-artifacts:/bench/{uuid.uuid4().hex}"
        client.list_artifacts_uri(uri)
        ups, downs = [], []
        for attempt in range(5):
            started = time.perf_counter()
            client.upload_artifact_uri(uri, source, f"ten-{attempt}.bin")
            ups.append(10 * MiB / MB / (time.perf_counter() - started))
            started = time.perf_counter()
            client.download_artifact_uri(uri, Path(work) / f"down-{attempt}", f"ten-{attempt}.bin")
            downs.append(10 * MiB / MB / (time.perf_counter() - started))
    up, down = statistics.median(ups), statistics.median(downs)
    row("artifact upload 10 MiB (median of 5)", ">= 400 MB/s", f"{up:.0f} MB/s", up >= 400)
    row("artifact download 10 MiB (median of 5)", ">= 350 MB/s", f"{down:.0f} MB/s", down >= 350)
    baseline, growth, rate = peak_rss_growth(stack, large_mb * MiB)
    row(f"{large_mb} MiB upload: artifacts service peak RSS growth", "flat (< 64 MB)",
        f"{growth:.0f} MiB (at {rate:.0f} MB/s)", growth < 64)


async def search_after_load(stack: TestStack, runs: int) -> None:
    async with grpc.aio.insecure_channel(stack.tracking_uri) as channel:
        stub = tracking_pb2_grpc.TrackingServiceStub(channel)
        experiment_id = await populate(stub, runs)
        p50, p99 = await search(stub, experiment_id, 50)
    row(f"search_runs over {runs} runs right after loading", "p50 < 20 ms", f"{p50:.1f} ms (p99 {p99:.1f})", p50 < 20)


async def caught_up(stub: tracking_pb2_grpc.TrackingServiceStub, run_id: str, delays: list[float],
                    tagged_runs: set[str]) -> None:
    """Wait until the relay has published everything committed so far (the events of earlier rows,
    such as the search load, would otherwise be counted as lag): tag the new run once and wait for
    that event, which comes after all of them, then forget the delays seen meanwhile."""
    started = time.perf_counter()
    await stub.SetTag(tracking_pb2.SetTagRequest(run_id=run_id, key="k", value="probe"))
    while run_id not in tagged_runs and time.perf_counter() - started < 300:
        await asyncio.sleep(0.05)
    print(f"    (publication of the earlier rows' events caught up after {time.perf_counter() - started:.2f} s)",
          flush=True)
    delays.clear()


async def publication_lag(stack: TestStack, rate: float, seconds: float) -> float:
    """Commit-to-subscriber delays of SetTag events while writes are driven at `rate` per second;
    prints the row and returns the rate achieved."""
    delays: list[float] = []
    tagged_runs: set[str] = set()
    connection = await nats.connect(stack.nats_url)

    async def arrived(message: object) -> None:
        event = events_pb2.Event.FromString(message.data)  # type: ignore[attr-defined]
        delays.append((time.time() - event.time.ToNanoseconds() / 1e9) * 1000)
        tagged_runs.add(tracking_pb2.RunTagSet.FromString(event.payload.value).run_id)

    await connection.subscribe(stack.subject("tracking", "run.tag_set"), cb=arrived)
    await connection.flush()
    async with grpc.aio.insecure_channel(stack.tracking_uri) as channel:
        stub = tracking_pb2_grpc.TrackingServiceStub(channel)
        run = await stub.CreateRun(tracking_pb2.CreateRunRequest(experiment_id="0"))
        await caught_up(stub, run.run.info.run_id, delays, tagged_runs)
        gate, sent, tasks = asyncio.Semaphore(64), 0, set()
        started = time.perf_counter()

        async def write(i: int) -> None:
            async with gate:
                await stub.SetTag(tracking_pb2.SetTagRequest(run_id=run.run.info.run_id, key="k", value=str(i)))
        while (elapsed := time.perf_counter() - started) < seconds:
            while sent < elapsed * rate:
                tasks.add(asyncio.create_task(write(sent)))
                sent += 1
            await asyncio.sleep(0.002)
        await asyncio.gather(*tasks)
        achieved = sent / (time.perf_counter() - started)
    deadline = time.perf_counter() + 10
    while len(delays) < sent and time.perf_counter() < deadline:
        await asyncio.sleep(0.05)
    await connection.close()
    p99 = sorted(delays)[int(0.99 * (len(delays) - 1))] if delays else float("inf")
    row(f"commit-to-subscriber p99 at {rate:.0f} writes/s offered", "< 50 ms",
        f"{p99:.1f} ms ({achieved:.0f} writes/s done)", p99 < 50 and achieved >= 0.95 * rate)
    return achieved


def publication_rows(stack: TestStack, rate: float, seconds: float) -> None:
    achieved = asyncio.run(publication_lag(stack, rate, seconds))
    if achieved < 0.95 * rate:  # saturated: the lag below saturation tells the relay's own share
        asyncio.run(publication_lag(stack, max(10.0, achieved / 2), seconds))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small run (about a minute)")
    parser.add_argument("--calls", type=int, default=1000, help="calls per sequential write row")
    parser.add_argument("--seconds", type=float, default=8.0, help="seconds per concurrent row")
    parser.add_argument("--runs", type=int, default=10_000, help="runs loaded before the search row")
    parser.add_argument("--large-mb", type=int, default=1024, help="size of the memory-checked upload")
    parser.add_argument("--rate", type=float, default=1500.0, help="writes/s offered in the publication row")
    parser.add_argument("--only", choices=["all", "search", "publication"], default="all",
                        help="every row, or the search row or the publication rows alone")
    args = parser.parse_args()
    if args.quick:
        args.calls, args.seconds, args.runs, args.large_mb = 200, 3.0, 2000, 256
    infra = start_infrastructure()
    try:
        with running_stack(infra) as stack, mlledger.Client(stack.tracking_uri, actor="bench") as client:
            groups = stack_groups(stack, infra)
            print(f"write-path benchmark: {os.cpu_count()} CPUs, load at start {os.getloadavg()}")
            print(f"{'row':<52} {'target':<16} {'measured':<30} {'verdict':<7}")
            if args.only == "search":
                asyncio.run(search_after_load(stack, args.runs))
                return
            if args.only == "publication":
                publication_rows(stack, args.rate, args.seconds)
                return
            with PeakPss(groups.values()) as memory:
                small_writes(client, groups, args.calls, stack.database_url)
                large_model_registration(client, args.large_mb)
                concurrent_writes(client, args.seconds)
                transfers(stack, client, args.large_mb)
                asyncio.run(search_after_load(stack, args.runs))
                publication_rows(stack, args.rate, args.seconds)
            row("stack PSS (services, NATS, PostgreSQL), peak", "< 600 MB", f"{memory.peak:.0f} MB", memory.peak < 600)
    finally:
        infra.stop()
        shutil.rmtree(infra.data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()

"""Tracking service figures over raw gRPC stubs: ingestion, history reads, search, run creation.

Usage: python benchmarks/bench_tracking.py [--quick] [--only search] [--runs N]

Starts a private stack (PostgreSQL, NATS, the tracking service) and prints:
ingestion points/s through StreamMetrics, the read time of a 100k-point history, SearchRuns
p50/p99 over 10k runs with a params-and-metrics filter ordered by a metric (its first page, and
its fifth through a page token), and CreateRun/s. `--only search` loads the runs and prints the
search rows alone.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time

import grpc
import numpy as np
import psycopg

from mlledger.testing import TestStack, running_stack
from mlledger.v1 import tracking_pb2 as pb
from mlledger.v1 import tracking_pb2_grpc
from stack_meter import cpu_seconds, stack_groups

Stub = tracking_pb2_grpc.TrackingServiceStub


def series(key: str, count: int, start_step: int = 0) -> pb.MetricSeries:
    """A series of `count` points with random values, steps from `start_step`."""
    message = pb.MetricSeries(key=key)
    message.values.extend(np.random.default_rng(start_step).random(count).tolist())
    message.timestamps_ms.extend((np.arange(count, dtype=np.int64) + 1_700_000_000_000).tolist())
    message.steps.extend(range(start_step, start_step + count))
    return message


async def new_run(stub: Stub, experiment_id: str = "0") -> str:
    reply = await stub.CreateRun(pb.CreateRunRequest(experiment_id=experiment_id))
    return reply.run.info.run_id


async def ingestion(stub: Stub, runs: int, batches: int, batch_points: int) -> float:
    """Points per second, `runs` concurrent streams of `batches` batches of `batch_points` points."""
    run_ids = [await new_run(stub) for _ in range(runs)]
    messages = {
        run_id: [pb.LogBatchRequest(run_id=run_id, metrics=[series("loss", batch_points, i * batch_points)])
                 for i in range(batches)]
        for run_id in run_ids
    }

    async def stream(run_id: str) -> int:
        async def requests():  # type: ignore[no-untyped-def]
            for message in messages[run_id]:
                yield message
        reply = await stub.StreamMetrics(requests())
        return int(reply.metric_points)

    started = time.perf_counter()
    stored = sum(await asyncio.gather(*(stream(run_id) for run_id in run_ids)))
    return stored / (time.perf_counter() - started)


async def history(stub: Stub, points: int, repeats: int) -> tuple[float, float]:
    """(median ms of a columnar read, ms of a row-shaped read) of a `points`-point history."""
    run_id = await new_run(stub)
    step = 10_000
    for start in range(0, points, step):
        await stub.LogBatch(pb.LogBatchRequest(run_id=run_id, metrics=[series("acc", min(step, points - start), start)]))
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        reply = await stub.GetMetricHistory(pb.GetMetricHistoryRequest(run_id=run_id, metric_key="acc", columnar=True))
        timings.append((time.perf_counter() - started) * 1000)
        assert len(reply.series.values) == points
    started = time.perf_counter()
    reply = await stub.GetMetricHistory(pb.GetMetricHistoryRequest(run_id=run_id, metric_key="acc"))
    rows_ms = (time.perf_counter() - started) * 1000
    assert len(reply.metrics) == points
    return statistics.median(timings), rows_ms


async def bounded(calls: list, concurrency: int) -> list:  # type: ignore[type-arg]
    """Run coroutine factories with at most `concurrency` in flight."""
    gate = asyncio.Semaphore(concurrency)

    async def one(call):  # type: ignore[no-untyped-def]
        async with gate:
            return await call()
    return await asyncio.gather(*(one(call) for call in calls))


async def populate(stub: Stub, runs: int) -> str:
    """An experiment of `runs` runs, each with two params, a tag and an `acc` metric; returns its id."""
    experiment = await stub.CreateExperiment(pb.CreateExperimentRequest(name=f"search-{time.time_ns()}"))
    rng = np.random.default_rng(7)

    async def make(index: int) -> None:
        run_id = await new_run(stub, experiment.experiment_id)
        await stub.LogBatch(pb.LogBatchRequest(
            run_id=run_id, params=[pb.Param(key="lr", value=str([0.1, 0.01, 0.001][index % 3])),
                                   pb.Param(key="batch", value=str(32 * (1 + index % 4)))],
            tags=[pb.Tag(key="team", value=f"t{index % 5}")],
            metrics=[pb.MetricSeries(key="acc", values=[float(rng.random())], timestamps_ms=[1], steps=[0])]))
    await bounded([lambda i=i: make(i) for i in range(runs)], 16)
    return str(experiment.experiment_id)


async def search(stub: Stub, experiment_id: str, queries: int, page: int = 1) -> tuple[float, float]:
    """(p50, p99) ms of SearchRuns with a params-and-metrics filter ordered by a metric (100 per page),
    reading the given page (its token is fetched first)."""
    request = pb.SearchRunsRequest(experiment_ids=[experiment_id], max_results=100,
                                   filter="params.lr = '0.01' and metrics.acc > 0.5 and tags.team != 't1'",
                                   order_by=["metrics.acc DESC"])
    for _ in range(page - 1):
        request.page_token = (await stub.SearchRuns(request)).next_page_token
    timings = []
    for _ in range(queries):
        started = time.perf_counter()
        reply = await stub.SearchRuns(request)
        timings.append((time.perf_counter() - started) * 1000)
    assert len(reply.runs) == 100, "the benchmark filter should match more than a page of runs"
    timings.sort()
    return statistics.median(timings), timings[min(len(timings) - 1, int(len(timings) * 0.99))]


def analyze(database_url: str) -> None:
    """Refresh planner statistics, as autovacuum does within a minute or so of a bulk load."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("ANALYZE")


async def create_runs(stub: Stub, count: int, concurrency: int) -> float:
    """CreateRun calls per second with `concurrency` calls in flight."""
    started = time.perf_counter()
    await bounded([lambda: new_run(stub) for _ in range(count)], concurrency)
    return count / (time.perf_counter() - started)


async def main(quick: bool, only: str, runs: int | None) -> None:
    with running_stack(services=("tracking",)) as stack:
        async with grpc.aio.insecure_channel(stack.tracking_uri, options=[
            ("grpc.max_send_message_length", 64 << 20), ("grpc.max_receive_message_length", 64 << 20)]) as channel:
            stub = Stub(channel)
            await stub.GetExperiment(pb.GetExperimentRequest(experiment_id="0"), wait_for_ready=True)
            if only != "search":
                rate = await ingestion(stub, runs=2 if quick else 4, batches=5 if quick else 25, batch_points=10_000)
                print(f"ingestion (StreamMetrics, 10k-point batches): {rate:,.0f} points/s")
                columnar, rows = await history(stub, 20_000 if quick else 100_000, 5 if quick else 20)
                label = "20k" if quick else "100k"
                print(f"metric history of {label} points: {columnar:.1f} ms columnar (p50), {rows:.1f} ms as Metric rows")
            await search_rows(stack, stub, runs or (1000 if quick else 10_000), 50 if quick else 200)
            if only != "search":
                per_second = await create_runs(stub, 500 if quick else 3000, 16)
                print(f"CreateRun (raw stubs, 16 in flight): {per_second:,.0f} runs/s")


async def search_rows(stack: TestStack, stub: Stub, runs: int, queries: int) -> None:
    """Load `runs` runs and print the SearchRuns figures: right after the load, then with fresh statistics."""
    groups = stack_groups(stack, stack.infrastructure)
    experiment_id = await populate(stub, runs)
    for when in ("right after loading", "with planner statistics"):
        if when == "with planner statistics":
            analyze(stack.database_url)
        for page in (1, 5):
            before = cpu_seconds(groups)
            p50, p99 = await search(stub, experiment_id, queries, page)
            after = cpu_seconds(groups)
            spent = ", ".join(f"{name} {(after[name] - before[name]) / (queries + page - 1) * 1000:.2f}" for name in after)
            print(f"SearchRuns over {runs} runs, page {page}, {when}: p50 {p50:.1f} ms, p99 {p99:.1f} ms "
                  f"({queries} calls, load {os.getloadavg()[0]:.2f}; CPU ms per call: {spent})", flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small run (seconds, not minutes)")
    parser.add_argument("--only", choices=["all", "search"], default="all", help="run every row, or the search rows")
    parser.add_argument("--runs", type=int, help="runs loaded before the search rows (default 10,000; 1,000 quick)")
    arguments = parser.parse_args()
    asyncio.run(main(arguments.quick, arguments.only, arguments.runs))

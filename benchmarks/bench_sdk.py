"""Throughput of the Python SDK against a real stack started for the run.

    python benchmarks/bench_sdk.py           # full run
    python benchmarks/bench_sdk.py --quick   # a small run (seconds)

Prints: fluent log_metric cost per call in a tight loop (target < 10 µs), sustained ingestion
through the SDK until the server has every point (target >= 250,000 points/s), runs created
per second through a Client (target >= 1,500/s) and the read of a 100k-point history.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import time

import mlledger
from mlledger.testing import running_stack


def bench_log_metric_call(points: int) -> float:
    """Microseconds per fluent log_metric call in a tight loop (delivery happens in the background)."""
    with mlledger.start_run():
        log_metric = mlledger.log_metric
        started = time.perf_counter()
        for step in range(points):
            log_metric("loss", step * 0.001, step=step)
        elapsed = time.perf_counter() - started
    return elapsed / points * 1e6


def bench_ingestion(client: mlledger.Client, points: int, keys: int = 4) -> float:
    """Points per second from the first log_metric until flush() confirms the server stored all of them."""
    with mlledger.start_run() as run:
        log_metric = mlledger.log_metric
        names = [f"metric_{index}" for index in range(keys)]
        started = time.perf_counter()
        for step in range(points // keys):
            for name in names:
                log_metric(name, step * 0.5, step=step)
        mlledger.flush()
        elapsed = time.perf_counter() - started
    stored = len(client.get_metric_history_columns(run.run_id, names[0])[0])
    assert stored == points // keys, f"expected {points // keys} points, the server has {stored}"
    return points / elapsed


def bench_run_creation(client: mlledger.Client, experiment_id: str, runs: int, threads: int) -> float:
    """Runs created per second by `threads` threads sharing one Client."""
    def create(count: int) -> None:
        for _ in range(count):
            client.create_run(experiment_id)

    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(threads) as pool:
        for future in [pool.submit(create, runs // threads) for _ in range(threads)]:
            future.result()
    return (runs // threads * threads) / (time.perf_counter() - started)


def bench_history_read(client: mlledger.Client, experiment_id: str, points: int) -> tuple[float, float]:
    """Milliseconds to read a `points`-long history as Metric objects and as columns."""
    run_id = client.create_run(experiment_id).info.run_id
    for start in range(0, points, 100_000):
        count = min(100_000, points - start)
        columns = {"loss": ([float(i) for i in range(start, start + count)], [1_700_000_000_000] * count,
                            list(range(start, start + count)))}
        client.log_metric_columns(run_id, columns)
    started = time.perf_counter()
    metrics = client.get_metric_history(run_id, "loss")
    as_objects = (time.perf_counter() - started) * 1000
    started = time.perf_counter()
    values, _, _ = client.get_metric_history_columns(run_id, "loss")
    as_columns = (time.perf_counter() - started) * 1000
    assert len(metrics) == len(values) == points
    return as_objects, as_columns


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small run that finishes in seconds")
    args = parser.parse_args()
    scale = 10 if args.quick else 1
    with running_stack() as stack:
        mlledger.set_tracking_uri(stack.tracking_uri)
        experiment = mlledger.set_experiment("bench-sdk")
        client = mlledger.Client(stack.tracking_uri)
        call_us = bench_log_metric_call(1_000_000 // scale)
        print(f"log_metric call (tight loop):   {call_us:8.2f} µs/call      (target < 10)")
        rate = bench_ingestion(client, 2_000_000 // scale)
        print(f"ingestion through the SDK:     {rate:10,.0f} points/s  (target >= 250,000)")
        runs = bench_run_creation(client, experiment.experiment_id, 6000 // scale, threads=8)
        print(f"runs created through a Client: {runs:10,.0f} runs/s    (target >= 1,500)")
        objects_ms, columns_ms = bench_history_read(client, experiment.experiment_id, 100_000)
        print(f"read 100k-point history:       {objects_ms:10.1f} ms as Metric objects, {columns_ms:.1f} ms as columns")
        client.close()
        mlledger.set_tracking_uri(mlledger.get_tracking_uri())  # closes the fluent client before the stack stops


if __name__ == "__main__":
    main()

"""Web UI benchmark: what a user waits for in headless chromium, and what the chart costs on the wire.

    python benchmarks/bench_ui.py [--runs 10000] [--chart-runs 10] [--points 100000]

Starts embedded PostgreSQL and NATS and a stack with its gateway, seeds one experiment of
`--runs` runs (a param and a metric each) and `--chart-runs` runs of `--points` points, then
prints: ms until the runs table of that experiment is shown (navigation to rows in the DOM),
ms until the chart of all chart runs is drawn, bytes the browser received for that chart's
data, and the sampled-history endpoint's latency (median and p95 over 20 calls).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from playwright.sync_api import sync_playwright

from mlledger.client import Client as MlledgerClient
from mlledger.testing import running_stack

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def seed(client: MlledgerClient, runs: int, chart_runs: int, points: int) -> tuple[str, list[str]]:
    """An experiment of `runs` small runs and `chart_runs` runs with a `points`-long loss history."""
    experiment = client.create_experiment("bench-ui")

    def small(index: int) -> None:
        run_id = client.create_run(experiment, run_name=f"run-{index}").info.run_id
        client.log_param(run_id, "lr", str(index % 17))
        client.log_metric(run_id, "acc", (index % 1000) / 1000, step=0)

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(small, range(runs)))
    steps = np.arange(points)
    long_runs = []
    for index in range(chart_runs):
        run_id = client.create_run(experiment, run_name=f"long-{index}").info.run_id
        loss = np.exp(-steps / (10_000 + 1000 * index)) + 0.02 * np.random.default_rng(index).normal(size=points)
        client.log_metric_columns(run_id, {"loss": (loss.tolist(), (1_700_000_000_000 + steps).tolist(),
                                                    steps.tolist())})
        long_runs.append(run_id)
    return experiment, long_runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--chart-runs", type=int, default=10)
    parser.add_argument("--points", type=int, default=100_000)
    args = parser.parse_args()
    with running_stack(gateway=True) as stack:
        client = MlledgerClient(stack.tracking_uri)
        started = time.perf_counter()
        experiment, long_runs = seed(client, args.runs, args.chart_runs, args.points)
        print(f"seeded {args.runs} runs and {args.chart_runs} x {args.points} points in "
              f"{time.perf_counter() - started:.1f} s")
        base = stack.gateway_uri
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.goto(f"{base}/#/")  # warm: assets cached as a returning user has them
            page.wait_for_selector("#experiments")
            table_ms = []
            for _ in range(3):
                page.goto("about:blank")
                started = time.perf_counter()
                page.goto(f"{base}/#/experiments/{experiment}")
                page.wait_for_selector("#runs tbody tr")
                table_ms.append((time.perf_counter() - started) * 1000)
            received = []
            page.on("response", lambda r: received.append(r) if "/ui-api/metrics/sampled" in r.url else None)
            chart_ms = []
            for _ in range(3):
                received.clear()
                page.goto("about:blank")
                started = time.perf_counter()
                page.goto(f"{base}/#/chart?runs={','.join(long_runs)}&metric=loss")
                page.wait_for_selector("#chart[data-drawn] canvas")
                chart_ms.append((time.perf_counter() - started) * 1000)
            chart_bytes = sum(len(r.body()) for r in received)
            browser.close()
        query = urllib.parse.urlencode({"run_ids": long_runs, "metric_key": "loss", "points": 1240}, doseq=True)
        latencies = []
        for _ in range(20):
            started = time.perf_counter()
            with urllib.request.urlopen(f"{base}/ui-api/metrics/sampled?{query}") as response:
                response.read()
            latencies.append((time.perf_counter() - started) * 1000)
    print(f"runs table of {args.runs} runs shown: median {statistics.median(table_ms):.0f} ms "
          f"(runs {', '.join(f'{v:.0f}' for v in table_ms)}) target < 1000 ms")
    print(f"chart of {args.chart_runs} runs x {args.points} points drawn: median {statistics.median(chart_ms):.0f} ms "
          f"(runs {', '.join(f'{v:.0f}' for v in chart_ms)}) target < 1000 ms")
    print(f"bytes received for that chart's data: {chart_bytes:,} "
          f"(vs {args.chart_runs * args.points * 24:,} for the raw doubles alone)")
    latencies.sort()
    print(f"sampled-history endpoint ({args.chart_runs} runs x {args.points} points -> 1240 each): "
          f"median {statistics.median(latencies):.0f} ms, p95 {latencies[int(len(latencies) * 0.95) - 1]:.0f} ms")
    print("load average (1, 5, 15 min) at the end: " + ", ".join(f"{v:.2f}" for v in os.getloadavg()))


if __name__ == "__main__":
    main()

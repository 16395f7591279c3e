"""Gateway benchmark: MLflow's own client against the mlledger gateway and against `mlflow server`.

    python benchmarks/bench_gateway.py [--quick] [--search-runs 10000] [--artifact-mb 64] [--only gateway]

Starts embedded PostgreSQL and NATS, an mlledger stack with its HTTP gateway, and (when mlflow
is installed) `mlflow server` on a separate database of the same PostgreSQL with proxied
artifacts on local disk. The same client workload runs against each and prints, per server:
create_run/s, log_metric/s, log_batch points/s, seconds to read a 100k-point history, ms per
search over N runs, registry ops/s, artifact upload/download MB/s, and resident memory (the
gateway alone and the gateway with the three services; mlflow server with its workers).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import psutil

from mlledger.services.stack.ports import free_port, wait_listening
from mlledger.testing import Infrastructure, running_stack, start_infrastructure

MB = 1_000_000


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children, in MB."""
    process = psutil.Process(pid)
    return sum(p.memory_info().rss for p in [process, *process.children(recursive=True)]) / MB


def rate(count: int, fn: Callable[[int], object]) -> float:
    """Calls per second of fn(0..count-1), sequentially."""
    started = time.perf_counter()
    for index in range(count):
        fn(index)
    return count / (time.perf_counter() - started)


@contextmanager
def mlflow_server(infra: Infrastructure, work: Path) -> Iterator[tuple[str, int]]:
    """`mlflow server` on a fresh database of the benchmark's PostgreSQL, serving artifacts from disk."""
    from psycopg.conninfo import conninfo_to_dict

    params = conninfo_to_dict(infra.new_database("mlflow_bench"))
    url = (f"postgresql+psycopg://{params.get('user', 'postgres')}@{params.get('host', '127.0.0.1')}:"
           f"{params.get('port', 5432)}/{params['dbname']}")
    port = free_port()
    log = open(work / "mlflow-server.log", "wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "mlflow", "server", "--backend-store-uri", url, "--serve-artifacts",
         "--artifacts-destination", str(work / "mlflow-artifacts"), "--host", "127.0.0.1", "--port", str(port),
         "--workers", "1"], stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_listening(port, timeout=300, process=process)
        yield f"http://127.0.0.1:{port}", process.pid
    finally:
        # The server starts workers and job consumers in its session: stop them all.
        survivors = psutil.Process(process.pid).children(recursive=True)
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
        for child in survivors:
            with contextlib.suppress(psutil.NoSuchProcess):
                child.kill()
        log.close()


def workload(uri: str, args: argparse.Namespace, work: Path) -> dict[str, float]:
    """The client workload against one server; returns the figures."""
    import mlflow
    from mlflow.entities import Metric, Param

    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    client = mlflow.MlflowClient()
    experiment_id = client.create_experiment(f"bench-{uuid.uuid4().hex[:8]}")
    figures: dict[str, float] = {}

    figures["create_run/s"] = rate(args.runs, lambda _: client.create_run(experiment_id))
    run_id = client.create_run(experiment_id).info.run_id
    now = int(time.time() * 1000)
    figures["log_metric/s"] = rate(args.metrics, lambda i: client.log_metric(run_id, "m", i * 0.5, now + i, i))

    points = [Metric("loss", 1.0 / (i + 1), now + i, i) for i in range(100_000)]
    started = time.perf_counter()
    client.log_batch(run_id, metrics=points, synchronous=True)
    figures["log_batch points/s"] = len(points) / (time.perf_counter() - started)
    started = time.perf_counter()
    history = client.get_metric_history(run_id, "loss")
    figures["history 100k s"] = time.perf_counter() - started
    assert len(history) == 100_000

    search_experiment = client.create_experiment(f"bench-search-{uuid.uuid4().hex[:8]}")

    def make_run(index: int) -> None:
        local = mlflow.MlflowClient(uri)
        rid = local.create_run(search_experiment).info.run_id
        local.log_batch(rid, metrics=[Metric("acc", (index % 1000) / 1000, now, 0)],
                        params=[Param("kind", "even" if index % 2 == 0 else "odd")])

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(make_run, range(args.search_runs)))
    search = lambda _: client.search_runs([search_experiment], "metrics.acc > 0.5 AND params.kind = 'even'",  # noqa: E731
                                          order_by=["metrics.acc DESC"], max_results=100)
    search(0)
    figures[f"search {args.search_runs} runs ms"] = 1000 / rate(10, search)

    model = f"bench-{uuid.uuid4().hex[:8]}"
    client.create_registered_model(model)
    source_run = client.create_run(experiment_id)
    client.log_text(source_run.info.run_id, "weights", "model/weights.txt")
    client.create_model_version(model, f"{source_run.info.artifact_uri}/model", run_id=source_run.info.run_id)
    ops = [lambda i: client.set_registered_model_tag(model, f"k{i}", "v"),
           lambda i: client.get_registered_model(model),
           lambda i: client.get_model_version(model, "1"),
           lambda i: client.set_model_version_tag(model, "1", f"k{i}", "v"),
           lambda i: client.search_model_versions(f"name = '{model}'")]
    figures["registry ops/s"] = rate(args.registry_ops, lambda i: ops[i % len(ops)](i))

    data = work / f"data-{uuid.uuid4().hex[:6]}.bin"
    with open(data, "wb") as handle:
        for _ in range(args.artifact_mb):
            handle.write(os.urandom(MB))
    started = time.perf_counter()
    client.log_artifact(run_id, str(data))
    figures["artifact upload MB/s"] = args.artifact_mb / (time.perf_counter() - started)
    started = time.perf_counter()
    client.download_artifacts(run_id, data.name, dst_path=str(work / uuid.uuid4().hex))
    figures["artifact download MB/s"] = args.artifact_mb / (time.perf_counter() - started)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small counts, for a smoke run")
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--metrics", type=int, default=1000)
    parser.add_argument("--search-runs", type=int, default=10_000)
    parser.add_argument("--registry-ops", type=int, default=300)
    parser.add_argument("--artifact-mb", type=int, default=64)
    parser.add_argument("--only", choices=["gateway", "mlflow"], default=None)
    args = parser.parse_args()
    if args.quick:
        args.runs, args.metrics, args.search_runs, args.registry_ops, args.artifact_mb = 30, 100, 200, 50, 8
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "2")
    work = Path(tempfile.mkdtemp(prefix="bench-gateway-"))
    infra = start_infrastructure(work / "infra")
    results: dict[str, dict[str, float]] = {}
    try:
        if args.only != "mlflow":
            with running_stack(infra, gateway=True) as stack:
                figures = workload(stack.gateway_uri, args, work)
                processes = stack.stack.processes
                figures["RSS gateway MB"] = rss_mb(processes["gateway"].pid)
                figures["RSS gateway+services MB"] = sum(rss_mb(p.pid) for p in processes.values())
                results["mlledger gateway"] = figures
                print("mlledger gateway:", {key: round(value, 1) for key, value in figures.items()}, flush=True)
        if args.only != "gateway":
            try:
                import mlflow.server  # noqa: F401
            except ImportError:
                print("mlflow is not installed: skipping `mlflow server`")
            else:
                with mlflow_server(infra, work) as (uri, pid):
                    figures = workload(uri, args, work)
                    figures["RSS server MB"] = rss_mb(pid)
                    results["mlflow server"] = figures
    finally:
        infra.stop()
        shutil.rmtree(work, ignore_errors=True)
    names = list(results)
    rows = list(dict.fromkeys(key for figures in results.values() for key in figures))
    print(f"{'':32}" + "".join(f"{name:>20}" for name in names))
    for row in rows:
        print(f"{row:32}" + "".join(f"{results[name].get(row, float('nan')):>20.1f}" for name in names))
    print(f"(load average now: {', '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores)")


if __name__ == "__main__":
    main()

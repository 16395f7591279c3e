"""Serving benchmark: latency and requests/s of `mlledger models serve` for a small scikit-learn
model over REST (MLflow's /invocations) and gRPC (Open Inference Protocol), batch predict rows/s,
and the same REST figures for MLflow's own `mlflow models serve --env-manager local` on the same
model when mlflow is installed.

    python benchmarks/bench_serving.py [--requests 2000] [--batch-rows 1000000]

Each server runs with one worker; one client sends requests one after another on a kept-alive
connection (closed loop), so requests/s is 1 / mean latency as the client sees it, client
overhead included. Targets (2-core machine): one-row REST p50 < 2 ms and >= 3x MLflow's
requests/s; gRPC one-row p50 < 1 ms; batch predict >= 500,000 rows/s.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from mlledger.services.stack.ports import free_port

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_batch_predict import run as batch_run
from bench_batch_predict import small_sklearn_model

COLUMNS = ["a", "b", "c", "d"]


def start(command: list[str], port: int, log: Path) -> subprocess.Popen[bytes]:
    """Start a server and wait until GET /ping answers."""
    with open(log, "wb") as out:
        # MLflow starts `uvicorn` by name: the interpreter's bin folder goes first on PATH.
        env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{command[0]} exited:\n{log.read_text()}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/ping")
            if connection.getresponse().status == 200:
                return process
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(log.read_text())


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        process.kill()


def measure(call: Callable[[], None], count: int) -> tuple[float, float, float]:
    """(p50 ms, p99 ms, requests/s) of `count` sequential calls, after a warm-up."""
    for _ in range(min(200, count)):
        call()
    latencies = []
    started = time.perf_counter()
    for _ in range(count):
        begin = time.perf_counter()
        call()
        latencies.append(time.perf_counter() - begin)
    elapsed = time.perf_counter() - started
    latencies.sort()
    return (statistics.median(latencies) * 1000, latencies[int(len(latencies) * 0.99) - 1] * 1000, count / elapsed)


def rest_call(port: int, rows: np.ndarray) -> Callable[[], None]:
    """POST /invocations with `rows` as dataframe_split on one kept-alive connection."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    body = json.dumps({"dataframe_split": {"columns": COLUMNS, "data": rows.tolist()}}).encode()
    headers = {"Content-Type": "application/json"}

    def call() -> None:
        connection.request("POST", "/invocations", body, headers)
        response = connection.getresponse()
        data = response.read()
        if response.status != 200:
            raise RuntimeError(data.decode())

    return call


def grpc_call(port: int, rows: np.ndarray) -> Callable[[], None]:
    """ModelInfer with one FP64 column tensor per feature, in raw contents."""
    import grpc

    from mlledger.inference.v2 import grpc_predict_v2_pb2 as pb
    from mlledger.inference.v2 import grpc_predict_v2_pb2_grpc as pb_grpc

    stub = pb_grpc.GRPCInferenceServiceStub(grpc.insecure_channel(f"127.0.0.1:{port}"))
    request = pb.ModelInferRequest(model_name="model")
    for index, name in enumerate(COLUMNS):
        request.inputs.add(name=name, datatype="FP64", shape=[len(rows), 1])
        request.raw_input_contents.append(np.ascontiguousarray(rows[:, index]).tobytes())

    def call() -> None:
        stub.ModelInfer(request, timeout=60)

    return call


def bench_server(name: str, process_factory: Callable[[], tuple[subprocess.Popen[bytes], int, int | None]],
                 requests: int, results: list[tuple[str, str, int, float, float, float]]) -> None:
    process, port, grpc_port = process_factory()
    rng = np.random.default_rng(0)
    try:
        for rows in (1, 100):
            data = rng.random((rows, 4))
            count = requests if rows == 1 else max(requests // 4, 100)
            results.append((name, "REST", rows, *measure(rest_call(port, data), count)))
            if grpc_port is not None:
                results.append((name, "gRPC", rows, *measure(grpc_call(grpc_port, data), count)))
    finally:
        stop(process)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2000, help="one-row requests per protocol")
    parser.add_argument("--batch-rows", type=int, default=1_000_000)
    args = parser.parse_args()
    results: list[tuple[str, str, int, float, float, float]] = []
    with tempfile.TemporaryDirectory(prefix="bench-serving-") as scratch:
        root = Path(scratch)
        model_dir = small_sklearn_model(root)
        bin_dir = Path(sys.executable).parent

        def mlledger_server() -> tuple[subprocess.Popen[bytes], int, int | None]:
            port, grpc_port = free_port(), free_port()
            command = [str(bin_dir / "mlledger"), "models", "serve", "-m", str(model_dir), "-p", str(port),
                       "--grpc-port", str(grpc_port), "-w", "1", "--no-access-log", "--log-format", "json"]
            return start(command, port, root / "mlledger.log"), port, grpc_port

        def mlflow_server() -> tuple[subprocess.Popen[bytes], int, int | None]:
            port = free_port()
            mlflow = shutil.which("mlflow", path=str(bin_dir)) or shutil.which("mlflow")
            command = [str(mlflow), "models", "serve", "-m", str(model_dir), "-p", str(port), "--env-manager", "local",
                       "-w", "1"]
            os.environ.setdefault("MLFLOW_TRACKING_URI", (root / "mlruns").as_uri())
            return start(command, port, root / "mlflow.log"), port, None

        bench_server("mlledger", mlledger_server, args.requests, results)
        floor = model_floor(model_dir)
        has_mlflow = shutil.which("mlflow", path=str(bin_dir)) or shutil.which("mlflow")
        if has_mlflow:
            bench_server("mlflow", mlflow_server, args.requests, results)
    print(f"serving a small scikit-learn model (logistic regression, 4 columns); load average {os.getloadavg()[0]:.1f}")
    print(f"  {'server':<9} {'protocol':<8} {'rows':>4} {'p50 ms':>8} {'p99 ms':>8} {'req/s':>9}")
    for server, protocol, rows, p50, p99, rate in results:
        print(f"  {server:<9} {protocol:<8} {rows:>4} {p50:>8.2f} {p99:>8.2f} {rate:>9,.0f}")
    verdicts(results, has_mlflow is not None)
    p50, p99, _ = floor
    print(f"  floor: the model's own one-row predict in-process (pyfunc, signature enforced): "
          f"p50 {p50:.2f} ms, p99 {p99:.2f} ms")
    for fmt_in, fmt_out, rows, rate in batch_run(args.batch_rows, pairs=(("parquet", "parquet"),)):
        print(f"  batch predict {fmt_in} -> {fmt_out}: {rate:,.0f} rows/s over {rows:,} rows "
              f"(target >= 500,000: {'met' if rate >= 500_000 else 'MISSED'})")


def model_floor(model_dir: Path) -> tuple[float, float, float]:
    """In-process latency of one-row predictions: what no server can go below."""
    import pandas as pd

    import mlledger.pyfunc

    model = mlledger.pyfunc.load_model(str(model_dir))
    row = pd.DataFrame(np.random.default_rng(2).random((1, 4)), columns=COLUMNS)
    return measure(lambda: model.predict(row), 2000)


def verdicts(results: list[tuple[str, str, int, float, float, float]], has_mlflow: bool) -> None:
    figures = {(server, protocol, rows): (p50, rate) for server, protocol, rows, p50, _, rate in results}
    rest_p50, rest_rate = figures[("mlledger", "REST", 1)]
    grpc_p50, _ = figures[("mlledger", "gRPC", 1)]
    print(f"  one-row REST p50 {rest_p50:.2f} ms (target < 2 ms: {'met' if rest_p50 < 2 else 'MISSED'})")
    print(f"  one-row gRPC p50 {grpc_p50:.2f} ms (target < 1 ms: {'met' if grpc_p50 < 1 else 'MISSED'})")
    if has_mlflow:
        ratio = rest_rate / figures[("mlflow", "REST", 1)][1]
        print(f"  one-row REST requests/s vs MLflow: {ratio:.1f}x (target >= 3x: {'met' if ratio >= 3 else 'MISSED'})")
    else:
        print("  mlflow is not installed: no comparison")


if __name__ == "__main__":
    main()

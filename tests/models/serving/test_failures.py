"""A model that raises, a request that outlives the timeout, and a graceful stop under load."""

from __future__ import annotations

import signal
import threading
import time
from pathlib import Path

import grpc
import numpy as np

from .helpers import Server, scoring_server


def slow_request(server: Server, seconds: float, results: list) -> threading.Thread:  # type: ignore[type-arg]
    """POST a request that makes the model sleep, in a thread; its answer lands in `results`."""
    def run() -> None:
        try:
            results.append(server.invoke({"dataframe_records": [{"x": 1.0}], "params": {"sleep": seconds}}))
        except Exception as error:  # the test inspects what happened
            results.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def wait_workers(server: Server, count: int, timeout: float = 120.0) -> set[int]:
    """Wait until `count` workers have logged that they serve; returns their pids."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pids = {entry["pid"] for entry in server.access_log() if entry.get("event") == "serving"}
        if len(pids) >= count:
            return pids
        time.sleep(0.1)
    raise TimeoutError(server.log.read_text())


def grpc_infer(server: Server, x: list[float], **params: object) -> tuple[grpc.StatusCode, str, list[float]]:
    """ModelInfer on the moody model with column x and params; returns (code, details, doubled values)."""
    from mlledger.inference.v2 import grpc_predict_v2_pb2 as pb
    from mlledger.inference.v2 import grpc_predict_v2_pb2_grpc as pb_grpc

    request = pb.ModelInferRequest(model_name="moody")
    request.inputs.add(name="x", datatype="FP64", shape=[len(x)], contents=pb.InferTensorContents(fp64_contents=x))
    for key, value in params.items():
        field = "bool_param" if isinstance(value, bool) else "double_param"
        request.parameters[key].CopyFrom(pb.InferParameter(**{field: value}))
    with grpc.insecure_channel(f"127.0.0.1:{server.grpc_port}") as channel:
        try:
            response = pb_grpc.GRPCInferenceServiceStub(channel).ModelInfer(request, timeout=60)
        except grpc.RpcError as error:
            return error.code(), error.details() or "", []
    values = np.frombuffer(response.raw_output_contents[0], dtype="<f8").tolist()
    return grpc.StatusCode.OK, response.outputs[0].name, values


def test_model_error_is_500_and_the_server_keeps_serving(moody_dir: Path, tmp_path: Path) -> None:
    """An exception inside predict answers 500 with the model's message; the next request succeeds."""
    with scoring_server(moody_dir, tmp_path / "log", "-t", "30") as server:
        status, error = server.invoke({"dataframe_records": [{"x": 1.5}], "params": {"fail": True}})
        assert status == 500 and error["error_code"] == "INTERNAL_ERROR"
        assert "RuntimeError: the model failed on purpose" in error["message"]
        assert server.invoke({"dataframe_records": [{"x": 1.5}]}) == (200, {"predictions": [3.0]})
        assert any(line.get("event") == "model_error" for line in server.access_log())
        code, details, _ = grpc_infer(server, [1.0], fail=True)
        assert code == grpc.StatusCode.INTERNAL and "the model failed on purpose" in details
        assert grpc_infer(server, [1.0, 2.5]) == (grpc.StatusCode.OK, "doubled", [2.0, 5.0])


def test_request_timeout_is_504(moody_dir: Path, tmp_path: Path) -> None:
    """A prediction slower than --timeout answers 504, and the server answers the next request."""
    with scoring_server(moody_dir, tmp_path / "log", "-t", "1") as server:
        status, error = server.invoke({"dataframe_records": [{"x": 1.0}], "params": {"sleep": 4.0}})
        assert status == 504 and error["error_code"] == "DEADLINE_EXCEEDED"
        assert "exceeded the limit of 1 s" in error["message"]
        assert server.invoke({"dataframe_records": [{"x": 2.0}]}) == (200, {"predictions": [4.0]})
        code, details, _ = grpc_infer(server, [1.0], sleep=4.0)
        assert code == grpc.StatusCode.DEADLINE_EXCEEDED and "exceeded the limit" in details
        assert grpc_infer(server, [3.0])[0] == grpc.StatusCode.OK


def test_sigterm_finishes_requests_in_flight(moody_dir: Path, tmp_path: Path) -> None:
    """With two workers, SIGTERM during slow requests lets them finish (200) before the server exits 0."""
    with scoring_server(moody_dir, tmp_path / "log", "-w", "2", "-t", "30") as server:
        wait_workers(server, 2)
        results: list = []  # type: ignore[type-arg]
        threads = [slow_request(server, 3.0, results) for _ in range(3)]
        time.sleep(1.0)  # the requests are inside predict now
        server.process.send_signal(signal.SIGTERM)
        for thread in threads:
            thread.join(60)
        assert server.process.wait(60) == 0
        assert results == [(200, {"predictions": [2.0]})] * 3
        stopped = [line for line in server.access_log() if line.get("event") == "stopped"]
        assert len(stopped) == 2  # each worker stopped cleanly


def test_metrics_cover_every_worker(moody_dir: Path, tmp_path: Path) -> None:
    """With several workers, /metrics reports the requests of all of them."""
    with scoring_server(moody_dir, tmp_path / "log", "-w", "2") as server:
        wait_workers(server, 2)
        for _ in range(30):
            assert server.invoke({"dataframe_records": [{"x": 1.0}]})[0] == 200
        text = server.request("GET", "/metrics")[2].decode()
        line = next(line for line in text.splitlines()
                    if line.startswith('mlledger_scoring_requests_total{endpoint="invocations"'))
        assert float(line.rsplit(" ", 1)[1]) == 30


def test_a_model_that_does_not_load_stops_the_server(tmp_path: Path) -> None:
    """With several workers, a model that cannot load ends the server with an error, not a restart loop."""
    import subprocess

    from mlledger.services.stack.ports import free_port

    from .helpers import serve_command

    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "MLmodel").write_text("flavors: {python_function: {loader_module: no.such.module}}\n")
    done = subprocess.run(serve_command(broken, free_port(), free_port(), "-w", "2"), capture_output=True,
                          text=True, timeout=240)
    assert done.returncode == 1
    assert "worker_failed_to_start" in done.stdout + done.stderr

"""Shared by the deployer tests and benchmarks/bench_events.py: constant models, a deployer
process, a client that counts failed requests, and the deployment events of a deployment."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import grpc
import httpx

from mlledger.v1 import subscriptions_pb2 as spb, subscriptions_pb2_grpc

T = TypeVar("T")
FEATURES = ["x1", "x2"]


def frame():  # type: ignore[no-untyped-def]
    import pandas as pd

    return pd.DataFrame({"x1": [0.0, 1.0, 2.0, 3.0], "x2": [1.0, 0.5, 0.25, 0.125]})


def log_constant(name: str, value: float) -> int:
    """Log and register a scikit-learn model that always predicts `value`; returns its version."""
    import mlledger.sklearn
    from sklearn.dummy import DummyRegressor

    data = frame()
    model = DummyRegressor(strategy="constant", constant=value).fit(data, [value] * len(data))
    with mlledger.start_run():
        info = mlledger.sklearn.log_model(model, name="model", input_example=data.head(2),
                                          registered_model_name=name)
    return int(info.registered_model_version)


def log_broken(name: str, where: str) -> int:
    """Log and register a custom model that fails on load ("load") or on predict ("predict")."""
    import mlledger.pyfunc

    class Broken(mlledger.pyfunc.PythonModel):  # defined here so it is pickled by value
        def __init__(self, where: str) -> None:
            self.where = where

        def load_context(self, context: Any) -> None:
            if self.where == "load":
                raise RuntimeError("this version cannot load")

        def predict(self, context: Any, model_input: Any, params: dict[str, Any] | None = None) -> Any:
            raise RuntimeError("this version cannot predict")

    with mlledger.start_run():
        info = mlledger.pyfunc.log_model(name="model", python_model=Broken(where), input_example=frame().head(2),
                                         registered_model_name=name)
    return int(info.registered_model_version)


def wait_for(probe: Callable[[], T], timeout: float = 90.0, every: float = 0.1) -> T:
    """The first truthy result of `probe`, or AssertionError after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = probe()
        if result:
            if os.environ.get("DEPLOYER_TRACE"):
                print(f"waited {time.monotonic() - deadline + timeout:.1f} s", flush=True)
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up after {timeout} s")
        time.sleep(every)


class DeployerProcess:
    """`mlledger deployer` as a real process (so it can be SIGKILLed)."""

    def __init__(self, tracking_uri: str, model: str, port: int, work_dir: Path, *args: str) -> None:
        self.log = work_dir / f"deployer-{time.monotonic_ns()}.log"
        work_dir.mkdir(parents=True, exist_ok=True)
        command = [sys.executable, "-m", "mlledger", "deployer", "--model", model, "--port", str(port),
                   "--work-dir", str(work_dir), *(args or ("--stage", "Production"))]
        with open(self.log, "wb") as out:
            self.process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT,
                                            env={**os.environ, "MLLEDGER_TRACKING_URI": tracking_uri})

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30.0) -> None:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def predict(url: str, client: httpx.Client | None = None) -> tuple[float, str]:
    """One request to /invocations: the prediction and the version header."""
    body = {"dataframe_split": {"columns": FEATURES, "data": [[1.0, 2.0]]}}
    answer = (client or httpx).post(url + "/invocations", json=body, timeout=30.0)  # type: ignore[attr-defined]
    answer.raise_for_status()
    return float(answer.json()["predictions"][0]), answer.headers.get("Mlledger-Model-Version", "")


def answers(url: str) -> float | None:
    """The prediction the stable port answers now, or None when it does not answer."""
    try:
        return predict(url)[0]
    except (httpx.HTTPError, KeyError, ValueError):
        return None


class TrafficClient(threading.Thread):
    """Sends requests to the stable port without pause, counting answers by prediction and failures."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url = url
        self.seen: Counter[float] = Counter()
        self.failures: list[str] = []
        #: (prediction, Mlledger-Model-Version header) pairs seen: which version gave which answer.
        self.pairs: set[tuple[float, str]] = set()
        self._stop_event = threading.Event()

    def run(self) -> None:
        with httpx.Client() as client:  # keep-alive connections, as a real client has
            while not self._stop_event.is_set():
                try:
                    value, version = predict(self.url, client)
                    self.seen[value] += 1
                    self.pairs.add((value, version))
                except Exception as exc:  # every failure counts
                    self.failures.append(f"{type(exc).__name__}: {exc}")

    def stop(self) -> None:
        self._stop_event.set()
        self.join(30)

    @property
    def total(self) -> int:
        return sum(self.seen.values()) + len(self.failures)


def deployment_events(registry_address: str, deployment: str) -> list[tuple[str, Any]]:
    """(type, payload) of every event of a deployment, in order."""
    from mlledger.events import ReceivedEvent

    with grpc.insecure_channel(registry_address) as channel:
        stub = subscriptions_pb2_grpc.EventServiceStub(channel)
        found = []
        for response in stub.Subscribe(spb.SubscribeRequest(entity=f"deployment/{deployment}", replay_only=True)):
            found += [(e.type, ReceivedEvent(e, "").payload) for e in response.events]
    return found


def scoring_processes(model: str) -> list[int]:
    """Pids of scoring servers serving `model` on this machine."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"mlledger.models.serving" in argv and model.encode() in argv:
            pids.append(int(entry.name))
    return pids

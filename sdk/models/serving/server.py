"""Running the scoring server: one process per worker, each answering REST and gRPC.

With one worker the server runs in the calling process. With several, the parent binds the HTTP
socket once and hands it to each spawned worker (the kernel spreads connections over them), and
each worker binds the gRPC port with SO_REUSEPORT. SIGTERM stops accepting, finishes the
requests in flight (up to `grace` seconds) and exits; the parent forwards it to the workers and
restarts a worker that dies unexpectedly.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import multiprocessing.connection
import os
import shutil
import signal
import socket
import tempfile
from collections.abc import Generator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import structlog
import uvicorn

_log = structlog.get_logger(component="serving")


@dataclass(frozen=True)
class ServeOptions:
    """What `mlledger models serve` is asked to do; `grpc_port=None` turns gRPC off."""

    model_uri: str
    host: str = "127.0.0.1"
    port: int = 5000
    grpc_port: int | None = 8081
    workers: int = 1
    timeout: float = 60.0
    grace: float = 30.0
    model_name: str | None = None
    model_version: str | None = None
    access_log: bool = True
    log_format: str = "auto"


def model_identity(model_uri: str) -> tuple[str, str]:
    """The (name, version) a V2 client addresses: from `models:/name/version`, else the folder name."""
    if model_uri.startswith("models:/"):
        rest = model_uri[len("models:/"):].strip("/")
        name, sep, alias = rest.partition("@")
        if sep:
            return name, alias
        name, _, version = rest.partition("/")
        return name, version or "latest"
    return Path(model_uri.rstrip("/")).name or "model", "1"


def serve(options: ServeOptions) -> None:
    """Serve the model until SIGTERM or SIGINT; returns when every request in flight is answered."""
    from mlledger.models import download_model
    from mlledger.services.core.logging import configure

    configure(options.log_format)
    name, version = model_identity(options.model_uri)
    options = replace(options, model_name=options.model_name or name, model_version=options.model_version or version)
    model_dir = download_model(options.model_uri)
    listener = _listen(options.host, options.port)
    if options.workers <= 1:
        _run_worker(options, model_dir, listener)
        return
    _supervise(options, model_dir, listener)


def _listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def _supervise(options: ServeOptions, model_dir: Path, listener: socket.socket) -> None:
    """Start the workers, forward SIGTERM/SIGINT to them, replace any that dies, wait for all."""
    metrics_dir = tempfile.mkdtemp(prefix="mlledger-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir  # inherited by the spawned workers
    context = multiprocessing.get_context("spawn")
    stopping = False

    ready: dict[int, Any] = {}

    def start() -> multiprocessing.process.BaseProcess:
        started = context.Event()
        process = context.Process(target=_run_worker, args=(options, model_dir, listener, started), daemon=False)
        process.start()
        ready[process.pid or 0] = started
        return process

    def stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True
        for process in workers:
            if process.pid and process.is_alive():
                os.kill(process.pid, signal.SIGTERM)

    exit_code = 0
    workers: list[multiprocessing.process.BaseProcess] = []
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    workers.extend(start() for _ in range(options.workers))
    try:
        while any(process.is_alive() for process in workers):
            multiprocessing.connection.wait([p.sentinel for p in workers], timeout=1.0)
            for index, process in enumerate(workers):
                if stopping or process.is_alive():
                    continue
                if not ready[process.pid or 0].is_set():
                    # It died before serving (say, the model does not load): stop rather than loop.
                    _log.error("worker_failed_to_start", pid=process.pid, exitcode=process.exitcode)
                    stop(signal.SIGTERM, None)
                    exit_code = 1
                    continue
                _log.warning("worker_died", pid=process.pid, exitcode=process.exitcode)
                workers[index] = start()
    finally:
        listener.close()
        shutil.rmtree(metrics_dir, ignore_errors=True)
    if exit_code:
        raise SystemExit(exit_code)


def _run_worker(options: ServeOptions, model_dir: Path, listener: socket.socket, ready: Any = None) -> None:
    """One worker process: load the model, serve both protocols, stop gracefully on a signal."""
    import uvloop

    from mlledger.services.core.logging import configure

    configure(options.log_format)
    uvloop.run(_serve_worker(options, model_dir, listener, ready))


async def _serve_worker(options: ServeOptions, model_dir: Path, listener: socket.socket, ready: Any) -> None:
    import grpc

    from mlledger import __version__
    from mlledger.models.serving.grpc_service import InferenceService, add_to_server
    from mlledger.models.serving.rest import create_app
    from mlledger.models.serving.scorer import Scorer
    from mlledger.pyfunc import load_model

    assert options.model_name and options.model_version
    scorer = Scorer(load_model(str(model_dir)), options.model_name, options.model_version, options.timeout)
    app = create_app(scorer, __version__, options.access_log)
    config = uvicorn.Config(app, http="httptools", lifespan="off", access_log=False, log_config=None,
                            timeout_graceful_shutdown=int(options.grace), timeout_keep_alive=30)
    http = _UvicornServer(config)
    grpc_server = None
    grpc_port = None
    if options.grpc_port is not None:
        grpc_server = grpc.aio.server(options=[
            ("grpc.so_reuseport", 1),
            ("grpc.max_receive_message_length", 256 * 1024 * 1024),
            ("grpc.max_send_message_length", 256 * 1024 * 1024),
        ])
        add_to_server(grpc_server, InferenceService(scorer, __version__, options.access_log))
        grpc_port = grpc_server.add_insecure_port(f"{_grpc_host(options.host)}:{options.grpc_port}")
        await grpc_server.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    http_task = asyncio.create_task(http.serve(sockets=[listener]))
    if ready is not None:
        ready.set()
    _log.info("serving", model=options.model_name, version=options.model_version, pid=os.getpid(),
              http=f"{options.host}:{listener.getsockname()[1]}", grpc=grpc_port)
    stopped = asyncio.create_task(stop.wait())
    await asyncio.wait([http_task, stopped], return_when=asyncio.FIRST_COMPLETED)
    _log.info("stopping", pid=os.getpid(), grace_s=options.grace)
    http.should_exit = True
    stopping = [http_task] + ([asyncio.ensure_future(grpc_server.stop(options.grace))] if grpc_server else [])
    await asyncio.gather(*stopping, return_exceptions=True)
    stopped.cancel()
    scorer.close()
    _log.info("stopped", pid=os.getpid())


def _grpc_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


class _UvicornServer(uvicorn.Server):
    """uvicorn's Server without its own signal handling: the worker decides when to stop."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield

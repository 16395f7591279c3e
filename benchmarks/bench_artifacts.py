"""Artifact benchmark: upload and download throughput through the SDK, and the service's memory.

    python benchmarks/bench_artifacts.py [--quick] [--size-mb 100] [--large-mb 1024]

For each backend (local disk, and S3 on a SeaweedFS `weed mini` server) starts a real stack
(mlledger.testing.running_stack) and prints:
  - SDK upload and download MB/s of one file (default 100 MB)
  - the same copy done directly: minio fput_object/fget_object for S3, a file copy for local disk
  - the artifacts service's peak RSS growth while a large file (default 1 GiB) is uploaded,
    generated on the fly by the client
"""

from __future__ import annotations

import argparse
import itertools
import os
import shutil
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import grpc

import mlledger
from mlledger.testing import S3Server, s3_server
from mlledger.testing import Infrastructure, TestStack, running_stack, start_infrastructure
from mlledger.v1 import artifacts_pb2, artifacts_pb2_grpc

MB, MiB = 1_000_000, 1 << 20


def timed(fn) -> float:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def sdk_throughput(stack: TestStack, source: Path, work: Path) -> tuple[float, float]:
    """(upload MB/s, download MB/s) of `source` through the SDK."""
    size = source.stat().st_size
    uri = f"mlledger-artifacts:/bench/{uuid.uuid4().hex}"
    with mlledger.Client(stack.tracking_uri) as client:
        client.list_artifacts_uri(uri)  # connect and discover the service before timing
        up = timed(lambda: client.upload_artifact_uri(uri, source, "data.bin"))
        down = timed(lambda: client.download_artifact_uri(uri, work / uuid.uuid4().hex, "data.bin"))
    return size / MB / up, size / MB / down


def minio_throughput(s3: S3Server, source: Path, work: Path) -> tuple[float, float]:
    """(upload MB/s, download MB/s) of `source` with the minio client directly."""
    client, name, size = s3.client(), f"direct/{uuid.uuid4().hex}", source.stat().st_size
    up = timed(lambda: client.fput_object(s3.bucket, name, str(source)))  # type: ignore[attr-defined]
    down = timed(lambda: client.fget_object(s3.bucket, name, str(work / uuid.uuid4().hex)))  # type: ignore[attr-defined]
    return size / MB / up, size / MB / down


def copy_throughput(source: Path, work: Path) -> tuple[float, float]:
    """(MB/s, MB/s) of a plain file copy with fsync, the local-disk reference."""
    def copy() -> None:
        target = work / uuid.uuid4().hex
        shutil.copyfile(source, target)
        with open(target, "rb+") as handle:
            os.fsync(handle.fileno())

    rate = source.stat().st_size / MB / timed(copy)
    return rate, rate


def _status_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _chunks(total: int) -> Iterator[bytes]:
    block = os.urandom(MiB)
    for index in range(total // MiB):
        yield index.to_bytes(8, "big") + block[8:]


def peak_rss_growth(stack: TestStack, total: int) -> tuple[float, float, float]:
    """(baseline MiB, peak growth MiB, upload MB/s) of the artifacts service while `total` bytes are uploaded."""
    pid = stack.stack.processes["artifacts"].pid
    with grpc.insecure_channel(stack.endpoints["artifacts"]) as channel:
        service = artifacts_pb2_grpc.ArtifactServiceStub(channel)
        uri = f"mlledger-artifacts:/bench/{uuid.uuid4().hex}"
        service.ListArtifacts(artifacts_pb2.ListArtifactsRequest(artifact_uri=uri), timeout=30)
        baseline = _status_kib(pid, "VmRSS")
        header = artifacts_pb2.UploadArtifactRequest(
            header=artifacts_pb2.UploadHeader(artifact_uri=uri, path="large.bin"))
        messages = itertools.chain([header], (artifacts_pb2.UploadArtifactRequest(chunk=c) for c in _chunks(total)))
        seconds = timed(lambda: service.UploadArtifact(messages, timeout=1800))
    return baseline / 1024, (_status_kib(pid, "VmHWM") - baseline) / 1024, total / MB / seconds


def make_source(path: Path, size: int) -> Path:
    with open(path, "wb") as handle:
        for chunk in _chunks(size):
            handle.write(chunk)
    return path


def run_backend(name: str, infra: Infrastructure, args: argparse.Namespace, source: Path, work: Path,
                s3: S3Server | None) -> None:
    config: dict[str, object] = {"extra_env": s3.stack_env(f"bench-{uuid.uuid4().hex[:6]}")} if s3 else {}
    with running_stack(infra, ("tracking", "artifacts"), **config) as stack:  # type: ignore[arg-type]
        sdk_up, sdk_down = sdk_throughput(stack, source, work)
        ref_up, ref_down = minio_throughput(s3, source, work) if s3 else copy_throughput(source, work)
        reference = "minio fput/fget" if s3 else "file copy"
        print(f"[{name}] SDK upload   {sdk_up:8.1f} MB/s   ({reference}: {ref_up:8.1f} MB/s, "
              f"ratio {ref_up / sdk_up:4.2f}x)")
        print(f"[{name}] SDK download {sdk_down:8.1f} MB/s   ({reference}: {ref_down:8.1f} MB/s, "
              f"ratio {ref_down / sdk_down:4.2f}x)")
        baseline, growth, rate = peak_rss_growth(stack, args.large_mb * MiB)
        print(f"[{name}] {args.large_mb} MiB upload at {rate:.1f} MB/s: service RSS baseline {baseline:.0f} MiB, "
              f"peak growth {growth:.0f} MiB")
    for item in work.iterdir():
        item.unlink() if item.is_file() else shutil.rmtree(item, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="20 MB transfers and a 128 MiB large upload")
    parser.add_argument("--size-mb", type=int, default=100)
    parser.add_argument("--large-mb", type=int, default=1024)
    args = parser.parse_args()
    if args.quick:
        args.size_mb, args.large_mb = 20, 128
    work = Path(tempfile.mkdtemp(prefix="mlledger-bench-artifacts-"))
    infra = start_infrastructure()
    try:
        source = make_source(work.parent / f"{work.name}-source.bin", args.size_mb * MB // MiB * MiB)
        print(f"file: {source.stat().st_size / MB:.0f} MB; large upload: {args.large_mb} MiB")
        run_backend("local", infra, args, source, work, None)
        with s3_server() as s3:
            run_backend("s3", infra, args, source, work, s3)
    finally:
        infra.stop()
        shutil.rmtree(infra.data_dir, ignore_errors=True)
        shutil.rmtree(work, ignore_errors=True)
        Path(work.parent / f"{work.name}-source.bin").unlink(missing_ok=True)


if __name__ == "__main__":
    main()

"""A 1 GiB file streams through the artifact service with its memory flat."""

from __future__ import annotations

import hashlib
import itertools
import os
from pathlib import Path

import grpc

from mlledger.testing import running_stack
from mlledger.v1 import artifacts_pb2, artifacts_pb2_grpc

GiB, MiB = 1 << 30, 1 << 20


def _status_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise AssertionError(f"{field} missing")


def _generated(total: int, digest: hashlib._Hash):  # type: ignore[name-defined,no-untyped-def]
    """Chunks of pseudo-random data made on the fly (never a whole file in memory or on disk)."""
    block = os.urandom(MiB)
    for index in range(total // MiB):
        chunk = index.to_bytes(8, "big") + block[8:]
        digest.update(chunk)
        yield chunk


def test_one_gib_upload_and_download_keep_memory_flat(mlledger_infrastructure):
    """Uploading and downloading 1 GiB raises the service's peak RSS by far less than the file's size."""
    with running_stack(mlledger_infrastructure, ("artifacts",)) as stack:
        pid = stack.stack.processes["artifacts"].pid
        channel = grpc.insecure_channel(stack.endpoints["artifacts"],
                                        options=[("grpc.max_receive_message_length", 64 * MiB)])
        service = artifacts_pb2_grpc.ArtifactServiceStub(channel)
        uri = "mlledger-artifacts:/large/1"
        ping = artifacts_pb2.ListArtifactsRequest(artifact_uri=uri)
        service.ListArtifacts(ping, timeout=30)  # warm up: pools, imports, first allocations
        baseline = _status_kib(pid, "VmRSS")
        sent = hashlib.sha256()
        header = artifacts_pb2.UploadHeader(artifact_uri=uri, path="big.bin")
        messages = itertools.chain([artifacts_pb2.UploadArtifactRequest(header=header)],
                                   (artifacts_pb2.UploadArtifactRequest(chunk=c) for c in _generated(GiB, sent)))
        reply = service.UploadArtifact(messages, timeout=600)
        assert (reply.file.size, reply.file.sha256) == (GiB, sent.hexdigest())
        received, size = hashlib.sha256(), 0
        for message in service.DownloadArtifact(artifacts_pb2.DownloadArtifactRequest(artifact_uri=uri, path="big.bin"),
                                                timeout=600):
            received.update(message.chunk)
            size += len(message.chunk)
        assert (size, received.hexdigest()) == (GiB, sent.hexdigest())
        growth_mib = (_status_kib(pid, "VmHWM") - baseline) / 1024
        print(f"artifacts service: baseline {baseline / 1024:.0f} MiB, peak growth {growth_mib:.0f} MiB")
        assert growth_mib < 200, f"the service's peak RSS grew by {growth_mib:.0f} MiB for a 1 GiB file"
        channel.close()


_SDK_ROUND_TRIP = """
import hashlib, sys
from pathlib import Path
import mlledger

def kib(field):
    return next(int(line.split()[1]) for line in Path("/proc/self/status").read_text().splitlines()
                if line.startswith(field + ":"))

tracking_uri, source, target = sys.argv[1:4]
with mlledger.Client(tracking_uri) as client:
    uri = "mlledger-artifacts:/large/sdk"
    client.upload_artifact_bytes(uri, "warm-up.bin", b"x" * (3 << 20))  # imports, channels, first buffers
    client.download_artifact_uri(uri, target, "warm-up.bin")
    baseline = kib("VmRSS")
    info = client.upload_artifact_uri(uri, source, "big.bin")
    local = client.download_artifact_uri(uri, target, "big.bin")
    print(info.file_size, info.sha256, Path(local).stat().st_size, (kib("VmHWM") - baseline) // 1024)
"""


def test_the_sdk_uploads_and_downloads_a_large_file_in_flat_memory(local_stack, tmp_path):
    """The SDK's own peak RSS grows by far less than a 512 MiB file it uploads and downloads."""
    import subprocess
    import sys

    source, size, written = tmp_path / "big.bin", 512 * MiB, hashlib.sha256()
    with open(source, "wb") as handle:  # pseudo-random content, written in chunks
        for chunk in _generated(size, written):
            handle.write(chunk)
    done = subprocess.run([sys.executable, "-c", _SDK_ROUND_TRIP, local_stack.stack.tracking_uri, str(source),
                           str(tmp_path / "out")], capture_output=True, text=True, timeout=600, check=True)
    uploaded, digest, downloaded, growth_mib = done.stdout.split()
    assert int(uploaded) == int(downloaded) == size
    assert digest == written.hexdigest()
    print(f"SDK: peak RSS growth {growth_mib} MiB")
    assert int(growth_mib) < 64, f"the SDK's peak RSS grew by {growth_mib} MiB for a 512 MiB file"

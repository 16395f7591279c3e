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

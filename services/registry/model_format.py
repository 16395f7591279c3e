"""What a version's `MLmodel` says, read from its snapshot through the artifact service, so the
version's READY event tells a deployer which flavors and signature it has.

The registry reads the file as plain YAML (it shares no code with the SDK); files that are not a
model directory simply have no format.
"""

from __future__ import annotations

import json
from typing import Any

import grpc
import yaml

from mlledger.services.core.server import ServiceRuntime
from mlledger.v1 import artifacts_pb2, artifacts_pb2_grpc, registry_pb2 as pb

MLMODEL_FILE = "MLmodel"
#: An MLmodel larger than this is not read (real ones are a few KB; signatures of wide tables, tens).
MAX_MLMODEL_BYTES = 512 * 1024
CALL_TIMEOUT = 30.0


async def read(runtime: ServiceRuntime, artifact_uri: str) -> pb.ModelFormat | None:
    """The format of the model at `artifact_uri`, or None when there is no readable MLmodel."""
    stub = artifacts_pb2_grpc.ArtifactServiceStub(runtime.channel("artifacts"))
    request = artifacts_pb2.DownloadArtifactRequest(artifact_uri=artifact_uri, path=MLMODEL_FILE,
                                                    length=MAX_MLMODEL_BYTES + 1)
    data = bytearray()
    try:
        async for reply in stub.DownloadArtifact(request, timeout=CALL_TIMEOUT):
            data += reply.chunk
    except grpc.RpcError:
        return None  # no MLmodel (or unreadable): registered files need not be a model
    if len(data) > MAX_MLMODEL_BYTES:
        return None
    return parse(bytes(data))


def _json(value: Any) -> str:
    """A signature part as MLflow stores it: already a JSON string, or a list written inline."""
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value)


def parse(text: bytes) -> pb.ModelFormat | None:
    """The format an MLmodel file's content describes, or None when it is not one."""
    try:
        content = yaml.safe_load(text)
    except yaml.YAMLError:
        return None
    if not isinstance(content, dict) or not isinstance(content.get("flavors"), dict):
        return None
    flavors = content["flavors"]
    pyfunc: dict[str, Any] = flavors["python_function"] if isinstance(flavors.get("python_function"), dict) else {}
    signature: dict[str, Any] = content["signature"] if isinstance(content.get("signature"), dict) else {}
    size = content.get("model_size_bytes")
    return pb.ModelFormat(
        flavors=sorted(str(name) for name in flavors), loader_module=str(pyfunc.get("loader_module") or ""),
        python_version=str(pyfunc.get("python_version") or ""),
        signature_inputs=_json(signature.get("inputs")), signature_outputs=_json(signature.get("outputs")),
        signature_params=_json(signature.get("params")), model_uuid=str(content.get("model_uuid") or ""),
        mlledger_version=str(content.get("mlledger_version") or ""),
        mlflow_version=str(content.get("mlflow_version") or ""),
        model_size_bytes=size if isinstance(size, int) and not isinstance(size, bool) else 0)

"""What a version's `MLmodel` says, so the version's READY event tells a deployer which flavors and
signature it has. The file comes back with the snapshot (SnapshotArtifactsRequest.content_path).

The registry reads the file as plain YAML (it shares no code with the SDK); files that are not a
model directory simply have no format.
"""

from __future__ import annotations

import json
from typing import Any

import yaml

from mlledger.v1 import artifacts_pb2, registry_pb2 as pb

MLMODEL_FILE = "MLmodel"
#: An MLmodel larger than this is not read (real ones are a few KB; signatures of wide tables, tens).
MAX_MLMODEL_BYTES = 512 * 1024
#: libyaml's loader where the yaml package was built with it (several times faster), else Python's.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def of_snapshot(snapshot: artifacts_pb2.SnapshotArtifactsResponse) -> pb.ModelFormat | None:
    """The format of the snapshot's MLmodel file (asked for with content_path), or None without one."""
    return parse(snapshot.content) if snapshot.HasField("content") else None


def _json(value: Any) -> str:
    """A signature part as MLflow stores it: already a JSON string, or a list written inline."""
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value)


def parse(text: bytes) -> pb.ModelFormat | None:
    """The format an MLmodel file's content describes, or None when it is not one."""
    try:
        content = yaml.load(text, Loader=_LOADER)  # a safe loader (no arbitrary objects)
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

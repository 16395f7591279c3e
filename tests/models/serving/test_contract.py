"""The Open Inference Protocol contract: generated code is fresh and the wire names are the standard's."""

from __future__ import annotations

import filecmp
import importlib.util
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
PROTO = ROOT / "protos" / "mlledger" / "inference" / "v2" / "grpc_predict_v2.proto"


def test_generated_inference_code_is_fresh(tmp_path: Path) -> None:
    """Regenerating from protos/ reproduces generated/mlledger/inference byte for byte."""
    spec = importlib.util.spec_from_file_location("gen_protos", ROOT / "scripts" / "gen_protos.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.generate(tmp_path)
    for folder in ("mlledger/inference", "mlledger/inference/v2"):
        fresh, committed = tmp_path / folder, ROOT / "generated" / folder
        names = sorted(p.name for p in fresh.iterdir() if p.is_file())
        assert names == sorted(p.name for p in committed.iterdir() if p.is_file() and p.suffix != ".pyc")
        _, mismatch, errors = filecmp.cmpfiles(fresh, committed, names, shallow=False)
        assert mismatch == [] and errors == [], f"stale generated code in {folder}: {mismatch + errors}"


def test_wire_names_and_numbers_match_the_specification() -> None:
    """Package, service, methods and the field numbers that clients rely on are the specification's."""
    text = PROTO.read_text()
    assert re.search(r"^package inference;$", text, re.M)
    assert "service GRPCInferenceService {" in text
    methods = re.findall(r"rpc (\w+)\((\w+)\) returns \((\w+)\)", text)
    assert [m[0] for m in methods] == ["ServerLive", "ServerReady", "ModelReady", "ServerMetadata",
                                       "ModelMetadata", "ModelInfer"]
    assert all(request == f"{name}Request" and response == f"{name}Response" for name, request, response in methods)
    for field in ("string model_name = 1;", "repeated InferInputTensor inputs = 5;",
                  "repeated bytes raw_input_contents = 7;", "repeated bytes raw_output_contents = 6;",
                  "InferTensorContents contents = 5;", "repeated double fp64_contents = 7;",
                  "repeated bytes bytes_contents = 8;", "uint64 uint64_param = 5;"):
        assert field in text, field

"""The registry records what a version's MLmodel says on its READY event and on the version itself,
so a deployer can decide from the event alone whether it can serve the version."""

from __future__ import annotations

import json
import uuid

import mlledger
import mlledger.sklearn
from mlledger.services.registry import model_format


def test_ready_event_carries_flavors_and_signature(fluent, sk_model, iris_frame):
    """Logging with registered_model_name yields a model_version.ready event naming flavors, loader and signature."""
    frame, _ = iris_frame
    name = f"evented-{uuid.uuid4().hex[:8]}"
    with mlledger.start_run():
        info = mlledger.sklearn.log_model(sk_model, name="model", input_example=frame.head(2),
                                          registered_model_name=name)
    ready = [e for e in fluent.get_model_history(name, 1) if e.type == "model_version.ready"]
    assert len(ready) == 1
    found = ready[0].payload.model_format
    assert list(found.flavors) == ["python_function", "sklearn"] and found.loader_module == "mlflow.sklearn"
    assert [c["name"] for c in json.loads(found.signature_inputs)] == list(frame.columns)
    assert json.loads(found.signature_params)[0]["name"] == "predict_method"
    assert found.model_uuid == info.model_uuid and found.mlledger_version == mlledger.__version__
    version = fluent.get_model_version(name, 1)
    assert version.model_format["flavors"] == ["python_function", "sklearn"]
    assert version.model_format["signature_inputs"] == found.signature_inputs


def test_files_that_are_not_a_model_have_no_format(fluent):
    """A version registered from plain files is READY with no model format."""
    name = f"plain-{uuid.uuid4().hex[:8]}"
    with mlledger.start_run() as run:
        mlledger.log_text("weights", "blob/weights.txt")
    version = mlledger.register_model(f"runs:/{run.info.run_id}/blob", name)
    assert version.status == "READY" and version.model_format is None
    ready = [e for e in fluent.get_model_history(name, 1) if e.type == "model_version.ready"]
    assert not ready[0].payload.HasField("model_format")


def test_mlmodel_parsing_tolerates_mlflow_variants():
    """MLflow's MLmodel (signature as JSON strings, mlflow_version, no mlledger_version) parses; junk does not."""
    text = (b"flavors:\n  python_function: {loader_module: mlflow.pyfunc.model, python_version: 3.11.7}\n"
            b"mlflow_version: 3.17.2\nmodel_uuid: abc\nsignature:\n  inputs: '[{\"type\": \"long\"}]'\n"
            b"  outputs: null\n  params: null\n")
    parsed = model_format.parse(text)
    assert parsed is not None and parsed.loader_module == "mlflow.pyfunc.model"
    assert parsed.signature_inputs == '[{"type": "long"}]' and parsed.signature_outputs == ""
    assert parsed.mlflow_version == "3.17.2" and parsed.mlledger_version == ""
    assert model_format.parse(b"just: text") is None and model_format.parse(b"{[") is None

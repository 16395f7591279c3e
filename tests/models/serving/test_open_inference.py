"""The Open Inference Protocol (V2) over REST and gRPC, proven with the official tritonclient."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from .conftest import FEATURES
from .helpers import Server

CLIENT = Path(__file__).with_name("triton_client.py")


def run_triton(protocol: str, url: str, rows, binary: bool = True) -> dict:  # type: ignore[no-untyped-def]
    """Run the tritonclient script in its own process and return what it printed."""
    payload = json.dumps({"rows": {name: rows[name].tolist() for name in FEATURES}})
    done = subprocess.run([sys.executable, str(CLIENT), protocol, url, "classifier", "binary" if binary else "json"],
                          input=payload, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def check(seen: dict, classifier, rows) -> None:  # type: ignore[no-untyped-def]
    assert seen["live"] and seen["ready"] and seen["model_ready"]
    assert seen["metadata"]["name"] == "classifier" and seen["metadata"]["versions"] == ["3"]
    assert seen["metadata"]["platform"] == "mlledger_sklearn"
    assert [(t["name"], t["datatype"]) for t in seen["metadata"]["inputs"]] == [(name, "FP64") for name in FEATURES]
    assert seen["server"]["name"] == "mlledger"
    assert seen["predictions"] == classifier.predict(rows).tolist()
    assert seen["id"] == "req-1"
    np.testing.assert_allclose(seen["proba"], classifier.predict_proba(rows), rtol=1e-9)
    assert "no-such-model" in seen["unknown_model"]


@pytest.mark.parametrize("binary", [True, False], ids=["binary-tensors", "json-tensors"])
def test_tritonclient_http(classifier_server: Server, classifier, training_frame, binary: bool) -> None:  # type: ignore[no-untyped-def]
    """tritonclient.http: health, metadata from the signature, and inference with binary or JSON tensors."""
    rows = training_frame[0].head(7)
    check(run_triton("http", f"127.0.0.1:{classifier_server.port}", rows, binary), classifier, rows)


def test_tritonclient_grpc(classifier_server: Server, classifier, training_frame) -> None:  # type: ignore[no-untyped-def]
    """tritonclient.grpc: the same calls over inference.GRPCInferenceService."""
    rows = training_frame[0].head(7)
    check(run_triton("grpc", f"127.0.0.1:{classifier_server.grpc_port}", rows), classifier, rows)


def test_v2_rest_json(classifier_server: Server, classifier, training_frame) -> None:  # type: ignore[no-untyped-def]
    """A plain JSON V2 request: one 2-D tensor is read as the whole table; outputs come back as JSON."""
    rows = training_frame[0].head(3)
    request = {"inputs": [{"name": "table", "datatype": "FP64", "shape": [3, 4], "data": rows.to_numpy().tolist()}]}
    status, _, body = classifier_server.request("POST", "/v2/models/classifier/versions/3/infer", json.dumps(request),
                                                "application/json")
    answer = json.loads(body)
    assert status == 200, answer
    assert answer["outputs"][0]["data"] == classifier.predict(rows).tolist()
    assert (answer["model_name"], answer["model_version"]) == ("classifier", "3")


@pytest.mark.parametrize(("path", "request_body", "status", "fragment"), [
    ("/v2/models/other/infer", {"inputs": []}, 404, "model 'other' is not served here"),
    ("/v2/models/classifier/versions/9/infer", {"inputs": []}, 404, "version '9'"),
    ("/v2/models/classifier/infer", {"inputs": []}, 400, "no inputs"),
    ("/v2/models/classifier/infer", {"rows": []}, 400, "list of 'inputs'"),
    ("/v2/models/classifier/infer",
     {"inputs": [{"name": "a", "datatype": "FP128", "shape": [1], "data": [1]}]}, 400, "input 'a': unknown datatype"),
    ("/v2/models/classifier/infer",
     {"inputs": [{"name": "a", "datatype": "FP64", "shape": [2], "data": [1]}]}, 400, "input 'a': shape [2]"),
    ("/v2/models/classifier/infer",
     {"inputs": [{"name": "a", "datatype": "FP64", "shape": [1], "data": [1.0]}]}, 400, "'b'"),
])
def test_v2_rest_errors(classifier_server: Server, path: str, request_body: dict, status: int, fragment: str) -> None:
    """V2 errors carry the protocol's {"error": ...} body with a precise message."""
    answered, _, body = classifier_server.request("POST", path, json.dumps(request_body), "application/json")
    error = json.loads(body)
    assert answered == status and fragment in error["error"], error


def test_v2_health_routes(classifier_server: Server) -> None:
    """The V2 health and readiness routes answer 200; an unknown model's readiness is 404."""
    for path in ("/v2/health/live", "/v2/health/ready", "/v2/models/classifier/ready",
                 "/v2/models/classifier/versions/3/ready", "/v2"):
        assert classifier_server.request("GET", path)[0] == 200, path
    assert classifier_server.request("GET", "/v2/models/other/ready")[0] == 404


def test_tensor_signature_model(tmp_path: Path) -> None:
    """A model with a tensor signature: V2 metadata carries its shape; V2 and MLflow inputs both score."""
    from sklearn.linear_model import LinearRegression

    import mlledger.sklearn

    from .helpers import scoring_server

    features = np.random.default_rng(3).random((40, 3))
    model = LinearRegression().fit(features, features @ np.array([1.0, 2.0, 3.0]))
    mlledger.sklearn.save_model(model, tmp_path / "tensors", input_example=features[:2])
    with scoring_server(tmp_path / "tensors", tmp_path / "log") as server:
        metadata = json.loads(server.request("GET", "/v2/models/tensors")[2])
        assert metadata["inputs"] == [{"name": "input-0", "datatype": "FP64", "shape": [-1, 3]}]
        request = {"inputs": [{"name": "input-0", "datatype": "FP64", "shape": [2, 3], "data": [1, 0, 0, 0, 0, 1]}]}
        status, _, body = server.request("POST", "/v2/models/tensors/infer", json.dumps(request), "application/json")
        assert status == 200
        np.testing.assert_allclose(json.loads(body)["outputs"][0]["data"], model.predict([[1, 0, 0], [0, 0, 1]]))
        status, answer = server.invoke({"instances": [[1, 0, 0], [0, 0, 1]]})
        assert status == 200
        np.testing.assert_allclose(answer["predictions"], model.predict([[1, 0, 0], [0, 0, 1]]))

"""Errors reach MLflow clients as MLflow sends them: error_code, message and HTTP status."""

from __future__ import annotations

import pytest
import requests

from tests.gateway.conftest import unique


def test_not_found(client) -> None:  # type: ignore[no-untyped-def]
    from mlflow.exceptions import MlflowException

    with pytest.raises(MlflowException) as caught:
        client.get_run("0" * 32)
    assert caught.value.error_code == "RESOURCE_DOES_NOT_EXIST" and caught.value.get_http_status_code() == 404
    with pytest.raises(MlflowException) as caught:
        client.get_registered_model(unique("nope"))
    assert caught.value.error_code == "RESOURCE_DOES_NOT_EXIST"
    with pytest.raises(MlflowException) as caught:
        client.get_model_version_by_alias(unique("nope"), "champion")
    assert caught.value.error_code == "RESOURCE_DOES_NOT_EXIST"


def test_already_exists(client) -> None:  # type: ignore[no-untyped-def]
    from mlflow.exceptions import MlflowException

    name = unique("dup")
    client.create_experiment(name)
    with pytest.raises(MlflowException) as caught:
        client.create_experiment(name)
    assert caught.value.error_code == "RESOURCE_ALREADY_EXISTS"
    client.create_registered_model(name)
    with pytest.raises(MlflowException) as caught:
        client.create_registered_model(name)
    assert caught.value.error_code == "RESOURCE_ALREADY_EXISTS"


def test_invalid_parameter(client, gateway_stack) -> None:  # type: ignore[no-untyped-def]
    from mlflow.exceptions import MlflowException

    run_id = client.create_run(client.create_experiment(unique("invalid"))).info.run_id
    client.log_param(run_id, "lr", "0.1")
    with pytest.raises(MlflowException) as caught:
        client.log_param(run_id, "lr", "0.2")  # params are immutable
    assert caught.value.error_code == "INVALID_PARAMETER_VALUE"
    with pytest.raises(MlflowException) as caught:
        client.search_runs([client.get_run(run_id).info.experiment_id], "metrics.acc >>> 1")
    assert caught.value.error_code == "INVALID_PARAMETER_VALUE"
    base = f"{gateway_stack.gateway_uri}/api/2.0/mlflow"
    answer = requests.post(f"{base}/runs/update", json={"run_id": run_id, "status": "DONE"})
    assert (answer.status_code, answer.json()["error_code"]) == (400, "INVALID_PARAMETER_VALUE")
    too_many = [{"key": "m", "value": 1.0, "timestamp": 1, "step": i} for i in range(1001)]
    answer = requests.post(f"{base}/runs/log-batch", json={"run_id": run_id, "metrics": too_many})
    assert answer.status_code == 400
    assert answer.json() == {
        "error_code": "INVALID_PARAMETER_VALUE",
        "message": "A batch logging request can contain at most 1000 metrics. Got 1001 metrics. Please split up "
                   "metrics across multiple requests and try again."}
    params = [{"key": f"p{i}", "value": "v"} for i in range(101)]
    answer = requests.post(f"{base}/runs/log-batch", json={"run_id": run_id, "params": params})
    assert answer.status_code == 400 and "at most 100 params" in answer.json()["message"]
    assert client.get_run(run_id).data.params == {"lr": "0.1"}  # nothing of a refused batch was stored
    answer = requests.post(f"{base}/runs/log-metric", json={"run_id": run_id, "key": "m", "value": 1})
    assert (answer.status_code, answer.json()["error_code"]) == (400, "INVALID_PARAMETER_VALUE")
    assert "'timestamp'" in answer.json()["message"]
    answer = requests.post(f"{base}/runs/create", data=b"{not json")
    assert (answer.status_code, answer.json()["error_code"]) == (400, "INVALID_PARAMETER_VALUE")


def test_writes_to_a_deleted_run_are_refused(client) -> None:  # type: ignore[no-untyped-def]
    from mlflow.exceptions import MlflowException

    run_id = client.create_run(client.create_experiment(unique("deleted"))).info.run_id
    client.delete_run(run_id)
    with pytest.raises(MlflowException) as caught:
        client.log_metric(run_id, "m", 1.0)
    assert caught.value.error_code == "INVALID_PARAMETER_VALUE"


def test_unknown_endpoint_and_multipart(gateway_stack) -> None:  # type: ignore[no-untyped-def]
    from mlflow.exceptions import _UnsupportedMultipartUploadException

    answer = requests.get(f"{gateway_stack.gateway_uri}/api/2.0/mlflow/no-such-thing")
    assert (answer.status_code, answer.json()["error_code"]) == (404, "ENDPOINT_NOT_FOUND")
    answer = requests.post(f"{gateway_stack.gateway_uri}/api/2.0/mlflow-artifacts/mpu/create/experiments/0/x/f.bin",
                           json={"path": "f.bin", "num_parts": 2})
    assert answer.status_code == 501
    assert answer.json() == {"error_code": "NOT_IMPLEMENTED", "message": _UnsupportedMultipartUploadException.MESSAGE}


def test_multipart_client_falls_back_to_one_upload(mlflow, client, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("MLFLOW_ENABLE_PROXY_MULTIPART_UPLOAD", "true")
    monkeypatch.setenv("MLFLOW_MULTIPART_UPLOAD_MINIMUM_FILE_SIZE", "1")
    path = tmp_path / "small.bin"
    path.write_bytes(b"x" * 1000)
    run_id = client.create_run(client.create_experiment(unique("mpu"))).info.run_id
    client.log_artifact(run_id, str(path))
    assert [f.path for f in client.list_artifacts(run_id)] == ["small.bin"]

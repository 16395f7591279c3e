"""The gateway with authentication on: 401 without credentials, MLflow's client with a token."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable

import httpx
import pytest

import mlledger
from mlledger.testing import TestStack


def test_a_request_without_credentials_gets_401_with_a_challenge(auth_stack: TestStack) -> None:
    """Every API and UI path answers 401 with WWW-Authenticate when no credential is sent."""
    for path in ("/api/2.0/mlflow/experiments/search?max_results=1", "/", "/ajax-api/2.0/mlflow/runs/search"):
        response = httpx.get(auth_stack.gateway_uri + path, timeout=30)
        assert response.status_code == 401, path
        assert "Basic" in response.headers["www-authenticate"] and "Bearer" in response.headers["www-authenticate"]
        assert response.json()["error_code"] == "UNAUTHENTICATED"
    assert httpx.get(auth_stack.gateway_uri + "/health", timeout=30).status_code == 200


def test_a_bad_token_gets_401_from_the_services(auth_stack: TestStack) -> None:
    """A credential the services refuse is 401 with the challenge too (the gateway itself keeps no tokens)."""
    response = httpx.get(auth_stack.gateway_uri + "/api/2.0/mlflow/experiments/search?max_results=1",
                         headers={"Authorization": "Bearer mlt_" + "y" * 43}, timeout=30)
    assert response.status_code == 401
    assert "Basic" in response.headers["www-authenticate"]


def test_basic_credentials_with_the_token_as_password(auth_stack: TestStack, admin: mlledger.Client) -> None:
    """MLflow's username/password form works with any user name and the token as password."""
    secret = admin.create_token("basic", principal="basic-user").secret
    encoded = base64.b64encode(f"whoever:{secret}".encode()).decode()
    response = httpx.post(auth_stack.gateway_uri + "/api/2.0/mlflow/experiments/create",
                          json={"name": f"basic-{uuid.uuid4().hex[:6]}"},
                          headers={"Authorization": f"Basic {encoded}"}, timeout=30)
    assert response.status_code == 200, response.text
    experiment_id = response.json()["experiment_id"]
    assert ("basic-user", "MANAGE") in {(p.principal, p.role) for p in admin.list_permissions("experiment",
                                                                                              experiment_id)}


def test_the_mlflow_client_works_with_a_token(auth_stack: TestStack, admin: mlledger.Client, events_of,
                                              monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """`mlflow` with MLFLOW_TRACKING_TOKEN logs a run; the events name the token's principal."""
    import mlflow

    principal = f"mlflow-user-{uuid.uuid4().hex[:6]}"
    monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", admin.create_token("mlflow", principal=principal).secret)
    monkeypatch.chdir(tmp_path)
    mlflow.set_tracking_uri(auth_stack.gateway_uri)
    experiment_id = mlflow.create_experiment(f"mlflow-{principal}")
    (tmp_path / "notes.txt").write_text("hello")
    with mlflow.start_run(experiment_id=experiment_id) as run:
        mlflow.log_param("alpha", "0.5")
        mlflow.log_metric("loss", 0.25)
        mlflow.log_artifact(str(tmp_path / "notes.txt"))
    assert mlflow.get_run(run.info.run_id).data.params == {"alpha": "0.5"}
    assert [f.path for f in mlflow.MlflowClient().list_artifacts(run.info.run_id)] == ["notes.txt"]
    actors = {actor for _, stream, actor in events_of("tracking") if stream == f"run/{run.info.run_id}"}
    assert actors == {principal}
    registry = mlflow.MlflowClient()
    registry.create_registered_model(f"m-{principal}")
    assert "MANAGE" in {p.role for p in admin.list_permissions("model", f"m-{principal}", principal)}


def test_the_mlflow_client_without_a_token_is_refused(auth_stack: TestStack, monkeypatch: pytest.MonkeyPatch) -> None:
    """`mlflow` without credentials gets MLflow's own error for 401."""
    import mlflow
    from mlflow.exceptions import MlflowException

    monkeypatch.delenv("MLFLOW_TRACKING_TOKEN", raising=False)
    mlflow.set_tracking_uri(auth_stack.gateway_uri)
    with pytest.raises(MlflowException, match="401|UNAUTHENTICATED|authentication"):
        mlflow.search_experiments()


def test_a_reader_is_refused_through_the_gateway(auth_stack: TestStack, admin: mlledger.Client,
                                                 user: Callable[[str], mlledger.Client]) -> None:
    """A READ principal's write through the gateway is 403 PERMISSION_DENIED naming the role needed."""
    experiment_id = admin.create_experiment(f"gw-{uuid.uuid4().hex[:6]}")
    run_id = admin.create_run(experiment_id).info.run_id
    reader = user("reader")
    response = httpx.post(auth_stack.gateway_uri + "/api/2.0/mlflow/runs/log-parameter",
                          json={"run_id": run_id, "key": "k", "value": "v"},
                          headers={"Authorization": f"Bearer {reader._transport.token}"}, timeout=30)
    assert response.status_code == 403
    assert response.json()["error_code"] == "PERMISSION_DENIED"
    assert f"EDIT on experiment {experiment_id!r}" in response.json()["message"]

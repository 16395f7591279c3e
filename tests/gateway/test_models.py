"""Models through MLflow's client: log_model (MLflow 3 logged models), registry, stages, aliases, loading."""

from __future__ import annotations

import numpy as np
import pytest
import requests

import mlledger
from tests.gateway.conftest import unique


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(7)
    features = rng.random((40, 3))
    return features, (features[:, 0] > 0.5).astype(int)


def _train(data, c: float):  # type: ignore[no-untyped-def]
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=c).fit(*data)


def test_log_register_transition_alias_and_load(mlflow, client, gateway_stack, data) -> None:  # type: ignore[no-untyped-def]
    import mlflow.sklearn  # the flavor module

    name = unique("model")
    mlflow.set_experiment(unique("models"))
    infos = []
    for c in (1.0, 0.1):
        with mlflow.start_run() as run:
            mlflow.log_param("C", c)
            infos.append(mlflow.sklearn.log_model(_train(data, c), name="model", registered_model_name=name,
                                                  input_example=data[0][:2]))
    assert [str(info.registered_model_version) for info in infos] == ["1", "2"]
    versions = client.search_model_versions(f"name = '{name}'", order_by=["version_number ASC"])
    assert [(v.version, v.status, v.current_stage) for v in versions] == [("1", "READY", "None"), ("2", "READY", "None")]
    assert versions[1].run_id == run.info.run_id

    # The logged model record the MLflow 3 client created.
    logged = client.get_logged_model(infos[1].model_id)
    assert (logged.name, logged.source_run_id, logged.status) == ("model", run.info.run_id, "READY")
    found = client.search_logged_models(experiment_ids=[logged.experiment_id], filter_string="name = 'model'")
    assert {m.model_id for m in found} == {info.model_id for info in infos}

    client.transition_model_version_stage(name, "1", "Production")
    moved = client.transition_model_version_stage(name, "2", "production", archive_existing_versions=True)
    assert moved.current_stage == "Production"
    assert client.get_model_version(name, "1").current_stage == "Archived"
    assert [v.version for v in client.get_latest_versions(name, stages=["Production"])] == ["2"]

    client.set_registered_model_alias(name, "champion", "1")
    assert client.get_model_version_by_alias(name, "champion").version == "1"
    assert client.get_registered_model(name).aliases == {"champion": "1"}

    expected = _train(data, 0.1).predict(data[0])
    for uri in (f"models:/{name}/2", f"models:/{name}/Production", f"models:/{name}@champion",
                infos[1].model_uri, f"runs:/{run.info.run_id}/model"):
        predictions = mlflow.pyfunc.load_model(uri).predict(data[0])
        if uri.endswith("@champion"):
            assert len(predictions) == len(expected)
        else:
            assert list(predictions) == list(expected), uri
    client.delete_registered_model_alias(name, "champion")
    assert client.get_registered_model(name).aliases == {}

    # The SDK sees the versions MLflow registered, and the registry recorded who did it.
    sdk = mlledger.Client(gateway_stack.tracking_uri)
    assert sdk.get_model_version(name, 2).current_stage == "Production"
    history = sdk.get_model_history(name, 2)
    assert any("stage_transitioned" in event.type for event in history)


def test_registry_crud_tags_search_and_paging(client) -> None:  # type: ignore[no-untyped-def]
    name = unique("crud")
    client.create_registered_model(name, tags={"team": "risk"}, description="first")
    client.update_registered_model(name, description="second")
    client.set_registered_model_tag(name, "tier", "gold")
    client.delete_registered_model_tag(name, "team")
    model = client.get_registered_model(name)
    assert (model.description, model.tags) == ("second", {"tier": "gold"})

    run = client.create_run(client.create_experiment(unique("crud-runs")))
    client.log_text(run.info.run_id, "weights", "model/weights.txt")
    source = f"{run.info.artifact_uri}/model"
    for _ in range(3):
        client.create_model_version(name, source, run_id=run.info.run_id, tags={"k": "v"})
    client.update_model_version(name, "2", description="better")
    client.set_model_version_tag(name, "2", "checked", "yes")
    client.delete_model_version_tag(name, "2", "k")
    version = client.get_model_version(name, "2")
    assert (version.description, version.tags) == ("better", {"checked": "yes"})
    assert client.get_model_version_download_uri(name, "2").startswith("mlflow-artifacts:/models/")

    first = client.search_model_versions(f"name = '{name}'", max_results=2, order_by=["version_number DESC"])
    assert [v.version for v in first] == ["3", "2"] and first.token
    rest = client.search_model_versions(f"name = '{name}'", max_results=2, order_by=["version_number DESC"],
                                        page_token=first.token)
    assert [v.version for v in rest] == ["1"]
    client.delete_model_version(name, "1")
    assert [v.version for v in client.search_model_versions(f"name = '{name}'")] == ["3", "2"]

    client.rename_registered_model(name, name + "-new")
    assert [m.name for m in client.search_registered_models(f"name LIKE '{name}%'")] == [name + "-new"]
    client.delete_registered_model(name + "-new")
    assert client.search_registered_models(f"name LIKE '{name}%'") == []


def test_logged_model_errors(gateway_stack) -> None:  # type: ignore[no-untyped-def]
    base = f"{gateway_stack.gateway_uri}/api/2.0/mlflow/logged-models"
    answer = requests.get(f"{base}/m-{'0' * 32}")
    assert (answer.status_code, answer.json()["error_code"]) == (404, "RESOURCE_DOES_NOT_EXIST")
    answer = requests.post(base, json={"experiment_id": "999999", "name": "x"})
    assert (answer.status_code, answer.json()["error_code"]) == (404, "RESOURCE_DOES_NOT_EXIST")
    answer = requests.post(f"{base}/search", json={"filter": "metrics.x > 1"})
    assert (answer.status_code, answer.json()["error_code"]) == (400, "INVALID_PARAMETER_VALUE")

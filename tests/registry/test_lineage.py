"""Lineage: versions registered from runs (needs the tracking and artifact services)."""

from __future__ import annotations

import hashlib
import json
import uuid
from pathlib import Path

import pytest

from mlledger import errors


@pytest.fixture
def trained_run(client):
    """A run with params, a metric and a model directory under its artifacts; returns its id."""
    experiment_id = client.create_experiment(f"lineage-{uuid.uuid4().hex[:8]}")
    run = client.create_run(experiment_id)
    run_id = run.info.run_id
    client.log_param(run_id, "lr", "0.01")
    client.log_metric(run_id, "auc", 0.5, step=0)
    client.log_metric(run_id, "auc", 0.9, step=1)
    client.upload_artifact_bytes(client.get_artifact_uri(run_id), "model/model.bin", b"trained weights")
    return run_id


def test_unknown_run_is_refused_and_nothing_is_stored(client, model_name):
    """Registering from a run that does not exist raises NotFound naming the run, and creates no version."""
    client.create_registered_model(model_name)
    missing = uuid.uuid4().hex
    with pytest.raises(errors.NotFound) as caught:
        client.create_model_version(model_name, f"runs:/{missing}/model")
    assert caught.value.resource_name == missing and caught.value.resource_type == "run"
    assert [e.type for e in client.get_model_history(model_name)] == ["registered_model.created"]


def test_version_records_its_run(client, model_name, trained_run):
    """A version from runs:/ records the run, its experiment, params, latest metrics and their digest."""
    client.create_registered_model(model_name)
    version = client.create_model_version(model_name, f"runs:/{trained_run}/model")
    run = client.get_run(trained_run)
    assert version.status == "READY" and version.run_id == trained_run
    lineage = version.lineage
    assert (lineage.run_id, lineage.experiment_id) == (trained_run, run.info.experiment_id)
    assert lineage.params == {"lr": "0.01"} and lineage.metrics == {"auc": 0.9}
    canonical = json.dumps({"params": [["lr", "0.01"]], "metrics": [["auc", 0.9]]}, separators=(",", ":"))
    assert lineage.run_digest == hashlib.sha256(canonical.encode()).hexdigest()
    assert [v.version for v in client.search_model_versions(f"run_id = '{trained_run}'")] == [1]


def test_mismatched_run_id_is_invalid_argument(client, model_name, trained_run):
    """A run_id that contradicts the runs:/ source is INVALID_ARGUMENT on "run_id"."""
    client.create_registered_model(model_name)
    with pytest.raises(errors.InvalidArgument) as caught:
        client.create_model_version(model_name, f"runs:/{trained_run}/model", run_id=uuid.uuid4().hex)
    assert caught.value.field == "run_id"


def test_deleted_run_is_failed_precondition(client, model_name, trained_run):
    """A deleted run cannot be registered: FailedPrecondition."""
    client.create_registered_model(model_name)
    client.delete_run(trained_run)
    with pytest.raises(errors.FailedPrecondition):
        client.create_model_version(model_name, f"runs:/{trained_run}/model")


def test_version_survives_its_run_and_artifacts(client, model_name, trained_run, tmp_path):
    """After the run and its artifacts are deleted the version still resolves and its files still download."""
    client.create_registered_model(model_name)
    version = client.create_model_version(model_name, f"runs:/{trained_run}/model")
    client.delete_run(trained_run)
    assert client.delete_artifacts(trained_run) >= 1
    resolved = client.resolve_model_uri(f"models:/{model_name}/1")
    assert resolved.model_version.lineage.run_id == trained_run
    target = Path(client.download_artifact_uri(resolved.storage_location, tmp_path / "dl"))
    assert (target / "model.bin").read_bytes() == b"trained weights"
    assert version.storage_location == resolved.storage_location


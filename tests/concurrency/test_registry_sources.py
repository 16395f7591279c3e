"""Version sources as MLflow users write them, and snapshots that meet an unavailable artifact service."""

from __future__ import annotations

import threading
import time
import uuid

import mlledger
from mlledger.testing import TestStack


def test_source_inside_the_runs_artifact_location_is_registered(mlledger_stack: TestStack):
    """source="<run artifact_uri>/model" with run_id registers READY with the files under model/."""
    with mlledger.Client(mlledger_stack.tracking_uri, actor="mlflow-user") as client:
        run = client.create_run()
        client.upload_artifact_bytes(run.info.artifact_uri, "model/MLmodel", b"flavors: {}\n")
        client.upload_artifact_bytes(run.info.artifact_uri, "model/weights.bin", b"w" * 10)
        client.upload_artifact_bytes(run.info.artifact_uri, "other/notes.txt", b"not the model")
        name = f"mlflow-form-{uuid.uuid4().hex[:8]}"
        client.create_registered_model(name)
        version = client.create_model_version(name, f"{run.info.artifact_uri}/model", run_id=run.info.run_id)
        assert version.status == "READY", version.status_message
        files = sorted(f.path for f in client.list_artifacts_uri(version.storage_location, recursive=True))
        assert files == ["MLmodel", "weights.bin"]


def test_artifact_service_down_during_a_snapshot_does_not_fail_the_version(mlledger_stack: TestStack):
    """With the artifact service crashed while a version is created, the call waits and retries
    (same idempotency key) and the version ends READY once the service is back, not FAILED_REGISTRATION."""
    with mlledger.Client(mlledger_stack.tracking_uri, actor="patient") as client:
        location = f"mlledger-artifacts:/scratch/{uuid.uuid4().hex}"
        client.upload_artifact_bytes(location, "MLmodel", b"flavors: {}\n")
        name = f"outage-{uuid.uuid4().hex[:8]}"
        client.create_registered_model(name)
        mlledger_stack.kill("artifacts")
        result: list[object] = []
        worker = threading.Thread(target=lambda: result.append(client.create_model_version(name, location)))
        worker.start()
        try:
            time.sleep(1.5)
        finally:
            mlledger_stack.start("artifacts")
        worker.join(60)
        assert result and result[0].status == "READY", result
        assert client.get_model_version(name, result[0].version).status == "READY"

"""Large models are snapshotted after the call returns, and a crash of either service leaves no
version pending for ever.

The stack here moves at most 1 KiB during a call (MLLEDGER_REGISTRY_INLINE_SNAPSHOT_BYTES), so a
4 KiB model copied from another allowed root counts as large; copies inside the managed root
are hard links, move no bytes, and stay within the call whatever their size.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest

import mlledger
from mlledger.services.eventstore.schema import lock_key
from mlledger.testing import Infrastructure, TestStack, running_stack

WEIGHTS = os.urandom(4096)


@pytest.fixture(scope="module")
def stack(mlledger_infrastructure: Infrastructure) -> Iterator[tuple[TestStack, Path]]:
    """A stack with a small inline limit and an extra allowed root (returned with it)."""
    base = Path(tempfile.mkdtemp(prefix="mlledger-registration-"))
    allowed = base / "allowed"
    allowed.mkdir()
    env = {"MLLEDGER_ARTIFACT_ALLOWED_ROOTS": str(allowed), "MLLEDGER_REGISTRY_INLINE_SNAPSHOT_BYTES": "1024"}
    try:
        with running_stack(mlledger_infrastructure, artifact_root=str(base / "root"), extra_env=env) as running:
            yield running, allowed
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _large_model(client: mlledger.Client, allowed: Path) -> tuple[str, Path]:
    """A run's model directory in the extra allowed root, too large to copy during the call:
    its runs:/ source, and where its weights are on disk."""
    experiment = client.create_experiment(f"exp-{uuid.uuid4().hex[:8]}",
                                          artifact_location=f"file://{allowed}/{uuid.uuid4().hex}")
    run = client.create_run(experiment)
    client.upload_artifact_bytes(run.info.artifact_uri, "model/MLmodel",
                                 b"flavors:\n  python_function:\n    loader_module: big\n")
    info = client.upload_artifact_bytes(run.info.artifact_uri, "model/weights.bin", WEIGHTS)
    assert info.file_size == len(WEIGHTS)
    weights = Path(run.info.artifact_uri.removeprefix("file://")) / "model" / "weights.bin"
    return f"runs:/{run.info.run_id}/model", weights


def _wait_for_status(client: mlledger.Client, name: str, version: int, timeout: float = 60.0) -> mlledger.ModelVersion:
    deadline = time.monotonic() + timeout
    while True:
        found = client.get_model_version(name, version)
        if found.status != "PENDING_REGISTRATION" or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


@contextmanager
def _snapshots_blocked(stack: TestStack, name: str, version: int) -> Iterator[None]:
    """Hold the lock a snapshot into the version's own location takes: its background snapshot waits."""
    with psycopg.connect(stack.database_url, autocommit=True) as conn:
        model_id = conn.execute("SELECT model_id FROM registry.registered_models WHERE name = %s",
                                (name,)).fetchone()[0]
        location = f"mlledger-artifacts:/models/{model_id}/versions/{version}"
        key = lock_key("artifacts", f"location:{location}")
        conn.execute("SELECT pg_advisory_lock(%s)", (key,))
        try:
            yield
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (key,))


def _new_model(client: mlledger.Client) -> str:
    name = f"large-{uuid.uuid4().hex[:8]}"
    client.create_registered_model(name)
    return name


def _download(client: mlledger.Client, location: str, path: str, into: Path) -> bytes:
    return (Path(client.download_artifact_uri(location, into)) / path).read_bytes()


def test_a_large_model_is_registered_after_the_call_returns(stack, tmp_path):
    """The call answers PENDING_REGISTRATION with nothing copied yet; the version turns READY on its
    own, with the files and MLmodel format of a version registered during the call."""
    running, allowed = stack
    with mlledger.Client(running.tracking_uri, actor="big-model-owner") as client:
        name = _new_model(client)
        client.create_registered_model(f"{name}-small")
        with _snapshots_blocked(running, name, 1):
            pending = client.create_model_version(name, _large_model(client, allowed)[0], await_creation_for=0)
            assert (pending.version, pending.status, pending.storage_location) == (1, "PENDING_REGISTRATION", "")
        version = _wait_for_status(client, name, 1)
        assert version.status == "READY", version.status_message
        assert version.storage_location.endswith("/versions/1")
        assert _download(client, version.storage_location, "weights.bin", tmp_path) == WEIGHTS
        assert [e.type for e in client.get_model_history(name, 1)] == ["model_version.created", "model_version.ready"]
        assert version.model_format is not None and version.model_format["loader_module"] == "big"
        # The same bytes inside the managed root are linked, not moved: registered during the call.
        small = f"mlledger-artifacts:/scratch/{uuid.uuid4().hex}"
        client.upload_artifact_bytes(small, "weights.bin", WEIGHTS)
        assert client.create_model_version(f"{name}-small", small, await_creation_for=0).status == "READY"


def test_the_sdk_waits_for_a_large_model_as_mlflow_does(stack):
    """By default create_model_version returns a large model's version once READY (MLflow's
    await_creation_for), though the server answered PENDING at once."""
    running, allowed = stack
    with mlledger.Client(running.tracking_uri, actor="waiter") as client:
        name = _new_model(client)
        version = client.create_model_version(name, _large_model(client, allowed)[0])
        assert version.status == "READY" and version.storage_location.endswith("/versions/1")


def test_a_pending_version_is_finished_after_the_registry_crashes(stack, tmp_path):
    """The registry killed while a large model's snapshot waits: restarted, it takes the snapshot and
    records READY once."""
    running, allowed = stack
    with mlledger.Client(running.tracking_uri, actor="crash-survivor") as client:
        name = _new_model(client)
        with _snapshots_blocked(running, name, 1):
            source = _large_model(client, allowed)[0]
            assert client.create_model_version(name, source, await_creation_for=0).status == "PENDING_REGISTRATION"
            running.kill("registry")
            running.start("registry")
            assert client.get_model_version(name, 1).status == "PENDING_REGISTRATION"
        version = _wait_for_status(client, name, 1)
        assert version.status == "READY", version.status_message
        assert _download(client, version.storage_location, "weights.bin", tmp_path) == WEIGHTS
        assert [e.type for e in client.get_model_history(name, 1)] == ["model_version.created", "model_version.ready"]


def test_a_pending_version_is_finished_after_the_artifact_service_crashes(stack, tmp_path):
    """The artifact service killed while a large model's snapshot waits: the registry retries until it
    is back, then records READY."""
    running, allowed = stack
    with mlledger.Client(running.tracking_uri, actor="patient") as client:
        name = _new_model(client)
        with _snapshots_blocked(running, name, 1):
            source = _large_model(client, allowed)[0]
            assert client.create_model_version(name, source, await_creation_for=0).status == "PENDING_REGISTRATION"
            running.kill("artifacts")
        time.sleep(1.0)  # the registry's attempts meet no artifact service
        assert client.get_model_version(name, 1).status == "PENDING_REGISTRATION"
        running.start("artifacts")
        version = _wait_for_status(client, name, 1)
        assert version.status == "READY", version.status_message
        assert _download(client, version.storage_location, "weights.bin", tmp_path) == WEIGHTS


def test_a_large_model_whose_files_are_gone_fails_registration_in_the_background(stack):
    """A background snapshot refused for good (a source file removed from its root meanwhile, by
    whoever else writes there) records FAILED_REGISTRATION with the reason."""
    running, allowed = stack
    with mlledger.Client(running.tracking_uri, actor="unlucky") as client:
        name = _new_model(client)
        source, weights = _large_model(client, allowed)
        with _snapshots_blocked(running, name, 1):
            assert client.create_model_version(name, source, await_creation_for=0).status == "PENDING_REGISTRATION"
            weights.unlink()
        version = _wait_for_status(client, name, 1)
        assert version.status == "FAILED_REGISTRATION" and "NOT_FOUND" in version.status_message

"""The mlflow-artifacts proxy: MLflow's client uploads, lists, downloads and deletes through the gateway."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import requests

import mlledger
from tests.gateway.conftest import unique

LARGE_BYTES = 48 * 1024 * 1024 + 123


def _digest(path: Path) -> str:
    sha = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            sha.update(chunk)
    return sha.hexdigest()


def test_large_file_round_trip(client, gateway_stack, tmp_path) -> None:  # type: ignore[no-untyped-def]
    large = tmp_path / "weights.bin"
    with open(large, "wb") as handle:
        block = os.urandom(1 << 20)
        for index in range(LARGE_BYTES // len(block)):
            handle.write(block[index % 7:] + block[:index % 7])
        handle.write(os.urandom(LARGE_BYTES % len(block)))
    run_id = client.create_run(client.create_experiment(unique("artifacts"))).info.run_id
    client.log_artifact(run_id, str(large), artifact_path="big")
    listed = client.list_artifacts(run_id, "big")
    assert [(f.path, f.is_dir, f.file_size) for f in listed] == [("big/weights.bin", False, LARGE_BYTES)]
    downloaded = Path(client.download_artifacts(run_id, "big/weights.bin", dst_path=str(tmp_path / "out")))
    assert downloaded.stat().st_size == LARGE_BYTES and _digest(downloaded) == _digest(large)
    # The SDK reads the same file, with the digest the artifact service computed.
    sdk_files = mlledger.Client(gateway_stack.tracking_uri).list_artifacts(run_id, "big")
    assert [(f.path, f.file_size) for f in sdk_files] == [("big/weights.bin", LARGE_BYTES)]


def test_directories_listing_sdk_files_and_delete(client, gateway_stack, tmp_path) -> None:  # type: ignore[no-untyped-def]
    source = tmp_path / "tree"
    (source / "sub").mkdir(parents=True)
    (source / "a.txt").write_text("alpha")
    (source / "sub" / "b.json").write_text('{"b": 1}')
    run = client.create_run(client.create_experiment(unique("tree")))
    run_id = run.info.run_id
    client.log_artifacts(run_id, str(source), artifact_path="tree")
    sdk = mlledger.Client(gateway_stack.tracking_uri)
    (tmp_path / "sdk.txt").write_text("from the sdk")
    sdk.log_artifact(run_id, tmp_path / "sdk.txt")

    top = client.list_artifacts(run_id)
    assert [(f.path, f.is_dir) for f in top] == [("sdk.txt", False), ("tree", True)]
    assert [f.path for f in client.list_artifacts(run_id, "tree")] == ["tree/a.txt", "tree/sub"]
    out = Path(client.download_artifacts(run_id, "", dst_path=str(tmp_path / "all")))
    assert (out / "tree" / "sub" / "b.json").read_text() == '{"b": 1}'
    assert (out / "sdk.txt").read_text() == "from the sdk"

    # The run-relative listing the UI uses.
    listing = requests.get(f"{gateway_stack.gateway_uri}/ajax-api/2.0/mlflow/artifacts/list",
                           params={"run_id": run_id, "path": "tree"}).json()
    assert [(f["path"], f["is_dir"]) for f in listing["files"]] == [("tree/a.txt", False), ("tree/sub", True)]
    assert listing["root_uri"] == run.info.artifact_uri

    proxied = run.info.artifact_uri.removeprefix("mlflow-artifacts:/")
    answer = requests.delete(f"{gateway_stack.gateway_uri}/api/2.0/mlflow-artifacts/artifacts/{proxied}/tree/sub")
    assert answer.status_code == 200
    assert [f.path for f in client.list_artifacts(run_id, "tree")] == ["tree/a.txt"]
    missing = requests.get(f"{gateway_stack.gateway_uri}/api/2.0/mlflow-artifacts/artifacts/{proxied}/nope.txt")
    assert (missing.status_code, missing.json()["error_code"]) == (404, "RESOURCE_DOES_NOT_EXIST")
    escape = requests.get(f"{gateway_stack.gateway_uri}/api/2.0/mlflow-artifacts/artifacts",
                          params={"path": "experiments/../../etc"})
    assert (escape.status_code, escape.json()["error_code"]) == (400, "INVALID_PARAMETER_VALUE")

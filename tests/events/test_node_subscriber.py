"""A Node.js subscriber written from protos/ alone receives and decodes a stage transition."""

from __future__ import annotations

import json
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NODE_DIR = ROOT / "tests" / "node"


@pytest.fixture(scope="module")
def node_subscriber() -> Path:
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.fail("Node.js and npm are needed for the cross-language subscriber test")
    if not (NODE_DIR / "node_modules" / "nats").exists() or not (NODE_DIR / "node_modules" / "protobufjs").exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=NODE_DIR, check=True,
                       timeout=300)
    return NODE_DIR / "subscriber.js"


def test_node_subscriber_decodes_a_stage_transition(node_subscriber, mlledger_stack, client):
    """The stage transition arrives on its documented subject with a decoded ModelVersionStageTransitioned."""
    name = f"node-{uuid.uuid4().hex[:8]}"
    location = f"mlledger-artifacts:/scratch/{uuid.uuid4().hex}"
    client.upload_artifact_bytes(location, "MLmodel", b"flavors: {}\n")
    client.create_registered_model(name)
    client.create_model_version(name, location)
    client.transition_model_version_stage(name, 1, "Staging")
    done = subprocess.run(
        ["node", str(node_subscriber), mlledger_stack.nats_url, mlledger_stack.stream_name,
         mlledger_stack.subject("registry", "model_version.stage_transitioned"), str(ROOT / "protos"), name],
        capture_output=True, text=True, timeout=90,
    )
    assert done.returncode == 0, done.stderr
    received = json.loads(done.stdout)
    assert received["type"] == "model_version.stage_transitioned"
    assert received["payload_type"] == "mlledger.v1.ModelVersionStageTransitioned"
    assert received["payload"]["version"] == 1
    assert received["payload"]["from_stage"] == "STAGE_NONE"
    assert received["payload"]["to_stage"] == "STAGE_STAGING"
    assert received["actor"] == "events-tests" and received["position"] > 0

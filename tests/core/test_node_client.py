"""A non-Python client generated from protos/ alone talks to a running service."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NODE_DIR = ROOT / "tests" / "node"


@pytest.fixture(scope="module")
def node_client() -> Path:
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.fail("Node.js and npm are needed for the cross-language contract test")
    if not (NODE_DIR / "node_modules" / "@grpc" / "grpc-js").exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=NODE_DIR, check=True,
                       timeout=300)
    return NODE_DIR / "client.js"


def test_node_client_checks_health_and_calls_rpcs(node_client, mlledger_stack):
    """A Node.js @grpc/grpc-js client built from protos/ gets SERVING, endpoints, events and precise errors."""
    done = subprocess.run(
        ["node", str(node_client), mlledger_stack.tracking_uri, str(ROOT / "protos")],
        capture_output=True, text=True, timeout=60, check=True,
    )
    result = json.loads(done.stdout)
    assert result["health"]["response"]["status"] == "SERVING"
    names = {e["name"]: e["address"] for e in result["endpoints"]["response"]["endpoints"]}
    assert names == mlledger_stack.endpoints
    assert "events" in result["events"]["response"]
    assert result["badEvents"]["code"] == 3  # INVALID_ARGUMENT
    assert "limit" in result["badEvents"]["details"]
    assert result["missingRun"]["code"] == 5  # NOT_FOUND

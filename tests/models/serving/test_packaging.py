"""The container build context, its entry command run for real, and Kubernetes manifests validated."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from mlledger.models.packaging import kubernetes_manifests

from .helpers import scoring_server

K8S_VERSION = "1.30.0"


MLLEDGER = str(Path(sys.executable).with_name("mlledger"))


@pytest.fixture(scope="module")
def build_docker(classifier_dir: Path, tmp_path_factory) -> tuple[Path, str]:  # type: ignore[no-untyped-def]
    """`mlledger models build-docker` run for the classifier: (the context folder, what it printed)."""
    folder = tmp_path_factory.mktemp("image") / "context"
    done = subprocess.run([MLLEDGER, "models", "build-docker", "-m", str(classifier_dir), "-n", "clf:2",
                           "-o", str(folder), "--no-build"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return folder, done.stdout


@pytest.fixture(scope="module")
def context(build_docker: tuple[Path, str]) -> Path:
    """The build context written for the classifier."""
    return build_docker[0]


def instructions(dockerfile: str) -> dict[str, str]:
    """The Dockerfile's instructions by keyword (the last of each; continuation lines joined)."""
    joined = dockerfile.replace("\\\n", " ")
    found = {}
    for line in joined.splitlines():
        if line.strip() and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            found[keyword] = rest.strip()
    return found


def test_context_holds_model_requirements_and_wheel(context: Path, classifier_dir: Path) -> None:
    """The context has the model, its pinned requirements, pinned serving packages and mlledger's wheel."""
    assert (context / "model" / "MLmodel").read_text() == (classifier_dir / "MLmodel").read_text()
    requirements = (context / "requirements.txt").read_text().splitlines()
    assert any(line.startswith("scikit-learn==") for line in requirements)
    constraints = (context / "constraints.txt").read_text().splitlines()
    assert constraints and all("==" in line for line in constraints)
    assert any(line.startswith("uvicorn==") for line in constraints)
    assert len(list((context / "wheels").glob("mlledger-*.whl"))) == 1


def test_dockerfile_is_pinned_non_root_and_healthchecked(context: Path) -> None:
    """Pinned base image, a non-root user, a health check on /ping, and the server on both ports."""
    found = instructions((context / "Dockerfile").read_text())
    base = found["FROM"]
    assert base.startswith("python:") and base.count(".") == 2 and base.endswith("-slim-bookworm")
    assert found["USER"] == "10001:10001" and "useradd" in found["RUN"] or "pip install" in found["RUN"]
    assert "/ping" in found["HEALTHCHECK"] and "--interval" in found["HEALTHCHECK"]
    assert found["EXPOSE"] == "8080 8081" and found["STOPSIGNAL"] == "SIGTERM"
    command = json.loads(found["CMD"])
    assert command[:3] == ["mlledger", "models", "serve"]
    assert command[command.index("-p") + 1] == "8080" and command[command.index("--grpc-port") + 1] == "8081"


def test_entry_command_serves_the_model_in_the_context(context: Path, tmp_path: Path) -> None:
    """The image's CMD, run here against the context's model folder, answers /ping and scores a row.

    Only paths and ports change, and one worker instead of the image's two keeps the test quick.
    """
    image_command = json.loads(instructions((context / "Dockerfile").read_text())["CMD"])

    def here(port: int, grpc_port: int) -> list[str]:
        """The same command with this machine's paths and free ports in place of the image's."""
        command = list(image_command)
        command[0] = MLLEDGER
        for flag, value in (("-m", str(context / "model")), ("-p", str(port)), ("--grpc-port", str(grpc_port)),
                            ("-w", "1")):
            command[command.index(flag) + 1] = value
        return command

    with scoring_server(context / "model", tmp_path / "log", command=here) as server:
        assert server.request("GET", "/ping")[0] == 200
        status, body = server.invoke({"dataframe_records": [{"a": 0.1, "b": 0.2, "c": 0.3, "d": 0.4}]})
        assert status == 200 and len(body["predictions"]) == 1


def test_k8s_manifests_validate(classifier_dir: Path) -> None:
    """The Deployment and Service validate against the Kubernetes schemas (strict: no unknown fields)."""
    text = kubernetes_manifests("models:/Fraud_Detector/7", image="registry.example/fraud:7")
    deployment, service = list(yaml.safe_load_all(text))
    for document in (deployment, service):
        kubernetes_validate.validate(document, K8S_VERSION, strict=True)
    assert deployment["metadata"]["name"] == "fraud-detector-7"
    assert deployment["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert {p["name"]: p["containerPort"] for p in container["ports"]} == {"http": 8080, "grpc": 8081}
    assert container["readinessProbe"]["httpGet"]["path"] == "/v2/health/ready"
    assert container["livenessProbe"]["httpGet"]["path"] == "/v2/health/live"
    assert set(container["resources"]["requests"]) == {"cpu", "memory"}
    assert {p["name"]: p["port"] for p in service["spec"]["ports"]} == {"http": 8080, "grpc": 8081}
    assert service["spec"]["selector"] == deployment["spec"]["selector"]["matchLabels"]


def test_k8s_validation_catches_a_broken_manifest() -> None:
    """The validator is not a rubber stamp: a wrong type for a port is refused."""
    deployment = list(yaml.safe_load_all(kubernetes_manifests("models:/fraud/1")))[0]
    deployment["spec"]["template"]["spec"]["containers"][0]["ports"][0]["containerPort"] = "eighty"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, K8S_VERSION, strict=True)


def test_cli_says_how_to_build_and_writes_manifests(build_docker: tuple[Path, str], tmp_path: Path) -> None:
    """With no Docker engine, build-docker prints the build command; `k8s -o` writes both documents."""
    folder, printed = build_docker
    assert f"docker build -t clf:2 {folder}" in printed
    done = subprocess.run([MLLEDGER, "models", "k8s", "-m", "models:/clf/2", "-o", str(tmp_path / "k8s.yaml")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    kinds = [doc["kind"] for doc in yaml.safe_load_all((tmp_path / "k8s.yaml").read_text())]
    assert kinds == ["Deployment", "Service"]


"""The deployer against the real stack and real scoring servers: switches with no failed request,
converges after a SIGKILL mid-switch, refuses broken versions, rolls back, follows an alias."""

from __future__ import annotations

import signal
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

import mlledger
from mlledger.services.deployer.scoring import free_port
from mlledger.testing import TestStack

from .helpers import (DeployerProcess, TrafficClient, answers, deployment_events, log_broken, log_constant,
                      scoring_processes, wait_for)

pytestmark = pytest.mark.timeout(420)


@pytest.fixture
def client(mlledger_stack: TestStack) -> Iterator[mlledger.Client]:
    mlledger.set_tracking_uri(mlledger_stack.tracking_uri)
    mlledger.set_experiment(f"deployer-{uuid.uuid4().hex[:10]}")
    with mlledger.Client(mlledger_stack.tracking_uri, actor="deployer-tests") as c:
        yield c


@pytest.fixture
def model_name() -> str:
    return f"deployed-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def deployers(tmp_path: Path) -> Iterator[list[DeployerProcess]]:
    started: list[DeployerProcess] = []
    yield started
    for process in started:
        process.stop()
        # Shown by pytest only when the test failed: what the deployer saw and did.
        print(f"--- deployer log {process.log} ---\n{process.output()[-6000:]}")


def _types(stack: TestStack, deployment: str) -> list[tuple[str, int]]:
    return [(kind, payload.version) for kind, payload in deployment_events(stack.endpoints["registry"], deployment)]


def test_promotions_switch_with_no_failed_request(mlledger_stack, client, model_name, deployers, tmp_path):
    """v1 serves after its promotion, v2 after the next, while a client calls the stable port throughout."""
    one, two = log_constant(model_name, 1.0), log_constant(model_name, 2.0)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    deployers.append(DeployerProcess(mlledger_stack.tracking_uri, model_name, port, tmp_path))
    client.transition_model_version_stage(model_name, one, "Production")
    wait_for(lambda: answers(url) == 1.0, timeout=120)

    traffic = TrafficClient(url)
    traffic.start()
    wait_for(lambda: traffic.seen[1.0] >= 20)
    client.transition_model_version_stage(model_name, two, "Production", archive_existing_versions=True)
    wait_for(lambda: traffic.seen[2.0] >= 20, timeout=120)
    traffic.stop()

    assert traffic.failures == [], (traffic.failures[:5], deployers[0].output()[-3000:])
    assert set(traffic.seen) == {1.0, 2.0} and traffic.total > 40
    assert traffic.pairs == {(1.0, "1"), (2.0, "2")}  # each answer came from the version the header names
    wait_for(lambda: len(scoring_processes(model_name)) == 1, timeout=60)  # v1 drained and stopped
    deployment = f"{model_name}@Production-local"
    wait_for(lambda: len(_types(mlledger_stack, deployment)) == 4)
    assert _types(mlledger_stack, deployment) == [
        ("deployment.started", 1), ("deployment.succeeded", 1), ("deployment.started", 2),
        ("deployment.succeeded", 2)]
    succeeded = deployment_events(mlledger_stack.endpoints["registry"], deployment)[-1][1]
    assert succeeded.previous_version == 1 and succeeded.endpoint == url and succeeded.seconds > 0


def test_broken_versions_are_refused_and_rollback(mlledger_stack, client, model_name, deployers, tmp_path):
    """A version failing its warm-up or its health check never takes traffic; moving the stage back rolls back."""
    one = log_constant(model_name, 1.0)
    fails_predict, fails_load = log_broken(model_name, "predict"), log_broken(model_name, "load")
    good = log_constant(model_name, 4.0)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    deployers.append(DeployerProcess(mlledger_stack.tracking_uri, model_name, port, tmp_path,
                                     "--stage", "Production", "--health-timeout", "60"))
    client.transition_model_version_stage(model_name, one, "Production")
    wait_for(lambda: answers(url) == 1.0, timeout=120)
    deployment = f"{model_name}@Production-local"

    traffic = TrafficClient(url)
    traffic.start()
    for bad, step in ((fails_predict, "warm-up"), (fails_load, "health")):
        client.transition_model_version_stage(model_name, bad, "Production", archive_existing_versions=True)
        wait_for(lambda bad=bad: ("deployment.failed", bad) in _types(mlledger_stack, deployment), timeout=120)
        failed = deployment_events(mlledger_stack.endpoints["registry"], deployment)[-1][1]
        assert failed.step == step and failed.serving_version == one, failed
        assert answers(url) == 1.0

    client.transition_model_version_stage(model_name, good, "Production", archive_existing_versions=True)
    wait_for(lambda: answers(url) == 4.0, timeout=120)
    # Moving the stage back to version 1 rolls back the same way.
    client.transition_model_version_stage(model_name, one, "Production", archive_existing_versions=True)
    wait_for(lambda: answers(url) == 1.0, timeout=120)
    traffic.stop()

    assert traffic.failures == [], (traffic.failures[:5], deployers[0].output()[-3000:])
    assert set(traffic.seen) == {1.0, 4.0}
    kinds = wait_for(lambda: (found := _types(mlledger_stack, deployment))[-1][0] == "deployment.rolled_back" and found)
    assert kinds[-2:] == [("deployment.started", one), ("deployment.rolled_back", one)]
    assert ("deployment.succeeded", fails_predict) not in kinds and ("deployment.succeeded", fails_load) not in kinds
    wait_for(lambda: len(scoring_processes(model_name)) == 1, timeout=60)


def test_killed_mid_switch_converges(mlledger_stack, client, model_name, deployers, tmp_path):
    """SIGKILL while a new version is being started; the restarted deployer serves the registry's
    version with exactly one scoring server, and leaves no orphan behind."""
    one, two = log_constant(model_name, 1.0), log_constant(model_name, 2.0)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    first = DeployerProcess(mlledger_stack.tracking_uri, model_name, port, tmp_path)
    deployers.append(first)
    client.transition_model_version_stage(model_name, one, "Production")
    wait_for(lambda: answers(url) == 1.0, timeout=120)
    deployment = f"{model_name}@Production-local"

    client.transition_model_version_stage(model_name, two, "Production", archive_existing_versions=True)
    # Mid-switch: version 2's deployment has started (its server is starting) but has not succeeded.
    wait_for(lambda: ("deployment.started", two) in _types(mlledger_stack, deployment), every=0.02)
    assert ("deployment.succeeded", two) not in _types(mlledger_stack, deployment)
    first.stop(signal.SIGKILL)
    wait_for(lambda: scoring_processes(model_name) == [], timeout=60)  # none outlives its deployer

    second = DeployerProcess(mlledger_stack.tracking_uri, model_name, port, tmp_path)
    deployers.append(second)
    wait_for(lambda: answers(url) == 2.0, timeout=120)
    assert len(scoring_processes(model_name)) == 1
    # Restarting again with nothing changed deploys nothing.
    second.stop()
    third = DeployerProcess(mlledger_stack.tracking_uri, model_name, port, tmp_path)
    deployers.append(third)
    wait_for(lambda: answers(url) == 2.0, timeout=120)
    kinds = wait_for(lambda: (found := _types(mlledger_stack, deployment)).count(("deployment.succeeded", two)) == 2
                     and found)
    assert kinds.count(("deployment.succeeded", two)) == 2  # one per deployer life that found nothing serving
    assert kinds.count(("deployment.succeeded", 1)) == 1
    assert len(scoring_processes(model_name)) == 1


def test_alias_moves(mlledger_stack, client, model_name, deployers, tmp_path):
    """Watching an alias: the version it points at serves, and moving it switches."""
    one, two = log_constant(model_name, 1.0), log_constant(model_name, 2.0)
    client.set_registered_model_alias(model_name, "champion", one)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    deployers.append(DeployerProcess(mlledger_stack.tracking_uri, model_name, port, tmp_path, "--alias", "champion"))
    wait_for(lambda: answers(url) == 1.0, timeout=120)
    client.set_registered_model_alias(model_name, "champion", two)
    wait_for(lambda: answers(url) == 2.0, timeout=120)
    wait_for(lambda: _types(mlledger_stack, f"{model_name}@champion-local")[-1] == ("deployment.succeeded", two))
    assert _types(mlledger_stack, f"{model_name}@champion-local") == [
        ("deployment.started", one), ("deployment.succeeded", one), ("deployment.started", two),
        ("deployment.succeeded", two)]

"""A deployment whose default role is NONE: what a principal was not given, it cannot see."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

import mlledger
from mlledger import errors
from mlledger.testing import Infrastructure, TestStack, running_stack


@pytest.fixture(scope="module")
def private_stack(mlledger_infrastructure: Infrastructure) -> Iterator[TestStack]:
    with running_stack(mlledger_infrastructure, auth=True, extra_env={"MLLEDGER_AUTH_DEFAULT_ROLE": "NONE"}) as stack:
        yield stack


@pytest.fixture(scope="module")
def admin(private_stack: TestStack) -> Iterator[mlledger.Client]:
    with private_stack.client() as client:
        yield client


def _user(stack: TestStack, admin: mlledger.Client, prefix: str) -> mlledger.Client:
    name = f"{prefix}-{uuid.uuid4().hex[:6]}"
    client = stack.client(admin.create_token("t", principal=name).secret)
    client.name = name  # type: ignore[attr-defined]
    return client


def test_without_a_role_nothing_is_readable_or_listed(private_stack: TestStack, admin: mlledger.Client) -> None:
    """A run of an experiment one holds no role on is refused, and searches leave the experiment out."""
    name = f"secret-{uuid.uuid4().hex[:6]}"
    secret = admin.create_experiment(name)
    run_id = admin.create_run(secret).info.run_id
    admin.create_registered_model(name)
    outsider = _user(private_stack, admin, "outsider")
    with pytest.raises(errors.PermissionDenied, match=f"READ on experiment {secret!r} is needed"):
        outsider.get_run(run_id)
    with pytest.raises(errors.PermissionDenied, match="READ"):
        outsider.get_experiment_by_name(name)
    own = outsider.create_experiment(f"own-{uuid.uuid4().hex[:6]}")
    assert {e.experiment_id for e in outsider.search_experiments()} == {own}
    assert name not in {m.name for m in outsider.search_registered_models()}
    admin.grant_permission("experiment", secret, outsider.name, "READ")  # type: ignore[attr-defined]
    assert outsider.get_run(run_id).info.run_id == run_id
    assert {e.experiment_id for e in outsider.search_experiments()} == {own, secret}


def test_a_forwarded_call_is_checked_as_the_caller(private_stack: TestStack, admin: mlledger.Client) -> None:
    """Registering a run one may not read is refused by tracking, through the registry's call made for the caller."""
    hidden = admin.create_experiment(f"hidden-{uuid.uuid4().hex[:6]}")
    run_id = admin.create_run(hidden).info.run_id
    admin.upload_artifact_bytes(admin.get_artifact_uri(run_id), "model/MLmodel", b"flavors: {}\n")
    registrar = _user(private_stack, admin, "registrar")
    model = f"model-{uuid.uuid4().hex[:6]}"
    registrar.create_registered_model(model)  # the creator manages it
    with pytest.raises(errors.PermissionDenied, match=f"READ on experiment {hidden!r} is needed; "
                                                      f"{registrar.name} has no role"):  # type: ignore[attr-defined]
        registrar.create_model_version(model, f"runs:/{run_id}/model", run_id=run_id)
    admin.grant_permission("experiment", hidden, registrar.name, "READ")  # type: ignore[attr-defined]
    assert registrar.create_model_version(model, f"runs:/{run_id}/model", run_id=run_id).version == 1

"""Real clients racing on the registry service: decisions are made on the state after the lock."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

import mlledger
from mlledger import errors
from mlledger.testing import TestStack

ROUNDS = 6


@pytest.fixture(scope="module")
def clients(mlledger_stack: TestStack) -> Iterator[list[mlledger.Client]]:
    """Two independent clients (two channels), like two users."""
    pair = [mlledger.Client(mlledger_stack.tracking_uri, actor=f"racer-{i}") for i in range(2)]
    yield pair
    for c in pair:
        c.close()


def race(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run the calls at the same moment on threads; each result is a value or the exception raised."""
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[], Any]) -> Any:
        barrier.wait()
        try:
            return call()
        except errors.MlledgerError as exc:
            return exc
    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def model_with_versions(client: mlledger.Client, count: int) -> str:
    name = f"race-{uuid.uuid4().hex[:10]}"
    client.create_registered_model(name)
    location = f"mlledger-artifacts:/scratch/{uuid.uuid4().hex}"
    client.upload_artifact_bytes(location, "MLmodel", b"flavors: {}\n")
    for _ in range(count):
        client.create_model_version(name, location)
    return name


def test_racing_archiving_transitions_leave_one_version_in_production(clients):
    """Two transitions to Production with archive_existing_versions, on versions 1 and 2, end with
    exactly one version in Production (the later one archived the earlier)."""
    a, b = clients
    for _ in range(ROUNDS):
        name = model_with_versions(a, 2)
        results = race([lambda: a.transition_model_version_stage(name, 1, "Production", True),
                        lambda: b.transition_model_version_stage(name, 2, "Production", True)])
        assert not any(isinstance(r, Exception) for r in results), results
        stages = {v: a.get_model_version(name, v).current_stage for v in (1, 2)}
        assert sorted(stages.values()) == ["Archived", "Production"], stages


def test_racing_transitions_with_expected_stage_let_one_win(clients):
    """Two transitions of one Staging version, both expecting Staging: one wins, the other gets ABORTED."""
    a, b = clients
    for _ in range(ROUNDS):
        name = model_with_versions(a, 1)
        a.transition_model_version_stage(name, 1, "Staging")
        results = race([lambda: a.transition_model_version_stage(name, 1, "Production", expected_current_stage="Staging"),
                        lambda: b.transition_model_version_stage(name, 1, "Archived", expected_current_stage="Staging")])
        conflicts = [r for r in results if isinstance(r, errors.ConcurrencyConflict)]
        assert len(conflicts) == 1, results
        history = a.get_model_history(name, 1)
        assert sum(1 for e in history if e.type == "model_version.stage_transitioned") == 2


def test_alias_set_while_its_version_is_deleted_never_points_at_nothing(clients):
    """An alias set while its version is being deleted either fails (NOT_FOUND) or is removed with it."""
    a, b = clients
    for _ in range(ROUNDS):
        name = model_with_versions(a, 2)
        race([lambda: a.delete_model_version(name, 2),
              lambda: b.set_registered_model_alias(name, "champion", 2)])
        aliases = a.get_registered_model(name).aliases
        live = {v.version for v in a.search_model_versions(f"name = '{name}'")}
        assert all(int(v) in live for v in aliases.values()), (aliases, live)

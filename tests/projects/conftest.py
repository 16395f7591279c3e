"""Fixtures for project tests: `mlledger run` as a user runs it, against the session's real stack."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import mlledger
from mlledger.testing import TestStack

RunCli = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def client(mlledger_stack: TestStack) -> Iterator[mlledger.Client]:
    with mlledger.Client(mlledger_stack.tracking_uri) as client:
        yield client


@pytest.fixture
def experiment_name() -> str:
    return f"projects-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def cli_env(mlledger_stack: TestStack, tmp_path: Path, experiment_name: str) -> dict[str, str]:
    """The environment `mlledger run` gets: the stack's address, a private environment cache, an experiment."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("MLLEDGER_")}
    env.update(MLLEDGER_TRACKING_URI=mlledger_stack.tracking_uri, MLLEDGER_ENV_ROOT=str(tmp_path / "envs"),
               MLLEDGER_EXPERIMENT_NAME=experiment_name, PYTHONUNBUFFERED="1")
    return env


@pytest.fixture
def run_cli(cli_env: dict[str, str]) -> RunCli:
    """Run `mlledger run ARGS…` in a subprocess; returns the completed process (never raises on exit code)."""

    def run(*args: str, cwd: Path | None = None, timeout: float = 180) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "mlledger", "run", *args], env=cli_env, cwd=cwd,
                              capture_output=True, text=True, timeout=timeout)

    return run


def write_project(root: Path, mlproject: str, files: dict[str, str] | None = None) -> Path:
    """A project directory with an MLproject file and other files."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "MLproject").write_text(textwrap.dedent(mlproject))
    for name, text in (files or {}).items():
        (root / name).write_text(textwrap.dedent(text))
    return root


def runs_of(client: mlledger.Client, experiment_name: str) -> list[mlledger.Run]:
    """Every run of the experiment (none when the experiment was never created)."""
    experiment = client.get_experiment_by_name(experiment_name)
    if experiment is None:
        return []
    return list(client.search_runs([experiment.experiment_id]))


def only_run(client: mlledger.Client, experiment_name: str) -> mlledger.Run:
    runs = runs_of(client, experiment_name)
    assert len(runs) == 1, [run.info.run_id for run in runs]
    return client.get_run(runs[0].info.run_id)

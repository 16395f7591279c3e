"""Environments: a python_env is created once and reused; conda and Docker are refused clearly when absent."""

from __future__ import annotations

import shutil
import sys

import pytest

from mlledger.projects._environments import uv_executable
from tests.projects.conftest import only_run, runs_of, write_project

PYTHON = ".".join(map(str, sys.version_info[:2]))


@pytest.mark.parametrize(("manager", "build"), [
    ("virtualenv", "[pip]"),
    pytest.param("uv", "[]", marks=pytest.mark.skipif(uv_executable() is None, reason="uv is not installed")),
])
def test_a_python_env_is_created_once_and_reused(tmp_path, run_cli, client, experiment_name, manager, build):
    """The first run creates the environment; the second, with the same python_env.yaml, reuses it."""
    root = write_project(tmp_path / "venv-project", """\
        name: in-a-venv
        python_env: python_env.yaml
        entry_points:
          main:
            command: "python -c 'import sys; print(\\"PREFIX\\", sys.prefix)'"
        """, {"python_env.yaml": f"""\
        python: "{PYTHON}"
        build_dependencies: {build}
        dependencies: []
        """})
    first = run_cli(str(root), "--env-manager", manager)
    assert first.returncode == 0, first.stderr
    assert f"creating the {manager} environment" in first.stderr
    envs = [path for path in (tmp_path / "envs").iterdir() if path.is_dir()]
    assert len(envs) == 1
    prefix = next(line.split()[1] for line in first.stdout.splitlines() if line.startswith("PREFIX"))
    assert prefix == str(envs[0])
    marker = envs[0] / ".mlledger-env.json"
    stamp = marker.stat().st_mtime_ns

    second = run_cli(str(root), "--env-manager", manager)
    assert second.returncode == 0, second.stderr
    assert "creating" not in second.stderr
    assert f"PREFIX {envs[0]}" in second.stdout
    assert [path for path in (tmp_path / "envs").iterdir() if path.is_dir()] == envs
    assert marker.stat().st_mtime_ns == stamp
    runs = runs_of(client, experiment_name)
    assert len(runs) == 2
    assert {run.data.tags["mlflow.project.env"] for run in runs} == {manager}


def test_a_malformed_python_env_names_its_line(tmp_path, run_cli, client, experiment_name):
    """A python_env.yaml with a bad field is refused with its line, before any run exists."""
    root = write_project(tmp_path / "bad-env", "name: x\nentry_points:\n  main:\n    command: 'true'\n",
                         {"python_env.yaml": "python: '3.11'\ndependencies: numpy\n"})
    result = run_cli(str(root), "--env-manager", "virtualenv")
    assert result.returncode != 0
    assert "python_env.yaml line 2: `dependencies` must be a list" in result.stderr
    assert runs_of(client, experiment_name) == []


@pytest.mark.skipif(shutil.which("conda") is not None, reason="conda is installed here")
def test_conda_is_refused_clearly_when_not_installed(tmp_path, run_cli, client, experiment_name):
    """A conda_env project without conda on the machine: a clear refusal, no run."""
    root = write_project(tmp_path / "conda-project", "name: c\nconda_env: conda.yaml\nentry_points:\n  main:\n"
                                                     "    command: 'true'\n", {"conda.yaml": "name: c\n"})
    result = run_cli(str(root))
    assert result.returncode != 0
    assert "conda is not installed" in result.stderr and "--env-manager local" in result.stderr
    assert runs_of(client, experiment_name) == []
    local = run_cli(str(root), "--env-manager", "local")
    assert local.returncode == 0, local.stderr
    assert only_run(client, experiment_name).data.tags["mlledger.project.env"] == "local"


def test_docker_is_refused_clearly_without_an_engine(tmp_path, run_cli, client, experiment_name):
    """A docker_env project when no Docker engine answers: a clear refusal, no run."""
    import subprocess

    if shutil.which("docker") and subprocess.run(["docker", "info"], capture_output=True, timeout=30).returncode == 0:
        pytest.skip("a Docker engine answers here")
    root = write_project(tmp_path / "docker-project", "name: d\ndocker_env:\n  image: python:3.11-slim\n"
                                                      "entry_points:\n  main:\n    command: 'true'\n")
    result = run_cli(str(root))
    assert result.returncode != 0
    assert "runs in Docker (docker_env)" in result.stderr
    assert runs_of(client, experiment_name) == []

"""Docker environments: check that an engine answers, optionally build an image with the project, run in it."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from mlledger.projects._environments import Environment, Say
from mlledger.projects._errors import EnvironmentUnavailable, ExecutionError
from mlledger.projects._spec import Project

WORKDIR = "/mlledger/projects/code"


def check_engine(timeout: float = 10.0) -> None:
    """Refuse clearly unless a Docker engine answers (a docker client alone is not enough)."""
    docker = shutil.which("docker")
    if docker is None:
        raise EnvironmentUnavailable("this project runs in Docker (docker_env), but the docker program is not "
                                     "installed; install Docker or run with --env-manager local")
    try:
        result = subprocess.run([docker, "version", "--format", "{{.Server.Version}}"], capture_output=True,
                                text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise EnvironmentUnavailable(f"this project runs in Docker (docker_env), but no Docker engine answered "
                                     f"within {timeout:.0f}s") from None
    if result.returncode != 0 or not result.stdout.strip():
        detail = (result.stderr.strip().splitlines() or ["no server version"])[-1]
        raise EnvironmentUnavailable(f"this project runs in Docker (docker_env), but no Docker engine answered: "
                                     f"{detail}")


def build_image(project: Project, tag: str, say: Say, *, push: bool = False) -> str:
    """Build `tag` from the project's base image with the project's files copied in (and push it)."""
    base = (project.docker_env or {}).get("image") or "python:3.11-slim"
    with tempfile.TemporaryDirectory(prefix="mlledger-docker-") as context:
        shutil.copytree(project.directory, Path(context, "project"), dirs_exist_ok=True)
        Path(context, "Dockerfile").write_text(
            f"FROM {base}\nCOPY project/ {WORKDIR}/\nWORKDIR {WORKDIR}\n")
        say(f"building the image {tag}")
        result = subprocess.run(["docker", "build", "--quiet", "-t", tag, context], capture_output=True, text=True)
        if result.returncode != 0:
            raise ExecutionError(f"docker build failed: {result.stderr.strip()[-2000:]}")
    if push:
        result = subprocess.run(["docker", "push", "--quiet", tag], capture_output=True, text=True)
        if result.returncode != 0:
            raise ExecutionError(f"docker push {tag} failed: {result.stderr.strip()[-2000:]}")
    return tag


def environment(project: Project, image: str, variables: dict[str, str], mount: bool) -> Environment:
    """`docker run` argv for the image, with the run's variables and the project's volumes and environment."""
    assert project.docker_env is not None
    argv = ["docker", "run", "--rm", "--init", "--network", "host", "-w", WORKDIR]
    if mount:
        argv += ["-v", f"{project.directory}:{WORKDIR}"]
    for volume in project.docker_env.get("volumes", []):
        argv += ["-v", volume]
    for name, value in variables.items():
        argv += ["-e", f"{name}={value}"]
    for item in project.docker_env.get("environment", []):
        if isinstance(item, str):
            argv += ["-e", f"{item}={os.environ.get(item, '')}"]
        else:
            argv += ["-e", f"{item[0]}={item[1]}"]
    return Environment("docker", [*argv, image])

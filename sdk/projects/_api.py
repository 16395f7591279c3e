"""`mlledger.projects.run`: fetch, check, prepare the environment, create the run, start the command.

Everything that can be refused (a malformed MLproject, a missing or mistyped parameter, an
environment this machine cannot provide) is refused before the run is created or anything runs.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mlledger import _fluent
from mlledger._entities import Param
from mlledger.transport import TRACKING_URI_ENV
from mlledger.client import Client
from mlledger.projects import _docker, _kubernetes
from mlledger.projects._environments import Environment, choose_manager, prepare
from mlledger.projects._errors import ExecutionError
from mlledger.projects._fetch import Source, fetch
from mlledger.projects._local import LocalSubmittedRun
from mlledger.projects._parameters import command as build_command
from mlledger.projects._parameters import has_scheme, resolve
from mlledger.projects._spec import Project, load_project
from mlledger.projects._submitted import SubmittedRun

BACKENDS = ("local", "kubernetes")


def _say(message: str) -> None:
    print(f"mlledger: {message}", file=sys.stderr, flush=True)


def run(uri: str, entry_point: str = "main", parameters: Mapping[str, Any] | None = None,
        experiment_name: str | None = None, run_name: str | None = None, env_manager: str | None = None,
        version: str | None = None, backend: str = "local",
        backend_config: str | os.PathLike[str] | dict[str, Any] | None = None, synchronous: bool = True,
        experiment_id: str | None = None, build_image: bool = False) -> SubmittedRun:
    """Run an entry point of the project at `uri` as a tracked run; returns the submitted run.

    With synchronous=True (the default) this returns once the command has ended, and raises
    ExecutionError when the run did not finish. The run continues any active run as its parent,
    so a workflow of several `run` calls inside one run nests its steps.
    """
    if backend not in BACKENDS:
        raise ExecutionError(f"unknown backend {backend!r} (expected one of {', '.join(BACKENDS)})")
    config = _kubernetes.load_config(backend_config) if backend == "kubernetes" else {}
    source = fetch(uri, version)
    storage = Path(tempfile.mkdtemp(prefix="mlledger-params-"))

    def cleanup() -> None:
        source.remove_clone()
        shutil.rmtree(storage, ignore_errors=True)

    run_id = ""
    try:
        project = load_project(source.directory)
        entry = project.entry_point(entry_point)
        values, extra = resolve(entry, parameters)
        client = _fluent._client()
        local_values = _download_paths(client, entry.parameters, values, storage)
        command = build_command(entry, local_values, extra)
        manager, environment = _environment(project, env_manager, backend, build_image)
        experiment = _experiment(client, experiment_name, experiment_id)
        parent = _parent_run_id()
        tags = _tags(project, source, entry.name, manager, backend, command, client)
        if parent:
            tags["mlflow.parentRunId"] = parent
        created = client.create_run(experiment, tags=tags, run_name=run_name, parent_run_id=parent)
        run_id = created.info.run_id
        client.log_batch(run_id, params=[Param(key, value) for key, value in {**values, **extra}.items()])
        variables = {TRACKING_URI_ENV: client.tracking_uri, _fluent.RUN_ID_ENV: run_id,
                     _fluent.EXPERIMENT_ID_ENV: created.info.experiment_id}
        if backend == "kubernetes":
            submitted: SubmittedRun = _submit_kubernetes(client, config, project, run_id, command, variables,
                                                         build_image)
            cleanup()
        else:
            submitted = _start_local(client, project, environment, created.info.artifact_uri, command, variables,
                                     cleanup, build_image)
    except BaseException:
        cleanup()
        if run_id:  # created but never started: it must not stay RUNNING
            _fail_quietly(client, run_id)
        raise
    if synchronous:
        # A Job only written (no cluster answered) has nothing to wait for: that is not a failure.
        if not submitted.wait() and getattr(submitted, "submitted", True):
            raise ExecutionError(f"run {submitted.run_id} ended {submitted.get_status()} "
                                 f"(exit code {getattr(submitted, 'exit_code', None)})")
    return submitted


def _fail_quietly(client: Client, run_id: str) -> None:
    try:
        client.set_terminated(run_id, "FAILED")
    except Exception:  # noqa: BLE001 - the original error is the one to report
        _say(f"run {run_id} could not be marked FAILED")


def _environment(project: Project, requested: str | None, backend: str,
                 build_image: bool) -> tuple[str, Environment | None]:
    """The environment manager, and (local backend only) the environment, ready before the run exists."""
    manager = choose_manager(project, requested)
    if backend == "kubernetes":
        if build_image:
            _docker.check_engine()
        return manager, None
    if manager == "docker" or build_image:
        if manager != "docker":
            raise ExecutionError("--build-image needs a project with a docker_env (or the kubernetes backend)")
        _docker.check_engine()
        return manager, None
    return manager, prepare(project, manager, _say)


def _start_local(client: Client, project: Project, environment: Environment | None, artifact_uri: str,
                 command: str, variables: dict[str, str], cleanup: Any, build_image: bool) -> LocalSubmittedRun:
    run_id = variables[_fluent.RUN_ID_ENV]
    env = {**os.environ, **variables}
    if environment is None:  # docker_env
        image = project.docker_env["image"] if project.docker_env else ""
        mount = True
        if build_image:
            image, mount = _docker.build_image(project, f"{project.name.lower()}-{run_id[:12]}", _say), False
        environment = _docker.environment(project, image, variables, mount)
    else:
        env.update(environment.variables)
        env.pop("PYTHONHOME", None)
    argv = [*environment.prefix, "bash", "-c", command]
    _say(f"run {run_id}: {command}")
    return LocalSubmittedRun(run_id, client, argv, project.directory, env, on_end=cleanup, artifact_uri=artifact_uri)


def _submit_kubernetes(client: Client, config: dict[str, Any], project: Project, run_id: str, command: str,
                       variables: dict[str, str], build_image: bool) -> SubmittedRun:
    image = _kubernetes.image_for(config, project.docker_env)
    if build_image:
        image = _docker.build_image(project, image, _say, push=True)
    if config.get("tracking-uri"):
        variables = {**variables, TRACKING_URI_ENV: config["tracking-uri"]}
    job = _kubernetes.render_job(config, project.name, run_id, image, command, variables)
    return _kubernetes.submit(client, config, job, run_id, _say)


def _download_paths(client: Client, declared: Mapping[str, Any], values: dict[str, str],
                    storage: Path) -> dict[str, str]:
    """`path` parameters given as artifact URIs are downloaded; the command gets the local copies."""
    local = dict(values)
    for position, (name, value) in enumerate(values.items()):
        if declared[name].type != "path" or not has_scheme(value):
            continue
        if value.startswith("file://"):
            local[name] = value[len("file://"):]
            continue
        # The artifact service finds files under a run's artifact root (".../<run_id>/artifacts") by path.
        root, marker, leaf = value.rstrip("/").rpartition("/artifacts/")
        parent = f"{root}/artifacts" if marker else value.rstrip("/").rpartition("/")[0]
        leaf = leaf if marker else value.rstrip("/").rpartition("/")[2]
        target = storage / f"param_{position}"
        try:
            local[name] = client.download_artifact_uri(parent, target, leaf)
        except Exception as exc:  # named for the user, with the parameter
            raise ExecutionError(f"parameters.{name}: could not download {value!r}: {exc}") from exc
    return local


def _experiment(client: Client, name: str | None, experiment_id: str | None) -> str:
    if experiment_id:
        return str(experiment_id)
    if name:
        experiment = client.get_experiment_by_name(name)
        if experiment is not None:
            return experiment.experiment_id
        return _fluent._create_by_name(client, name).experiment_id
    return _fluent._experiment_id()


def _parent_run_id() -> str | None:
    """The active run of this process, else the run this process itself is running as (a workflow step)."""
    active = _fluent.active_run()
    if active is not None:
        return active.run_id
    return os.environ.get(_fluent.RUN_ID_ENV) or None


def _tags(project: Project, source: Source, entry_point: str, manager: str, backend: str, command: str,
          client: Client) -> dict[str, str]:
    """What the run records about the project, with MLflow's tag names beside mlledger's."""
    name = source.git_url or str(source.directory)
    tags = {
        "mlflow.source.type": "PROJECT", "mlledger.source.type": "PROJECT",
        "mlflow.source.name": name, "mlledger.source.name": name,
        "mlflow.project.entryPoint": entry_point, "mlledger.project.entryPoint": entry_point,
        "mlflow.project.env": manager, "mlledger.project.env": manager,
        "mlflow.project.backend": backend, "mlledger.project.backend": backend,
        "mlledger.project.name": project.name, "mlledger.project.uri": source.uri,
        "mlledger.project.command": command, "mlflow.user": client._transport.actor,
        "mlledger.user": client._transport.actor,
    }
    if source.git_commit:
        tags["mlflow.source.git.commit"] = tags["mlledger.source.git.commit"] = source.git_commit
    if source.git_url:
        tags["mlflow.source.git.repoURL"] = tags["mlflow.gitRepoURL"] = source.git_url
        tags["mlledger.source.git.repoURL"] = source.git_url
    if source.git_branch and source.git_branch != "HEAD":
        tags["mlflow.source.git.branch"] = tags["mlledger.source.git.branch"] = source.git_branch
    if source.dirty is not None:
        tags["mlledger.source.git.dirty"] = str(source.dirty).lower()
    return tags

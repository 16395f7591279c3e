"""`mlledger run`: run an entry point of a project (local directory or git URL) as a tracked run."""

from __future__ import annotations

import signal
import sys
from pathlib import Path

import click


def _parse_parameters(values: tuple[str, ...]) -> dict[str, str]:
    parameters: dict[str, str] = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"expected KEY=VALUE, got {item!r}", param_hint="-P")
        parameters[key] = value
    return parameters


@click.command("run", short_help="Run a project's entry point as a tracked run.")
@click.argument("uri")
@click.option("-e", "--entry-point", default="main", show_default=True, help="Entry point (or a .py/.sh file).")
@click.option("-P", "--param", "params", multiple=True, metavar="KEY=VALUE",
              help="A parameter; repeat for several. Undeclared ones are passed as --KEY VALUE.")
@click.option("--experiment-name", envvar="MLLEDGER_EXPERIMENT_NAME", default=None, help="Experiment of the run.")
@click.option("--experiment-id", envvar="MLLEDGER_EXPERIMENT_ID", default=None, help="Experiment id of the run.")
@click.option("--run-name", default=None, help="Name of the run.")
@click.option("--env-manager", type=click.Choice(["local", "virtualenv", "uv", "conda"]), default=None,
              help="How to provide the environment [default: the project's own: uv or virtualenv for "
                   "python_env, conda for conda_env, local for none].")
@click.option("--version", "version", default=None, metavar="REF", help="Git commit, branch or tag to run.")
@click.option("--build-image", is_flag=True, help="Build a Docker image with the project's files (docker_env).")
@click.option("--backend", type=click.Choice(["local", "kubernetes"]), default="local", show_default=True)
@click.option("--backend-config", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="JSON file configuring the backend (Kubernetes: image, context, template, resources).")
def run_command(uri: str, entry_point: str, params: tuple[str, ...], experiment_name: str | None,
                experiment_id: str | None, run_name: str | None, env_manager: str | None, version: str | None,
                build_image: bool, backend: str, backend_config: Path | None) -> None:
    """Run ENTRY of the project at URI (a directory or a git URL, `#subdirectory` allowed) as a tracked run.

    Parameters are checked against their types before anything runs. The command's output streams
    here and is saved on the run; Ctrl-C stops the command and marks the run KILLED. The exit code
    is the command's.
    """
    from mlledger import errors
    from mlledger.projects import LocalSubmittedRun
    from mlledger.projects import run as run_project

    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _terminate)
    try:
        submitted = run_project(uri, entry_point, _parse_parameters(params), experiment_name=experiment_name,
                                experiment_id=experiment_id, run_name=run_name, env_manager=env_manager,
                                version=version, backend=backend, backend_config=backend_config,
                                synchronous=False, build_image=build_image)
    except errors.MlledgerError as exc:
        raise click.ClickException(str(exc)) from exc
    try:
        finished = submitted.wait()
    except KeyboardInterrupt:
        click.echo(f"mlledger: run {submitted.run_id} interrupted; it is KILLED", err=True)
        sys.exit(130)
    status = submitted.get_status()
    click.echo(f"mlledger: run {submitted.run_id} {status}", err=True)
    if isinstance(submitted, LocalSubmittedRun) and not finished:
        code = submitted.exit_code
        sys.exit(code if code and code > 0 else 1)
    if not finished and getattr(submitted, "submitted", False):  # a Kubernetes Job that did not complete
        sys.exit(1)


def _terminate(*_: object) -> None:
    raise KeyboardInterrupt

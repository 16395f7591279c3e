"""`mlledger purge run|experiment|model-version`: remove something for ever (administrators only)."""

from __future__ import annotations

from collections.abc import Callable

import click

from mlledger import errors
from mlledger._client_purge import PurgeResult

_uri = click.option("--tracking-uri", envvar="MLLEDGER_TRACKING_URI", default=None, help="The deployment's address.")
_yes = click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")


@click.group(short_help="Remove a run, an experiment or a model version for ever (administrators).")
def purge() -> None:
    """Hard-delete a run, an experiment or a model version: its data, artifacts and read-model rows
    are removed and its events' payloads redacted in the log; the purge itself is logged and
    published. It cannot take back what subscribers already received (docs/purge.md)."""


def _run(what: str, yes: bool, tracking_uri: str | None, call: Callable[..., PurgeResult]) -> None:
    from mlledger.client import Client

    if not yes:
        click.confirm(f"Purge {what} for ever? Its data cannot be recovered", abort=True)
    try:
        with Client(tracking_uri) as client:
            result = call(client)
    except errors.MlledgerError as exc:
        raise click.ClickException(str(exc)) from exc
    runs = f", {len(result.run_ids)} runs" if result.run_ids else ""
    click.echo(f"purged {what}{runs}: {result.redacted_events} events redacted, "
               f"{result.artifact_files} artifact files deleted")


@purge.command("run")
@click.argument("run_id")
@_uri
@_yes
def purge_run(run_id: str, tracking_uri: str | None, yes: bool) -> None:
    """Purge the run RUN_ID."""
    _run(f"run {run_id}", yes, tracking_uri, lambda client: client.purge_run(run_id))


@purge.command("experiment")
@click.argument("experiment_id")
@_uri
@_yes
def purge_experiment(experiment_id: str, tracking_uri: str | None, yes: bool) -> None:
    """Purge the experiment EXPERIMENT_ID and every run in it."""
    _run(f"experiment {experiment_id} and all its runs", yes, tracking_uri,
         lambda client: client.purge_experiment(experiment_id))


@purge.command("model-version")
@click.argument("name")
@click.argument("version", type=int)
@_uri
@_yes
def purge_model_version(name: str, version: int, tracking_uri: str | None, yes: bool) -> None:
    """Purge version VERSION of the registered model NAME."""
    _run(f"model version {name}/{version}", yes, tracking_uri,
         lambda client: client.purge_model_version(name, version))

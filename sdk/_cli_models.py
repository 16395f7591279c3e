"""`mlledger models ...`: batch scoring of files here; serving and packaging subcommands join the
group from their own modules (listed in EXTENSION_MODULES, imported when the group is used)."""

from __future__ import annotations

import importlib
import json
from typing import Any

import click

#: Modules that add subcommands to `models` when imported (they do `models.add_command(...)`).
EXTENSION_MODULES = ("mlledger.models.serving.cli",)


class _ModelsGroup(click.Group):
    """A click group that imports its extension modules before listing or finding a subcommand."""

    _loaded = False

    def _load(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        for module in EXTENSION_MODULES:
            try:
                importlib.import_module(module)
            except ModuleNotFoundError as exc:
                if exc.name is None or not module.startswith(exc.name):
                    raise  # the module exists but something it needs is missing: say so

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._load()
        return super().list_commands(ctx)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        self._load()
        return super().get_command(ctx, cmd_name)


@click.group("models", cls=_ModelsGroup)
def models() -> None:
    """Score, serve and package models (MLmodel directories, runs:/ and models:/ URIs)."""


def _params(text: str | None) -> dict[str, Any] | None:
    if not text:
        return None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise click.BadParameter(f"not JSON: {exc}", param_hint="--params") from None
    if not isinstance(value, dict):
        raise click.BadParameter("expected a JSON object such as '{\"predict_method\": \"predict_proba\"}'",
                                 param_hint="--params")
    return value


@models.command("predict")
@click.option("-m", "--model-uri", required=True, help="runs:/<run_id>/<path>, models:/<name>/<version|stage|latest>, "
              "models:/<name>@<alias> or a local directory.")
@click.option("-i", "--input-path", required=True, type=click.Path(exists=True, dir_okay=False),
              help="CSV, JSON lines or Parquet file to score.")
@click.option("-o", "--output-path", required=True, type=click.Path(dir_okay=False), help="Where predictions go.")
@click.option("-t", "--content-type", "input_format", type=click.Choice(["csv", "json", "jsonl", "parquet"]),
              help="Input format (default: from the file extension).")
@click.option("--output-format", type=click.Choice(["csv", "json", "jsonl", "parquet"]),
              help="Output format (default: from the file extension).")
@click.option("--chunk-rows", default=100_000, show_default=True, type=click.IntRange(min=1),
              help="Rows scored per chunk; memory use is bounded by this, not by the file.")
@click.option("--params", "params_json", help="Inference params as a JSON object.")
@click.option("--keep", "keep_columns", multiple=True, help="Input column to copy into the output (repeatable).")
@click.option("--include-input", is_flag=True, help="Copy every input column into the output.")
@click.option("--no-progress", is_flag=True, help="Do not show the progress bar.")
def predict(model_uri: str, input_path: str, output_path: str, input_format: str | None, output_format: str | None,
            chunk_rows: int, params_json: str | None, keep_columns: tuple[str, ...], include_input: bool,
            no_progress: bool) -> None:
    """Score a file in chunks: constant memory, whatever the file's size."""
    from mlledger.models.batch import file_format, predict_file
    from mlledger.models.enforce import SignatureError

    try:
        file_format(input_path, input_format)
        file_format(output_path, output_format)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    try:
        result = predict_file(model_uri, input_path, output_path, input_format=input_format,
                              output_format=output_format, chunk_rows=chunk_rows, params=_params(params_json),
                              keep_columns=list(keep_columns) or None, include_input=include_input,
                              progress=not no_progress)
    except SignatureError as exc:
        raise click.ClickException(f"the input does not match the model's signature: {exc}") from None
    click.echo(f"scored {result.rows:,} rows in {result.seconds:.2f} s "
               f"({result.rows_per_second:,.0f} rows/s) -> {output_path}", err=True)

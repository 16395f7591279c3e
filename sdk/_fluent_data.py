"""The fluent API's logging and reading functions: params, metrics, tags, inputs, runs, search."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

from mlledger import errors
from mlledger._entities import Dataset, DatasetInput, Experiment, PagedList, Param, Run, RunTag, ViewType
from mlledger._fluent import _batcher, _client, _experiment_id, _get_or_start_run, _state

MAX_KEY_LENGTH = 250
#: Largest page the service returns for a run search.
_MAX_PAGE = 50_000


# -- logging ---------------------------------------------------------------------------------

def log_metric(key: str, value: float, step: int | None = None, timestamp: int | None = None, *,
               synchronous: bool = False, run_id: str | None = None) -> None:
    """Log one metric point to the active run, batched in the background (synchronous=True also flushes)."""
    if key.__class__ is not str or not key or len(key) > MAX_KEY_LENGTH:
        raise errors.InvalidArgument("key", f"a metric key is a string of 1 to {MAX_KEY_LENGTH} characters, got {key!r}")
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise errors.InvalidArgument("value", f"metric {key!r}: expected a number, got {value!r}") from None
    try:
        step = int(step) if step is not None else 0
        timestamp = int(timestamp) if timestamp is not None else int(time.time() * 1000)
    except (TypeError, ValueError):
        field = "step" if not isinstance(step, int) else "timestamp"
        raise errors.InvalidArgument(field, f"metric {key!r}: expected an integer") from None
    if run_id is None:
        stack = getattr(_state.local, "runs", None)
        run_id = stack[-1].run_id if stack else _get_or_start_run()
    (_state.batcher or _batcher()).add(run_id, key, value, step, timestamp)
    if synchronous:
        _state.batcher.flush()  # type: ignore[union-attr]


def log_metrics(metrics: Mapping[str, float], step: int | None = None, timestamp: int | None = None, *,
                synchronous: bool = False, run_id: str | None = None) -> None:
    """Log several metrics at the same step and time."""
    timestamp = timestamp if timestamp is not None else int(time.time() * 1000)
    for key, value in metrics.items():
        log_metric(key, value, step, timestamp, run_id=run_id)
    if synchronous and _state.batcher is not None:
        _state.batcher.flush()


def log_param(key: str, value: Any) -> Any:
    """Log a param of the active run (immutable once logged); returns the value."""
    return _client().log_param(_get_or_start_run(), key, value)


def log_params(params: Mapping[str, Any]) -> None:
    """Log several params at once."""
    _client().log_batch(_get_or_start_run(), params=[Param(key, str(value)) for key, value in params.items()])


def set_tag(key: str, value: Any) -> None:
    """Set a tag on the active run."""
    _client().set_tag(_get_or_start_run(), key, value)


def set_tags(tags: Mapping[str, Any]) -> None:
    """Set several tags on the active run at once."""
    _client().log_batch(_get_or_start_run(), tags=[RunTag(key, str(value)) for key, value in tags.items()])


def delete_tag(key: str) -> None:
    """Remove a tag from the active run."""
    _client().delete_tag(_get_or_start_run(), key)


def log_input(dataset: Dataset, context: str | None = None, tags: Mapping[str, Any] | None = None) -> None:
    """Record that the active run used `dataset` (context e.g. "training", "evaluation")."""
    item = DatasetInput(dataset, context or "", {key: str(value) for key, value in (tags or {}).items()})
    _client().log_inputs(_get_or_start_run(), [item])


# -- reading ---------------------------------------------------------------------------------

def get_run(run_id: str) -> Run:
    """The run with this id; raises NotFound."""
    return _client().get_run(run_id)


def delete_run(run_id: str) -> None:
    """Soft-delete a run."""
    _client().delete_run(run_id)


def get_experiment(experiment_id: str) -> Experiment:
    """The experiment with this id; raises NotFound."""
    return _client().get_experiment(experiment_id)


def get_experiment_by_name(name: str) -> Experiment | None:
    """The experiment with this name, or None."""
    return _client().get_experiment_by_name(name)


def create_experiment(name: str, artifact_location: str | None = None, tags: Mapping[str, Any] | None = None) -> str:
    """Create an experiment; returns its id."""
    return _client().create_experiment(name, artifact_location, tags)


def search_runs(experiment_ids: Sequence[str] | None = None, filter_string: str = "",
                run_view_type: int = ViewType.ACTIVE_ONLY, max_results: int = 100_000,
                order_by: Sequence[str] | None = None, output_format: str = "pandas",
                search_all_experiments: bool = False, experiment_names: Sequence[str] | None = None) -> Any:
    """Runs matching `filter_string`, as a pandas DataFrame (MLflow's columns) or, with output_format="list", Runs.

    Without experiment ids or names it searches the active experiment (or every experiment
    with search_all_experiments=True).
    """
    if output_format not in ("pandas", "list"):
        raise errors.InvalidArgument("output_format", f"expected 'pandas' or 'list', got {output_format!r}")
    runs = _search_all_pages(_experiment_ids(experiment_ids, experiment_names, search_all_experiments),
                             filter_string, run_view_type, max_results, order_by)
    return runs if output_format == "list" else runs_to_dataframe(runs)


def _experiment_ids(experiment_ids: Sequence[str] | None, experiment_names: Sequence[str] | None,
                    search_all: bool) -> list[str]:
    client = _client()
    if isinstance(experiment_ids, str):
        experiment_ids = [experiment_ids]
    ids = [str(item) for item in experiment_ids or ()]
    for name in experiment_names or ():
        experiment = client.get_experiment_by_name(name)
        if experiment is not None:  # MLflow skips names that do not exist
            ids.append(experiment.experiment_id)
    if ids or experiment_names:
        return ids
    if search_all:
        return [item.experiment_id for item in client.search_experiments(view_type=ViewType.ALL, max_results=50_000)]
    return [_experiment_id() or "0"]


def _search_all_pages(experiment_ids: list[str], filter_string: str, view: int, max_results: int,
                      order_by: Sequence[str] | None) -> list[Run]:
    if not experiment_ids:
        return []
    client = _client()
    runs: list[Run] = []
    token: str | None = None
    while len(runs) < max_results:
        page = client.search_runs(experiment_ids, filter_string, view, min(max_results - len(runs), _MAX_PAGE),
                                  order_by, token)
        runs.extend(page)
        token = page.token
        if not token:
            break
    return PagedList(runs, token)


def runs_to_dataframe(runs: Sequence[Run]) -> Any:
    """Runs as a pandas DataFrame with MLflow's columns: run_id, ..., metrics.<k>, params.<k>, tags.<k>."""
    try:
        import pandas as pd
    except ImportError as exc:
        raise ImportError("search_runs(output_format='pandas') needs pandas: pip install 'mlledger[pandas]' "
                          "(or pass output_format='list')") from exc
    rows = []
    for run in runs:
        info = run.info
        row: dict[str, Any] = {
            "run_id": info.run_id, "experiment_id": info.experiment_id, "status": info.status,
            "artifact_uri": info.artifact_uri, "start_time": info.start_time, "end_time": info.end_time,
            "run_name": info.run_name,
        }
        row.update({f"metrics.{key}": value for key, value in run.data.metrics.items()})
        row.update({f"params.{key}": value for key, value in run.data.params.items()})
        row.update({f"tags.{key}": value for key, value in run.data.tags.items()})
        rows.append(row)
    base = ["run_id", "experiment_id", "status", "artifact_uri", "start_time", "end_time", "run_name"]
    frame = pd.DataFrame(rows, columns=_ordered_columns(base, rows))
    for column in ("start_time", "end_time"):
        frame[column] = pd.to_datetime(frame[column], unit="ms", utc=True)
    return frame


def _ordered_columns(base: list[str], rows: list[dict[str, Any]]) -> list[str]:
    extra = sorted({key for row in rows for key in row} - set(base),
                   key=lambda name: (("metrics.", "params.", "tags.").index(name.split(".", 1)[0] + "."), name))
    return base + extra

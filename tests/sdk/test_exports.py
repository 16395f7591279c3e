"""The public surface of the `mlledger` package is explicit and pinned."""

from __future__ import annotations

import mlledger

#: The complete public surface, sorted: adding or removing a name is a decision made here.
PUBLIC_NAMES = [
    "ActiveRun", "Client", "Dataset", "DatasetInput", "Experiment", "ExperimentTag", "FileInfo", "Metric",
    "ModelEvent", "ModelLineage", "ModelVersion", "PagedList", "Param", "RegisteredModel", "ResolvedModel", "Run",
    "RunData", "RunInfo", "RunInputs", "RunStatus", "RunTag", "StageChange", "ViewType", "__version__",
    "active_run", "create_experiment", "delete_run", "delete_tag", "download_artifacts", "end_run", "errors",
    "events", "flush", "get_experiment", "get_experiment_by_name", "get_run", "get_tracking_uri", "last_active_run",
    "list_artifacts", "log_artifact", "log_artifacts", "log_dict", "log_figure", "log_image", "log_input",
    "log_metric", "log_metrics", "log_param", "log_params", "log_text", "register_model", "resolve_model_uri",
    "search_runs", "set_experiment", "set_tag", "set_tags", "set_tracking_uri", "start_run"
]

TRACKING_NAMES = {
    "ActiveRun", "Dataset", "DatasetInput", "Experiment", "ExperimentTag", "Metric", "PagedList", "Param", "Run",
    "RunData", "RunInfo", "RunInputs", "RunStatus", "RunTag", "ViewType", "active_run", "create_experiment",
    "delete_run", "delete_tag", "end_run", "flush", "get_experiment", "get_experiment_by_name", "get_run",
    "get_tracking_uri", "last_active_run", "log_input", "log_metric", "log_metrics", "log_param", "log_params",
    "search_runs", "set_experiment", "set_tag", "set_tags", "set_tracking_uri", "start_run",
}


def test_all_is_sorted_and_every_name_exists():
    """`mlledger.__all__` is sorted, free of duplicates, and each name resolves."""
    assert mlledger.__all__ == sorted(set(mlledger.__all__))
    for name in mlledger.__all__:
        assert hasattr(mlledger, name), name


def test_tracking_names_are_exported():
    """Every tracking name of the fluent API and its result types is in `mlledger.__all__`."""
    assert TRACKING_NAMES <= set(mlledger.__all__)
    assert {"Client", "errors", "__version__"} <= set(mlledger.__all__)


def test_the_public_surface_is_exactly_the_pinned_list():
    """`mlledger.__all__` is exactly PUBLIC_NAMES, in order: nothing added or dropped unnoticed."""
    assert mlledger.__all__ == PUBLIC_NAMES

"""The public surface of the `mlledger` package is explicit and pinned."""

from __future__ import annotations

import mlledger

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

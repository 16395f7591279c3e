"""The fluent search_runs: filters, ordering, list output and MLflow-shaped pandas frames."""

from __future__ import annotations

import pandas as pd

import mlledger


def _three_runs() -> list[str]:
    run_ids = []
    for index, lr in enumerate(("0.1", "0.01", "0.001")):
        with mlledger.start_run(run_name=f"lr-{lr}") as run:
            mlledger.log_param("lr", lr)
            mlledger.log_metric("acc", 0.5 + index / 10)
            mlledger.set_tag("family", "cnn" if index < 2 else "mlp")
        run_ids.append(run.run_id)
    return run_ids


def test_search_runs_list_with_filter_and_order(fluent):
    """A metric filter and an order come back as Runs of the active experiment."""
    run_ids = _three_runs()
    runs = mlledger.search_runs(filter_string="metrics.acc > 0.55", order_by=["metrics.acc DESC"],
                                output_format="list")
    assert [run.info.run_id for run in runs] == [run_ids[2], run_ids[1]]
    assert runs[0].data.params == {"lr": "0.001"}


def test_search_runs_pandas_has_mlflow_columns(fluent):
    """The default pandas output has MLflow's run columns plus metrics.*, params.* and tags.*."""
    run_ids = _three_runs()
    frame = mlledger.search_runs(filter_string="tags.family = 'cnn'")
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.columns[:6]) == ["run_id", "experiment_id", "status", "artifact_uri", "start_time", "end_time"]
    assert {"metrics.acc", "params.lr", "tags.family"} <= set(frame.columns)
    assert set(frame["run_id"]) == set(run_ids[:2])
    assert set(frame["status"]) == {"FINISHED"}
    assert str(frame["start_time"].dtype).startswith("datetime64") and "UTC" in str(frame["start_time"].dtype)
    row = frame.set_index("run_id").loc[run_ids[1]]
    assert (row["metrics.acc"], row["params.lr"]) == (0.6, "0.01")


def test_search_runs_by_experiment_name_and_empty_result(fluent):
    """experiment_names selects experiments by name; no match gives an empty frame with the base columns."""
    run_ids = _three_runs()
    name = fluent.get_experiment(mlledger.get_run(run_ids[0]).info.experiment_id).name
    runs = mlledger.search_runs(experiment_names=[name], output_format="list", max_results=2)
    assert len(runs) == 2
    empty = mlledger.search_runs(filter_string="params.lr = 'none'")
    assert empty.empty and "run_id" in empty.columns

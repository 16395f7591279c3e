"""The example workflow (examples/workflow): three steps nested under one run, linked by their artifacts."""

from __future__ import annotations

from pathlib import Path

from tests.projects.conftest import runs_of

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "workflow"


def test_the_example_workflow_runs_its_three_steps_with_visible_lineage(run_cli, client, experiment_name):
    """One command runs load -> featurize -> train; each step is a child run taking its input's artifact URI."""
    result = run_cli(str(EXAMPLE), "-P", "rows=120", timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    runs = {run.info.run_id: run for run in runs_of(client, experiment_name)}
    assert len(runs) == 4
    parent = next(run for run in runs.values() if run.data.tags["mlledger.project.entryPoint"] == "main")
    assert parent.info.status == "FINISHED"
    steps = {run.data.tags["mlledger.project.entryPoint"]: client.get_run(run.info.run_id)
             for run in runs.values() if run is not parent}
    assert set(steps) == {"load", "featurize", "train"}
    for step in steps.values():
        assert step.info.status == "FINISHED"
        assert step.data.tags["mlledger.parentRunId"] == parent.info.run_id
        assert step.data.tags["mlflow.parentRunId"] == parent.info.run_id
    load, featurize, train = steps["load"], steps["featurize"], steps["train"]
    raw_uri = f"{load.info.artifact_uri}/raw/data.csv"
    features_uri = f"{featurize.info.artifact_uri}/features/features.csv"
    assert featurize.data.params["raw_data_uri"] == raw_uri
    assert train.data.params["features_uri"] == features_uri
    assert [item.dataset.source for item in featurize.inputs.dataset_inputs] == [raw_uri]
    assert [item.dataset.source for item in train.inputs.dataset_inputs] == [features_uri]
    assert load.data.metrics["rows"] == 120
    assert train.data.metrics["rmse"] < 1.0
    assert parent.data.tags["workflow.train"] == train.info.run_id
    assert [item.path for item in client.list_artifacts(train.info.run_id, "model")] == ["model/coefficients.json"]

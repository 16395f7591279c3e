"""The fluent API against the real stack: runs, nesting, statuses, params, tags, inputs, source."""

from __future__ import annotations

import subprocess

import pytest

import mlledger
from mlledger import _fluent, errors


def test_seed_example_logs_three_points(fluent):
    """The MLflow seed example runs unchanged and its three points come back from the history."""
    with mlledger.start_run() as run:
        for epoch in range(1, 4):
            mlledger.log_metric(key="quality", value=2 * epoch, step=epoch)
    history = fluent.get_metric_history(run.info.run_id, "quality")
    assert [(m.step, m.value) for m in history] == [(1, 2.0), (2, 4.0), (3, 6.0)]
    finished = mlledger.get_run(run.info.run_id)
    assert finished.info.status == "FINISHED"
    assert finished.info.end_time is not None and finished.info.end_time >= finished.info.start_time
    assert finished.data.metrics == {"quality": 6.0}


def test_starting_a_second_run_needs_nested(fluent):
    """start_run while a run is active raises FailedPrecondition unless nested=True."""
    with mlledger.start_run() as outer:
        with pytest.raises(errors.FailedPrecondition):
            mlledger.start_run()
        assert mlledger.active_run().run_id == outer.run_id


def test_nested_runs_carry_their_parent(fluent):
    """A nested run records its parent and becomes the active run until it ends."""
    with mlledger.start_run(run_name="parent") as parent:
        with mlledger.start_run(nested=True, run_name="child") as child:
            assert mlledger.active_run().run_id == child.run_id
            mlledger.log_param("depth", 2)
        assert mlledger.active_run().run_id == parent.run_id
    stored = mlledger.get_run(child.run_id)
    assert stored.info.parent_run_id == parent.run_id
    assert stored.data.tags["mlledger.parentRunId"] == parent.run_id
    assert stored.info.run_name == "child"
    assert stored.data.params == {"depth": "2"}
    assert mlledger.active_run() is None


def test_exception_marks_the_run_failed(fluent):
    """An exception inside `with start_run()` ends the run FAILED and propagates unchanged."""
    with pytest.raises(ZeroDivisionError):
        with mlledger.start_run() as run:
            mlledger.log_metric("loss", 0.5)
            1 / 0
    stored = mlledger.get_run(run.run_id)
    assert stored.info.status == "FAILED"
    assert stored.data.metrics == {"loss": 0.5}
    assert mlledger.active_run() is None
    assert mlledger.last_active_run().info.run_id == run.run_id


def test_plain_start_and_end_run_with_status(fluent):
    """start_run as a plain call stays active until end_run, which sets the given status."""
    run = mlledger.start_run(tags={"team": "vision"}, description="baseline")
    assert mlledger.active_run() is run
    with pytest.raises(errors.InvalidArgument):
        mlledger.end_run("DONE")
    assert mlledger.active_run() is run
    mlledger.end_run("KILLED")
    stored = mlledger.get_run(run.run_id)
    assert stored.info.status == "KILLED"
    assert stored.data.tags["team"] == "vision"
    assert stored.data.tags["mlledger.note.content"] == "baseline"


def test_resuming_a_run_reopens_it(fluent):
    """start_run(run_id=...) resumes an ended run: RUNNING again, and new points join the old ones."""
    with mlledger.start_run() as first:
        mlledger.log_metric("acc", 0.1, step=1)
    with mlledger.start_run(run_id=first.run_id) as resumed:
        assert resumed.info.status == "RUNNING"
        mlledger.log_metric("acc", 0.2, step=2)
    history = fluent.get_metric_history(first.run_id, "acc")
    assert [m.value for m in history] == [0.1, 0.2]


def test_run_records_its_source(fluent):
    """A new run carries the script path, the user, and the git commit when the script is in a repository."""
    with mlledger.start_run() as run:
        pass
    tags = mlledger.get_run(run.run_id).data.tags
    assert tags["mlledger.source.name"]
    assert tags["mlledger.user"] == fluent._transport.actor
    commit = subprocess.run(["git", "-C", tags["mlledger.source.name"].rsplit("/", 1)[0], "rev-parse", "HEAD"],
                            capture_output=True, text=True)
    if commit.returncode == 0:
        assert tags["mlledger.source.git.commit"] == commit.stdout.strip()
    else:
        assert "mlledger.source.git.commit" not in tags


def test_params_tags_and_inputs(fluent):
    """log_params, set_tags, delete_tag and log_input reach the run."""
    with mlledger.start_run() as run:
        assert mlledger.log_param("lr", 0.01) == 0.01
        mlledger.log_params({"batch": 32, "optimizer": "adam"})
        mlledger.set_tags({"stage": "dev", "owner": "ana"})
        mlledger.set_tag("temp", "x")
        mlledger.delete_tag("temp")
        dataset = mlledger.Dataset(name="mnist", digest="abc123", source_type="local", source='{"path": "/d"}')
        mlledger.log_input(dataset, context="training")
    stored = mlledger.get_run(run.run_id)
    assert stored.data.params == {"lr": "0.01", "batch": "32", "optimizer": "adam"}
    assert stored.data.tags["stage"] == "dev" and stored.data.tags["owner"] == "ana"
    assert "temp" not in stored.data.tags
    [used] = stored.inputs.dataset_inputs
    assert used.dataset == dataset and used.context == "training"


def test_logging_without_a_run_starts_one(fluent):
    """log_metric with no active run starts one in the active experiment, as MLflow does."""
    assert mlledger.active_run() is None
    mlledger.log_metric("x", 1.0)
    run = mlledger.active_run()
    assert run is not None
    experiment_id = run.info.experiment_id
    mlledger.end_run()
    assert mlledger.get_run(run.run_id).data.metrics == {"x": 1.0}
    assert experiment_id == fluent.get_experiment(experiment_id).experiment_id


def test_bad_metric_input_names_the_field(fluent):
    """A non-numeric value or step, or an empty key, is refused at the call, naming the offending field."""
    with mlledger.start_run():
        with pytest.raises(errors.InvalidArgument) as bad_value:
            mlledger.log_metric("loss", "not a number")
        assert bad_value.value.field == "value"
        with pytest.raises(errors.InvalidArgument) as bad_step:
            mlledger.log_metric("loss", 1.0, step="first")
        assert bad_step.value.field == "step"
        with pytest.raises(errors.InvalidArgument) as bad_key:
            mlledger.log_metric("", 1.0)
        assert bad_key.value.field == "key"


def test_set_experiment_creates_then_reuses(fluent):
    """set_experiment creates a missing experiment by name and returns the same one next time."""
    name = f"fluent-{id(fluent)}-reuse"
    first = mlledger.set_experiment(name)
    again = mlledger.set_experiment(name)
    assert first.experiment_id == again.experiment_id
    assert mlledger.get_experiment_by_name(name).experiment_id == first.experiment_id
    with mlledger.start_run() as run:
        pass
    assert run.info.experiment_id == first.experiment_id


def test_tracking_uri_defaults_and_overrides(fluent, mlledger_stack, monkeypatch):
    """get_tracking_uri: what set_tracking_uri set, else MLLEDGER_TRACKING_URI, else 127.0.0.1:50051."""
    mlledger.set_tracking_uri(f"grpc://{mlledger_stack.tracking_uri}")
    assert mlledger.get_tracking_uri() == mlledger_stack.tracking_uri
    with pytest.raises(errors.InvalidArgument):
        mlledger.set_tracking_uri("no-port")
    monkeypatch.setattr(_fluent._state, "tracking_uri", None)
    monkeypatch.delenv("MLLEDGER_TRACKING_URI", raising=False)
    assert mlledger.get_tracking_uri() == "127.0.0.1:50051"
    monkeypatch.setenv("MLLEDGER_TRACKING_URI", "10.1.2.3:4567")
    assert mlledger.get_tracking_uri() == "10.1.2.3:4567"

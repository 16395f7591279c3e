"""mlledger.Client's tracking calls against the real service, with plain Python results."""

from __future__ import annotations

import math
import time
import uuid

import pytest

import mlledger
from mlledger import errors
from mlledger import Metric, Param, RunTag, ViewType


def test_experiment_lifecycle(client):
    """Create, read by id and name, rename, tag, delete and restore an experiment."""
    name = f"lifecycle-{uuid.uuid4().hex[:8]}"
    experiment_id = client.create_experiment(name, tags={"team": "nlp"})
    experiment = client.get_experiment(experiment_id)
    assert (experiment.name, experiment.lifecycle_stage, experiment.tags) == (name, "active", {"team": "nlp"})
    assert experiment.creation_time is not None and experiment.creation_time <= time.time() * 1000
    assert client.get_experiment_by_name(name) == experiment
    renamed = client.rename_experiment(experiment_id, name + "-v2")
    assert renamed.name == name + "-v2"
    client.set_experiment_tag(experiment_id, "stage", "dev")
    client.delete_experiment_tag(experiment_id, "team")
    assert client.get_experiment(experiment_id).tags == {"stage": "dev"}
    client.delete_experiment(experiment_id)
    assert client.get_experiment(experiment_id).lifecycle_stage == "deleted"
    client.restore_experiment(experiment_id)
    assert client.get_experiment(experiment_id).lifecycle_stage == "active"


def test_missing_and_duplicate_experiments(client):
    """A missing name gives None, a missing id NotFound, a taken name AlreadyExists."""
    name = f"dup-{uuid.uuid4().hex[:8]}"
    assert client.get_experiment_by_name(name) is None
    client.create_experiment(name)
    with pytest.raises(errors.AlreadyExists):
        client.create_experiment(name)
    with pytest.raises(errors.NotFound):
        client.get_experiment("999999999")


def test_search_experiments_filters_and_pages(client):
    """search_experiments applies a name filter and hands out pages with a token."""
    prefix = f"page-{uuid.uuid4().hex[:8]}"
    for index in range(3):
        client.create_experiment(f"{prefix}-{index}")
    first = client.search_experiments(filter_string=f"name LIKE '{prefix}-%'", max_results=2, order_by=["name ASC"])
    assert [e.name for e in first] == [f"{prefix}-0", f"{prefix}-1"] and first.token
    rest = client.search_experiments(filter_string=f"name LIKE '{prefix}-%'", max_results=2, order_by=["name ASC"],
                                     page_token=first.token)
    assert [e.name for e in rest] == [f"{prefix}-2"] and rest.token is None


def test_run_lifecycle(client, experiment_id):
    """Create a run, rename it, end it, delete and restore it; each change is visible in get_run."""
    run = client.create_run(experiment_id, run_name="r1", tags={"k": "v"}, start_time=1_700_000_000_000)
    assert (run.info.status, run.info.run_name, run.info.start_time) == ("RUNNING", "r1", 1_700_000_000_000)
    assert run.data.tags["k"] == "v"
    info = client.update_run(run.info.run_id, name="r2")
    assert info.run_name == "r2" and info.status == "RUNNING"
    ended = client.set_terminated(run.info.run_id, "FAILED", end_time=1_700_000_100_000)
    assert (ended.status, ended.end_time) == ("FAILED", 1_700_000_100_000)
    client.delete_run(run.info.run_id)
    assert client.get_run(run.info.run_id).info.lifecycle_stage == "deleted"
    with pytest.raises(errors.FailedPrecondition):
        client.set_tag(run.info.run_id, "x", "y")
    client.restore_run(run.info.run_id)
    client.set_tag(run.info.run_id, "x", "y")
    assert client.get_run(run.info.run_id).data.tags["x"] == "y"


def test_update_run_rejects_an_unknown_status(client, experiment_id):
    """An unknown status is refused before any call, naming the field."""
    run = client.create_run(experiment_id)
    with pytest.raises(errors.InvalidArgument) as failure:
        client.update_run(run.info.run_id, status="DONE")
    assert failure.value.field == "status"


def test_log_batch_is_atomic(client, experiment_id):
    """log_batch stores metrics, params and tags together, and an invalid item stores nothing."""
    run_id = client.create_run(experiment_id).info.run_id
    client.log_batch(run_id, metrics=[Metric("a", 1.0, 1000, 0), Metric("a", 2.0, 2000, 1), Metric("b", math.inf, 1000)],
                     params=[Param("p", "1")], tags=[RunTag("t", "x")])
    run = client.get_run(run_id)
    assert run.data.metrics == {"a": 2.0, "b": math.inf}
    assert run.data.params == {"p": "1"} and run.data.tags["t"] == "x"
    with pytest.raises(errors.InvalidArgument):
        client.log_batch(run_id, metrics=[Metric("c", 1.0, 1000)], params=[Param("p", "changed")])
    assert "c" not in client.get_run(run_id).data.metrics


def test_param_is_immutable(client, experiment_id):
    """Re-logging a param with the same value is fine; a different value is InvalidArgument."""
    run_id = client.create_run(experiment_id).info.run_id
    assert client.log_param(run_id, "lr", 0.1) == 0.1
    client.log_param(run_id, "lr", 0.1)
    with pytest.raises(errors.InvalidArgument):
        client.log_param(run_id, "lr", 0.2)


def test_metric_history_and_bulk(client, experiment_id):
    """get_metric_history returns every point in step order; the bulk call covers several runs."""
    runs = [client.create_run(experiment_id).info.run_id for _ in range(2)]
    for offset, run_id in enumerate(runs):
        for step in (2, 0, 1):
            client.log_metric(run_id, "loss", step + offset, timestamp=1_700_000_000_000 + step, step=step)
    history = client.get_metric_history(runs[0], "loss")
    assert history == [Metric("loss", float(step), 1_700_000_000_000 + step, step) for step in range(3)]
    bulk = client.get_metric_history_bulk(runs, "loss")
    assert [m.value for m in bulk[runs[1]]] == [1.0, 2.0, 3.0]
    assert set(bulk) == set(runs)


def test_log_inputs_round_trip(client, experiment_id):
    """Dataset inputs come back with their context and tags."""
    run_id = client.create_run(experiment_id).info.run_id
    dataset = mlledger.Dataset("reviews", "d1g3st", "s3", '{"uri": "s3://b/reviews"}', '{"cols": []}', "{}")
    client.log_inputs(run_id, [mlledger.DatasetInput(dataset, "evaluation", {"split": "test"})])
    [item] = client.get_run(run_id).inputs.dataset_inputs
    assert item == mlledger.DatasetInput(dataset, "evaluation", {"split": "test"})


def test_search_runs_paging_and_view_type(client, experiment_id):
    """search_runs pages with a token and honours the lifecycle view."""
    run_ids = [client.create_run(experiment_id, run_name=f"r{index}").info.run_id for index in range(3)]
    client.delete_run(run_ids[0])
    page = client.search_runs([experiment_id], max_results=1, order_by=["attributes.run_name ASC"])
    assert [r.info.run_name for r in page] == ["r1"] and page.token
    deleted = client.search_runs(experiment_id, run_view_type=ViewType.DELETED_ONLY)
    assert [r.info.run_id for r in deleted] == [run_ids[0]]
    assert len(client.search_runs(experiment_id, run_view_type=ViewType.ALL)) == 3


def test_log_metric_columns_accepts_numpy(client, experiment_id):
    """Columns given as numpy arrays are stored point for point, and the count is returned."""
    import numpy as np

    run_id = client.create_run(experiment_id).info.run_id
    values = np.linspace(0.0, 1.0, 1000)
    stored = client.log_metric_columns(run_id, {"curve": (values, np.full(1000, 1_700_000_000_000), np.arange(1000))})
    assert stored == 1000
    read_values, timestamps, steps = client.get_metric_history_columns(run_id, "curve")
    assert read_values == values.tolist() and steps == list(range(1000))
    assert set(timestamps) == {1_700_000_000_000}


def test_stream_metrics_stores_every_batch(client, experiment_id):
    """stream_metrics sends several batches on one stream and reports the points stored."""
    run_id = client.create_run(experiment_id).info.run_id
    batches = [{"m": ([float(step)] * 10, [1_700_000_000_000] * 10, [step] * 10)} for step in range(3)]
    assert client.stream_metrics(run_id, batches) == 30
    assert client.get_metric_history_columns(run_id, "m")[2] == [0] * 10 + [1] * 10 + [2] * 10

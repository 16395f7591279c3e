"""Run RPCs: lifecycle, tags, nesting, inputs, and how writes to unknown or deleted runs fail."""

from __future__ import annotations

import grpc
import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from mlledger.v1 import tracking_pb2 as pb
from tests.tracking.conftest import rpc_error, series


def test_create_run_fields_and_artifact_uri(tracking, experiment_id):
    """A new run is RUNNING in its experiment with the given name, start time, tags and derived artifact URI."""
    start = Timestamp()
    start.FromMilliseconds(1_700_000_000_123)
    run = tracking.CreateRun(pb.CreateRunRequest(
        experiment_id=experiment_id, run_name="first", start_time=start, tags=[pb.Tag(key="a", value="b")]),
        metadata=[("x-mlledger-actor", "ada")]).run
    fetched = tracking.GetRun(pb.GetRunRequest(run_id=run.info.run_id)).run
    assert fetched.info == run.info
    assert (run.info.run_name, run.info.status, run.info.user_id) == ("first", pb.RUNNING, "ada")
    assert run.info.start_time.ToMilliseconds() == 1_700_000_000_123
    assert run.info.artifact_uri == f"mlledger-artifacts:/experiments/{experiment_id}/{run.info.run_id}/artifacts"
    assert [(t.key, t.value) for t in fetched.data.tags] == [("a", "b")]


def test_run_in_default_experiment_and_custom_location(tracking):
    """Without an experiment the run goes to "0"; a custom experiment location prefixes the run's URI."""
    run = tracking.CreateRun(pb.CreateRunRequest()).run
    assert run.info.experiment_id == "0"
    created = tracking.CreateExperiment(pb.CreateExperimentRequest(name=f"loc-{run.info.run_id}",
                                                                   artifact_location="s3://bucket/root/"))
    other = tracking.CreateRun(pb.CreateRunRequest(experiment_id=created.experiment_id)).run
    assert other.info.artifact_uri == f"s3://bucket/root/{other.info.run_id}/artifacts"


def test_create_run_in_unknown_experiment(tracking):
    """Creating a run in an experiment that does not exist is NOT_FOUND."""
    assert rpc_error(tracking.CreateRun, pb.CreateRunRequest(experiment_id="424242")).code() == grpc.StatusCode.NOT_FOUND


def test_nested_run_records_parent(tracking, experiment_id, run_id):
    """A nested run stores its parent id in info and as the mlledger.parentRunId tag; an unknown parent is NOT_FOUND."""
    child = tracking.CreateRun(pb.CreateRunRequest(experiment_id=experiment_id, parent_run_id=run_id)).run
    fetched = tracking.GetRun(pb.GetRunRequest(run_id=child.info.run_id)).run
    assert fetched.info.parent_run_id == run_id
    assert ("mlledger.parentRunId", run_id) in [(t.key, t.value) for t in fetched.data.tags]
    found = tracking.SearchRuns(pb.SearchRunsRequest(experiment_ids=[experiment_id],
                                                     filter=f"tags.`mlledger.parentRunId` = '{run_id}'"))
    assert [r.info.run_id for r in found.runs] == [child.info.run_id]
    error = rpc_error(tracking.CreateRun, pb.CreateRunRequest(experiment_id=experiment_id, parent_run_id="f" * 32))
    assert error.code() == grpc.StatusCode.NOT_FOUND


def test_update_run_status_end_time_and_name(tracking, run_id):
    """A terminal status sets the end time when none is given; the name changes only when present."""
    info = tracking.UpdateRun(pb.UpdateRunRequest(run_id=run_id, status=pb.FINISHED)).run_info
    assert info.status == pb.FINISHED and info.end_time.ToMilliseconds() > 0
    info = tracking.UpdateRun(pb.UpdateRunRequest(run_id=run_id, run_name="renamed")).run_info
    assert (info.status, info.run_name) == (pb.FINISHED, "renamed")
    error = rpc_error(tracking.UpdateRun, pb.UpdateRunRequest(run_id=run_id, status=42))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT and error.details().startswith("status:")


def test_run_tags(tracking, run_id):
    """SetTag overwrites, DeleteTag removes, deleting a missing tag is NOT_FOUND."""
    tracking.SetTag(pb.SetTagRequest(run_id=run_id, key="k", value="1"))
    tracking.SetTag(pb.SetTagRequest(run_id=run_id, key="k", value="2"))
    assert [(t.key, t.value) for t in tracking.GetRun(pb.GetRunRequest(run_id=run_id)).run.data.tags] == [("k", "2")]
    tracking.DeleteTag(pb.DeleteTagRequest(run_id=run_id, key="k"))
    assert not tracking.GetRun(pb.GetRunRequest(run_id=run_id)).run.data.tags
    assert rpc_error(tracking.DeleteTag, pb.DeleteTagRequest(run_id=run_id, key="k")).code() == grpc.StatusCode.NOT_FOUND


def test_log_inputs_are_returned_and_deduplicated(tracking, run_id):
    """Dataset inputs come back in Run.inputs in logging order; the same (name, digest, context) is stored once."""
    train = pb.DatasetInput(dataset=pb.Dataset(name="iris", digest="abc", source_type="local", source='{"p": 1}',
                                               schema="{}", profile='{"rows": 150}'), context="training")
    evaluation = pb.DatasetInput(dataset=pb.Dataset(name="iris", digest="abc"), context="evaluation")
    tracking.LogInputs(pb.LogInputsRequest(run_id=run_id, datasets=[train, evaluation]))
    tracking.LogInputs(pb.LogInputsRequest(run_id=run_id, datasets=[train]))
    inputs = tracking.GetRun(pb.GetRunRequest(run_id=run_id)).run.inputs.dataset_inputs
    assert list(inputs) == [train, evaluation]
    error = rpc_error(tracking.LogInputs, pb.LogInputsRequest(run_id=run_id, datasets=[pb.DatasetInput()]))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT and error.details().startswith("datasets[0].dataset.name:")


WRITES = {
    "LogParam": lambda run_id: pb.LogParamRequest(run_id=run_id, key="p", value="1"),
    "LogMetric": lambda run_id: pb.LogMetricRequest(run_id=run_id, key="m", value=1.0),
    "LogBatch": lambda run_id: pb.LogBatchRequest(run_id=run_id, metrics=[series("m", [1.0])]),
    "SetTag": lambda run_id: pb.SetTagRequest(run_id=run_id, key="t", value="v"),
    "UpdateRun": lambda run_id: pb.UpdateRunRequest(run_id=run_id, status=pb.FAILED),
    "LogInputs": lambda run_id: pb.LogInputsRequest(run_id=run_id, datasets=[pb.DatasetInput(dataset=pb.Dataset(name="d"))]),
}


@pytest.mark.parametrize("method", sorted(WRITES))
def test_writes_to_unknown_run_are_not_found(tracking, method):
    """Every write to a run that never existed is NOT_FOUND."""
    error = rpc_error(getattr(tracking, method), WRITES[method]("0" * 32))
    assert error.code() == grpc.StatusCode.NOT_FOUND


@pytest.mark.parametrize("method", sorted(WRITES))
def test_writes_to_deleted_run_fail_until_restored(tracking, experiment_id, method):
    """Every write to a soft-deleted run is FAILED_PRECONDITION and stores nothing; after restore it works."""
    run_id = tracking.CreateRun(pb.CreateRunRequest(experiment_id=experiment_id)).run.info.run_id
    tracking.DeleteRun(pb.DeleteRunRequest(run_id=run_id))
    before = tracking.GetRun(pb.GetRunRequest(run_id=run_id)).run
    assert before.info.lifecycle_stage == pb.DELETED
    error = rpc_error(getattr(tracking, method), WRITES[method](run_id))
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert tracking.GetRun(pb.GetRunRequest(run_id=run_id)).run == before
    tracking.RestoreRun(pb.RestoreRunRequest(run_id=run_id))
    getattr(tracking, method)(WRITES[method](run_id))
    assert tracking.GetRun(pb.GetRunRequest(run_id=run_id)).run != before


def test_get_unknown_run_and_missing_id(tracking):
    """GetRun of an unknown id is NOT_FOUND; an empty id is INVALID_ARGUMENT on run_id."""
    assert rpc_error(tracking.GetRun, pb.GetRunRequest(run_id="e" * 32)).code() == grpc.StatusCode.NOT_FOUND
    error = rpc_error(tracking.GetRun, pb.GetRunRequest())
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT and error.details().startswith("run_id:")


def test_create_run_after_experiment_deleted(tracking, experiment_id, run_id):
    """Once an experiment with runs is deleted, CreateRun there is FAILED_PRECONDITION and stores no run."""
    tracking.DeleteExperiment(pb.DeleteExperimentRequest(experiment_id=experiment_id))
    error = rpc_error(tracking.CreateRun, pb.CreateRunRequest(experiment_id=experiment_id))
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION and "deleted" in error.details()
    every = pb.SearchRunsRequest(experiment_ids=[experiment_id], run_view_type=pb.ALL)
    assert [run.info.run_id for run in tracking.SearchRuns(every).runs] == [run_id]
    tracking.RestoreExperiment(pb.RestoreExperimentRequest(experiment_id=experiment_id))
    tracking.CreateRun(pb.CreateRunRequest(experiment_id=experiment_id))
    assert len(tracking.SearchRuns(every).runs) == 2

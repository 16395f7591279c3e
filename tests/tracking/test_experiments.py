"""Experiment RPCs against the real tracking service."""

from __future__ import annotations

import grpc

from mlledger.v1 import tracking_pb2 as pb
from tests.tracking.conftest import rpc_error, unique


def test_default_experiment_exists(tracking):
    """Experiment "0" named "Default" exists from the start with the default artifact location."""
    default = tracking.GetExperiment(pb.GetExperimentRequest(experiment_id="0")).experiment
    assert (default.name, default.artifact_location) == ("Default", "mlledger-artifacts:/experiments/0")
    assert default.lifecycle_stage == pb.ACTIVE


def test_create_get_and_get_by_name(tracking):
    """A created experiment is readable by id and by name, with its tags and default location."""
    name = unique("create")
    created = tracking.CreateExperiment(pb.CreateExperimentRequest(name=name, tags=[pb.Tag(key="team", value="nlp")]))
    by_id = tracking.GetExperiment(pb.GetExperimentRequest(experiment_id=created.experiment_id)).experiment
    by_name = tracking.GetExperimentByName(pb.GetExperimentByNameRequest(name=name)).experiment
    assert by_id == by_name == created.experiment
    assert by_id.artifact_location == f"mlledger-artifacts:/experiments/{created.experiment_id}"
    assert [(t.key, t.value) for t in by_id.tags] == [("team", "nlp")]
    assert by_id.creation_time.ToMilliseconds() > 0


def test_custom_artifact_location_is_kept(tracking):
    """A caller-chosen artifact location is stored as given."""
    created = tracking.CreateExperiment(pb.CreateExperimentRequest(name=unique("loc"), artifact_location="s3://b/p"))
    assert created.experiment.artifact_location == "s3://b/p"


def test_duplicate_name_and_bad_names(tracking):
    """A taken name is ALREADY_EXISTS; an empty or too long name is INVALID_ARGUMENT on "name"."""
    name = unique("dup")
    tracking.CreateExperiment(pb.CreateExperimentRequest(name=name))
    assert rpc_error(tracking.CreateExperiment, pb.CreateExperimentRequest(name=name)).code() == grpc.StatusCode.ALREADY_EXISTS
    for bad in ("", "x" * 501):
        error = rpc_error(tracking.CreateExperiment, pb.CreateExperimentRequest(name=bad))
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT and error.details().startswith("name:")


def test_unknown_experiment_is_not_found(tracking):
    """Reading an experiment that never existed is NOT_FOUND, by id and by name."""
    assert rpc_error(tracking.GetExperiment, pb.GetExperimentRequest(experiment_id="999999")).code() == grpc.StatusCode.NOT_FOUND
    assert rpc_error(tracking.GetExperimentByName,
                     pb.GetExperimentByNameRequest(name=unique("none"))).code() == grpc.StatusCode.NOT_FOUND


def test_rename_delete_restore(tracking, experiment_id):
    """Renaming changes the name; delete hides from default search, restore brings it back."""
    new_name = unique("renamed")
    renamed = tracking.UpdateExperiment(pb.UpdateExperimentRequest(experiment_id=experiment_id, new_name=new_name))
    assert renamed.experiment.name == new_name
    tracking.DeleteExperiment(pb.DeleteExperimentRequest(experiment_id=experiment_id))
    assert tracking.GetExperiment(pb.GetExperimentRequest(experiment_id=experiment_id)).experiment.lifecycle_stage == pb.DELETED
    search = pb.SearchExperimentsRequest(filter=f"name = '{new_name}'")
    assert not tracking.SearchExperiments(search).experiments
    search.view_type = pb.DELETED_ONLY
    assert [e.experiment_id for e in tracking.SearchExperiments(search).experiments] == [experiment_id]
    error = rpc_error(tracking.CreateRun, pb.CreateRunRequest(experiment_id=experiment_id))
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    tracking.RestoreExperiment(pb.RestoreExperimentRequest(experiment_id=experiment_id))
    assert tracking.GetExperiment(pb.GetExperimentRequest(experiment_id=experiment_id)).experiment.lifecycle_stage == pb.ACTIVE


def test_default_experiment_cannot_be_deleted(tracking):
    """Deleting experiment "0" is FAILED_PRECONDITION."""
    error = rpc_error(tracking.DeleteExperiment, pb.DeleteExperimentRequest(experiment_id="0"))
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION


def test_experiment_tags(tracking, experiment_id):
    """Tags can be set, overwritten and deleted; deleting a missing tag is NOT_FOUND."""
    tracking.SetExperimentTag(pb.SetExperimentTagRequest(experiment_id=experiment_id, key="k", value="1"))
    tracking.SetExperimentTag(pb.SetExperimentTagRequest(experiment_id=experiment_id, key="k", value="2"))
    tags = tracking.GetExperiment(pb.GetExperimentRequest(experiment_id=experiment_id)).experiment.tags
    assert [(t.key, t.value) for t in tags] == [("k", "2")]
    tracking.DeleteExperimentTag(pb.DeleteExperimentTagRequest(experiment_id=experiment_id, key="k"))
    assert not tracking.GetExperiment(pb.GetExperimentRequest(experiment_id=experiment_id)).experiment.tags
    error = rpc_error(tracking.DeleteExperimentTag, pb.DeleteExperimentTagRequest(experiment_id=experiment_id, key="k"))
    assert error.code() == grpc.StatusCode.NOT_FOUND
    error = rpc_error(tracking.SetExperimentTag, pb.SetExperimentTagRequest(experiment_id=experiment_id, key="", value="v"))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT and error.details().startswith("key:")


def test_search_experiments_filter_order_and_paging(tracking):
    """Searching by name pattern and tag orders by name and pages through every match exactly once."""
    prefix = unique("page")
    for index in range(5):
        tags = [pb.Tag(key="parity", value=str(index % 2))]
        tracking.CreateExperiment(pb.CreateExperimentRequest(name=f"{prefix}-{index}", tags=tags))
    request = pb.SearchExperimentsRequest(filter=f"name LIKE '{prefix}-%' AND tags.parity = '0'",
                                          order_by=["name DESC"], page_size=2)
    names, pages = [], 0
    while True:
        reply = tracking.SearchExperiments(request)
        names += [e.name for e in reply.experiments]
        pages += 1
        if not reply.next_page_token:
            break
        request.page_token = reply.next_page_token
    assert names == [f"{prefix}-4", f"{prefix}-2", f"{prefix}-0"] and pages == 2

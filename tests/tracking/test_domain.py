"""Pure tracking rules: run updates, param immutability and page tokens."""

from __future__ import annotations

import pytest

from mlledger import errors
from mlledger.services.tracking import domain
from mlledger.v1 import tracking_pb2 as pb


def _running() -> pb.RunInfo:
    return pb.RunInfo(run_id="r", status=pb.RUNNING, run_name="n")


def test_terminal_status_ends_the_run_now():
    """FINISHED without an end time sets the end time to now and records the previous status."""
    update = domain.run_update(_running(), pb.UpdateRunRequest(run_id="r", status=pb.FINISHED), now=1234)
    assert update is not None
    assert (update.status, update.previous_status, update.end_time.ToMilliseconds()) == (pb.FINISHED, pb.RUNNING, 1234)


def test_update_that_changes_nothing_has_no_event():
    """Re-sending the current status and name yields no event."""
    request = pb.UpdateRunRequest(run_id="r", status=pb.RUNNING, run_name="n")
    assert domain.run_update(_running(), request, now=1) is None


def test_new_value_for_logged_param_names_both_values():
    """A different value for a logged param is rejected naming the key, the old and the new value."""
    with pytest.raises(errors.InvalidArgument) as caught:
        domain.new_params("params", [pb.Param(key="a", value="1"), pb.Param(key="lr", value="2")], {"lr": "1"})
    assert caught.value.field == "params[1].value"
    assert "'lr'" in caught.value.description and "'1'" in caught.value.description and "'2'" in caught.value.description


def test_identical_params_are_not_logged_again():
    """Params already logged with the same value are dropped from what gets stored."""
    fresh = domain.new_params("params", [pb.Param(key="lr", value="1"), pb.Param(key="b", value="2")], {"lr": "1"})
    assert [p.key for p in fresh] == ["b"]


def test_artifact_locations():
    """The default location is under mlledger-artifacts; a run's URI appends <run_id>/artifacts."""
    assert domain.artifact_location("7", "") == "mlledger-artifacts:/experiments/7"
    assert domain.run_artifact_uri(domain.artifact_location("7", "s3://b/x/"), "abc") == "s3://b/x/abc/artifacts"

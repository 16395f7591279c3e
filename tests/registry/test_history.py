"""History and as-of reads: the registry's state at a past position or time, folded from the log."""

from __future__ import annotations

import datetime as dt
import time

import pytest

import mlledger
from mlledger import errors
from mlledger.services.registry.events import PAYLOADS


def _head(client, name):
    return client.get_model_history(name)[-1].position


def test_history_lists_every_event_of_model_and_versions(client, ready_model):
    """GetHistory returns the model's and its versions' events in log order; a version filter narrows it."""
    name = ready_model(2)
    client.transition_model_version_stage(name, 2, "Staging")
    events = client.get_model_history(name)
    assert [e.type for e in events] == [
        "registered_model.created", "model_version.created", "model_version.ready", "model_version.created",
        "model_version.ready", "model_version.stage_transitioned"]
    assert [e.position for e in events] == sorted(e.position for e in events)
    assert all(e.actor == "registry-tests" for e in events)
    assert all(isinstance(e.payload, PAYLOADS[e.type]) for e in events)  # each type has its one payload message
    assert {e.stream.split("/")[0] for e in events} == {"registered_model", "model_version"}
    assert [e.type for e in client.get_model_history(name, 2)][-1] == "model_version.stage_transitioned"
    assert len(client.get_model_history(name, limit=2)) == 2
    assert client.get_model_history(name, after_position=events[2].position)[0].position == events[3].position


def test_which_version_was_in_production_and_who_put_it_there(client, mlledger_stack, ready_model):
    """As of a past position or time, the old Production version and the actor who put it there come back."""
    name = ready_model(2)
    with mlledger.Client(mlledger_stack.tracking_uri, actor="alice") as alice:
        alice.transition_model_version_stage(name, 1, "Production")
    then = _head(client, name)
    time.sleep(0.05)
    moment = dt.datetime.now(dt.timezone.utc)
    time.sleep(0.05)
    client.transition_model_version_stage(name, 2, "Production", archive_existing_versions=True)
    for as_of in (then, moment):
        past = client.get_latest_versions(name, ["Production"], as_of=as_of)
        assert [v.version for v in past] == [1]
        assert past[0].last_stage_change.actor == "alice"
        assert client.get_model_version(name, 1, as_of=as_of).current_stage == "Production"
    now = client.get_latest_versions(name, ["Production"])
    assert [v.version for v in now] == [2] and now[0].last_stage_change.actor == "registry-tests"
    assert client.get_model_version(name, 1).current_stage == "Archived"


def test_as_of_follows_renames_and_aliases(client, ready_model):
    """As-of reads find a model by the name it had then, and an alias where it pointed then."""
    name = ready_model(2)
    client.set_registered_model_alias(name, "champion", 1)
    then = _head(client, name)
    client.set_registered_model_alias(name, "champion", 2)
    client.rename_registered_model(name, name + "-v2")
    assert client.get_model_version_by_alias(name, "champion", as_of=then).version == 1
    assert client.get_model_version_by_alias(name + "-v2", "champion").version == 2
    with pytest.raises(errors.NotFound):
        client.get_registered_model(name + "-v2", as_of=then)
    with pytest.raises(errors.NotFound):
        client.get_registered_model(name)


def test_as_of_before_creation_is_not_found(client, ready_model):
    """A model read as of a time before it existed is NotFound."""
    before = dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=1)
    name = ready_model(1)
    with pytest.raises(errors.NotFound):
        client.get_registered_model(name, as_of=before)


def test_fold_at_head_equals_the_live_read_model(client, ready_model):
    """Folding the log up to now gives exactly the live read model's answer (same domain rules both ways)."""
    name = ready_model(3)
    client.transition_model_version_stage(name, 1, "Production")
    client.transition_model_version_stage(name, 2, "Staging")
    client.set_registered_model_tag(name, "team", "risk")
    client.set_model_version_tag(name, 3, "k", "v")
    client.set_registered_model_alias(name, "champion", 1)
    client.update_model_version(name, 2, "described")
    client.delete_model_version(name, 3)
    head = _head(client, name)
    assert client.get_registered_model(name, as_of=head) == client.get_registered_model(name)
    for number in (1, 2):
        assert client.get_model_version(name, number, as_of=head) == client.get_model_version(name, number)


def test_bad_as_of_position_is_invalid_argument(client, ready_model):
    """A non-positive as-of position is INVALID_ARGUMENT on "as_of.position"."""
    name = ready_model(1)
    with pytest.raises(errors.InvalidArgument) as caught:
        client.get_registered_model(name, as_of=0)
    assert caught.value.field == "as_of.position"

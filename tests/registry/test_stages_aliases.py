"""Stage transitions (with archiving and stale-view conflicts), aliases and models:/ URI resolution."""

from __future__ import annotations

import pytest

from mlledger import errors


def test_transition_records_who_and_from_where(client, ready_model):
    """A transition moves the version and records from/to stage and the actor."""
    name = ready_model(1)
    moved = client.transition_model_version_stage(name, 1, "staging")
    assert moved.current_stage == "Staging"
    change = moved.last_stage_change
    assert (change.from_stage, change.to_stage, change.actor) == ("None", "Staging", "registry-tests")


def test_archive_existing_versions_archives_the_others_in_one_commit(client, ready_model):
    """Promoting v3 with archive_existing_versions archives v1 and v2 (in Production) but not v4 (in Staging)."""
    name = ready_model(4)
    for number in (1, 2):
        client.transition_model_version_stage(name, number, "Production")
    client.transition_model_version_stage(name, 4, "Staging")
    client.transition_model_version_stage(name, 3, "Production", archive_existing_versions=True)
    stages = {v: client.get_model_version(name, v).current_stage for v in (1, 2, 3, 4)}
    assert stages == {1: "Archived", 2: "Archived", 3: "Production", 4: "Staging"}
    assert client.get_model_version(name, 1).last_stage_change.archived_by_version == 3
    positions = {e.position for e in client.get_model_history(name)
                 if e.type == "model_version.stage_transitioned" and e.data.get("archived_by_version") == "3"}
    main = [e for e in client.get_model_history(name, 3) if e.type == "model_version.stage_transitioned"][-1]
    assert main.data["archived_versions"] == ["1", "2"] and len(positions) == 2
    assert [v.version for v in client.get_latest_versions(name, ["Production"])] == [3]


def test_stale_expected_stage_is_aborted_and_changes_nothing(client, ready_model):
    """A transition expecting a stage the version has left raises ConcurrencyConflict and writes no event."""
    name = ready_model(1)
    client.transition_model_version_stage(name, 1, "Staging", expected_current_stage="None")
    before = len(client.get_model_history(name))
    with pytest.raises(errors.ConcurrencyConflict):
        client.transition_model_version_stage(name, 1, "Production", expected_current_stage="None")
    assert client.get_model_version(name, 1).current_stage == "Staging"
    assert len(client.get_model_history(name)) == before


def test_bad_stage_and_archive_flag_are_invalid(client, ready_model):
    """An unknown stage or archiving when moving to Archived is INVALID_ARGUMENT naming the field."""
    name = ready_model(1)
    with pytest.raises(errors.InvalidArgument) as caught:
        client.transition_model_version_stage(name, 1, "Prod")
    assert caught.value.field == "stage"
    with pytest.raises(errors.InvalidArgument) as caught:
        client.transition_model_version_stage(name, 1, "Archived", archive_existing_versions=True)
    assert caught.value.field == "archive_existing_versions"


def test_latest_versions_per_stage(client, ready_model):
    """GetLatestVersions returns the highest version of each stage asked for."""
    name = ready_model(3)
    client.transition_model_version_stage(name, 1, "Production")
    client.transition_model_version_stage(name, 2, "Production")
    assert [(v.version, v.current_stage) for v in client.get_latest_versions(name)] == [(2, "Production"),
                                                                                     (3, "None")]
    assert [v.version for v in client.get_latest_versions(name, ["Staging"])] == []


def test_alias_points_at_one_version_and_moves(client, ready_model):
    """Setting an existing alias moves it: one version holds it, and the move is one alias.set event."""
    name = ready_model(2)
    client.set_registered_model_alias(name, "champion", 1)
    client.set_registered_model_alias(name, "champion", 2)
    assert client.get_model_version_by_alias(name, "champion").version == 2
    assert client.get_model_version(name, 1).aliases == ()
    assert client.get_registered_model(name).aliases == {"champion": 2}
    moves = [e for e in client.get_model_history(name) if e.type == "alias.set"]
    assert moves[-1].data["previous_version"] == "1" and moves[-1].data["version"] == "2"
    client.delete_registered_model_alias(name, "champion")
    with pytest.raises(errors.NotFound):
        client.get_model_version_by_alias(name, "champion")


def test_alias_rules(client, ready_model):
    """Aliases to missing versions are NotFound; reserved or malformed aliases are INVALID_ARGUMENT on "alias"."""
    name = ready_model(1)
    with pytest.raises(errors.NotFound):
        client.set_registered_model_alias(name, "champion", 9)
    for bad in ("latest", "v2", "has space"):
        with pytest.raises(errors.InvalidArgument) as caught:
            client.set_registered_model_alias(name, bad, 1)
        assert caught.value.field == "alias"


def test_deleting_a_version_removes_its_aliases(client, ready_model):
    """An alias pointing at a deleted version is removed with it."""
    name = ready_model(2)
    client.set_registered_model_alias(name, "shadow", 2)
    client.delete_model_version(name, 2)
    assert client.get_registered_model(name).aliases == {}


def test_resolve_model_uris(client, ready_model):
    """models:/ URIs resolve by number, stage, 'latest' and alias to the version and its storage location."""
    name = ready_model(3)
    client.transition_model_version_stage(name, 2, "Production")
    client.set_registered_model_alias(name, "champion", 1)
    cases = {f"models:/{name}/3": 3, f"models:/{name}/Production": 2, f"models:/{name}/production": 2,
             f"models:/{name}/latest": 3, f"models:/{name}@champion": 1}
    for uri, expected in cases.items():
        resolved = client.resolve_model_uri(uri)
        assert resolved.model_version.version == expected, uri
        assert resolved.storage_location == resolved.model_version.storage_location != ""
    with pytest.raises(errors.NotFound):
        client.resolve_model_uri(f"models:/{name}/Staging")


@pytest.mark.parametrize("uri", ["", "runs:/x/y", "models:/", "models:/a/b/c", "models:/a/Prod"])
def test_bad_uris_are_invalid_argument_naming_uri(client, uri):
    """Malformed models:/ URIs are INVALID_ARGUMENT on the field "uri"."""
    with pytest.raises(errors.InvalidArgument) as caught:
        client.resolve_model_uri(uri)
    assert caught.value.field == "uri"

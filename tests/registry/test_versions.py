"""Model versions: registration from artifact locations, numbering under concurrency, edits, search."""

from __future__ import annotations

import concurrent.futures
import uuid
from pathlib import Path

import pytest

from mlledger import errors


def test_version_from_an_artifact_location_is_snapshotted(client, model_name, model_files, tmp_path):
    """A version registered from an artifact location is READY with its own copy of the files."""
    client.create_registered_model(model_name)
    source = model_files(b"the weights")
    version = client.create_model_version(model_name, source, description="first", tags={"k": "v"})
    assert (version.version, version.status, version.current_stage) == (1, "READY", "None")
    assert version.storage_location and version.storage_location != source
    assert version.tags == {"k": "v"} and version.run_id is None
    assert client.get_model_version_download_uri(model_name, 1) == version.storage_location
    client.delete_artifacts_uri(source)  # the source goes; the snapshot stays
    target = Path(client.download_artifact_uri(version.storage_location, tmp_path / "dl"))
    assert (target / "model.bin").read_bytes() == b"the weights"


def test_a_missing_source_gives_failed_registration(client, model_name):
    """When the snapshot fails the version exists as FAILED_REGISTRATION with the reason, and has no download URI."""
    client.create_registered_model(model_name)
    version = client.create_model_version(model_name, f"mlledger-artifacts:/scratch/{uuid.uuid4().hex}")
    assert version.status == "FAILED_REGISTRATION" and "NOT_FOUND" in version.status_message
    types = [e.type for e in client.get_model_history(model_name, 1)]
    assert types == ["model_version.created", "model_version.registration_failed"]
    with pytest.raises(errors.FailedPrecondition):
        client.get_model_version_download_uri(model_name, 1)


@pytest.mark.parametrize("source, field", [("", "source"), ("s3:/elsewhere", "source"), ("runs:/", "source")])
def test_bad_sources_are_invalid_argument(client, model_name, source, field):
    """A missing or unsupported source is INVALID_ARGUMENT naming "source", and no version is created."""
    client.create_registered_model(model_name)
    with pytest.raises(errors.InvalidArgument) as caught:
        client.create_model_version(model_name, source)
    assert caught.value.field == field
    assert client.search_model_versions(f"name = '{model_name}'") == []


def test_version_of_unknown_model_is_not_found(client, model_files):
    """Registering into a model that does not exist raises NotFound."""
    with pytest.raises(errors.NotFound):
        client.create_model_version(f"missing-{uuid.uuid4().hex}", model_files())


def test_concurrent_registrations_number_without_gaps_or_duplicates(client, model_name, model_files):
    """Twenty threads registering at once get the numbers 1..20, each exactly once."""
    client.create_registered_model(model_name)
    source = model_files()
    with concurrent.futures.ThreadPoolExecutor(20) as pool:
        versions = list(pool.map(lambda _: client.create_model_version(model_name, source), range(20)))
    assert sorted(v.version for v in versions) == list(range(1, 21))
    assert all(v.status == "READY" for v in versions)
    stored = client.search_model_versions(f"name = '{model_name}'", max_results=100)
    assert sorted(v.version for v in stored) == list(range(1, 21))


def test_deleted_version_numbers_are_not_reused(client, ready_model, model_files):
    """After deleting version 2 the next registration is 3, and version 2 is NotFound."""
    name = ready_model(2)
    client.delete_model_version(name, 2)
    with pytest.raises(errors.NotFound):
        client.get_model_version(name, 2)
    assert client.create_model_version(name, model_files()).version == 3


def test_version_description_and_tags(client, ready_model):
    """A version's description and tags change, and a missing tag deletion is NotFound."""
    name = ready_model(1)
    assert client.update_model_version(name, 1, "better").description == "better"
    client.set_model_version_tag(name, 1, "validated", "yes")
    assert client.get_model_version(name, "1").tags == {"validated": "yes"}
    client.delete_model_version_tag(name, 1, "validated")
    assert client.get_model_version(name, 1).tags == {}
    with pytest.raises(errors.NotFound):
        client.delete_model_version_tag(name, 1, "validated")


def test_bad_version_numbers_are_invalid_argument(client, ready_model):
    """Version 0 or a non-number is INVALID_ARGUMENT on "version"."""
    name = ready_model(1)
    for bad in (0, "x"):
        with pytest.raises(errors.InvalidArgument) as caught:
            client.get_model_version(name, bad)
        assert caught.value.field == "version"


def test_search_versions_by_name_tag_and_number(client, ready_model):
    """SearchModelVersions filters by name, version_number and tags and pages in order."""
    name = ready_model(3)
    client.set_model_version_tag(name, 2, "candidate", "true")
    assert [v.version for v in client.search_model_versions(f"name = '{name}'")] == [3, 2, 1]
    assert [v.version for v in client.search_model_versions(f"name = '{name}' AND tags.candidate = 'true'")] == [2]
    assert [v.version for v in client.search_model_versions(f"name = '{name}' AND version_number = 1")] == [1]
    first = client.search_model_versions(f"name = '{name}'", max_results=2, order_by=["version_number ASC"])
    rest = client.search_model_versions(f"name = '{name}'", max_results=2, order_by=["version_number ASC"],
                                        page_token=first.token)
    assert [v.version for v in first] + [v.version for v in rest] == [1, 2, 3] and rest.token is None

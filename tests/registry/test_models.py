"""Registered models: create, read, rename, describe, tag, delete and search."""

from __future__ import annotations

import uuid

import pytest

from mlledger import errors


def test_create_and_get_returns_what_was_stored(client, model_name):
    """A created model reads back with its description, tags and no versions."""
    created = client.create_registered_model(model_name, tags={"team": "risk"}, description="fraud scorer")
    got = client.get_registered_model(model_name)
    assert got == created
    assert got.description == "fraud scorer" and got.tags == {"team": "risk"}
    assert got.latest_versions == () and len(got.model_id) == 32


def test_duplicate_name_is_already_exists_and_stores_nothing(client, model_name):
    """Creating a taken name raises AlreadyExists and leaves the first model's history untouched."""
    client.create_registered_model(model_name)
    with pytest.raises(errors.AlreadyExists):
        client.create_registered_model(model_name, description="second")
    assert [e.type for e in client.get_model_history(model_name)] == ["registered_model.created"]
    assert client.get_registered_model(model_name).description == ""


def test_a_refused_duplicate_leaves_no_driver_warning_in_the_log(client, model_name, mlledger_stack):
    """The database refuses the duplicate name mid-transaction; the registry answers
    AlreadyExists and its log gains no line from the database driver about the aborted write."""
    log = mlledger_stack.stack.config.data_dir / "logs" / "registry.log"
    before = log.read_text().count("psycopg")
    client.create_registered_model(model_name)
    for _ in range(8):  # past the driver's threshold for preparing the statements
        with pytest.raises(errors.AlreadyExists):
            client.create_registered_model(model_name)
    assert log.read_text().count("psycopg") == before


@pytest.mark.parametrize("bad", ["", " padded", "a/b", "a@b", "x" * 300])
def test_bad_names_are_invalid_argument_naming_the_field(client, bad):
    """A malformed model name is refused with INVALID_ARGUMENT on the field "name"."""
    with pytest.raises(errors.InvalidArgument) as caught:
        client.create_registered_model(bad)
    assert caught.value.field == "name"


def test_unknown_model_is_not_found(client):
    """Reading a model that never existed raises NotFound naming it."""
    with pytest.raises(errors.NotFound) as caught:
        client.get_registered_model(f"missing-{uuid.uuid4().hex}")
    assert caught.value.resource_type == "registered model"


def test_rename_keeps_versions_and_history(client, ready_model):
    """After a rename the old name is free, the versions and the whole history follow the new name."""
    name = ready_model(1)
    new_name = name + "-renamed"
    renamed = client.rename_registered_model(name, new_name)
    assert renamed.name == new_name and renamed.latest_versions[0].name == new_name
    with pytest.raises(errors.NotFound):
        client.get_registered_model(name)
    types = [e.type for e in client.get_model_history(new_name)]
    assert types[0] == "registered_model.created" and types[-1] == "registered_model.renamed"
    client.create_registered_model(name)  # the old name can be reused by a new model
    assert client.get_registered_model(name).model_id != renamed.model_id


def test_rename_onto_a_taken_name_is_refused(client, model_name):
    """Renaming onto another model's name raises AlreadyExists and renames nothing."""
    other = model_name + "-other"
    client.create_registered_model(model_name)
    client.create_registered_model(other)
    with pytest.raises(errors.AlreadyExists):
        client.rename_registered_model(model_name, other)
    assert client.get_registered_model(model_name).name == model_name


def test_update_description_and_tags(client, model_name):
    """Descriptions and tags change, and deleting a missing tag is NotFound."""
    client.create_registered_model(model_name)
    assert client.update_registered_model(model_name, "new words").description == "new words"
    client.set_registered_model_tag(model_name, "k", "v1")
    client.set_registered_model_tag(model_name, "k", "v2")
    assert client.get_registered_model(model_name).tags == {"k": "v2"}
    client.delete_registered_model_tag(model_name, "k")
    assert client.get_registered_model(model_name).tags == {}
    with pytest.raises(errors.NotFound):
        client.delete_registered_model_tag(model_name, "k")


def test_delete_removes_the_model_but_keeps_its_history(client, ready_model):
    """A deleted model is gone from reads and searches while GetHistory still lists its events."""
    name = ready_model(1)
    client.delete_registered_model(name)
    with pytest.raises(errors.NotFound):
        client.get_registered_model(name)
    assert client.search_model_versions(f"name = '{name}'") == []
    assert client.get_model_history(name)[-1].type == "registered_model.deleted"


def test_search_filters_orders_and_pages(client):
    """Search applies name/tag filters, sorts and pages through every match exactly once."""
    prefix = f"search-{uuid.uuid4().hex[:8]}"
    for i in range(5):
        client.create_registered_model(f"{prefix}-{i}", tags={"parity": "even" if i % 2 == 0 else "odd"})
    found = client.search_registered_models(f"name LIKE '{prefix}-%' AND tags.parity = 'even'")
    assert [m.name for m in found] == [f"{prefix}-0", f"{prefix}-2", f"{prefix}-4"]
    assert client.search_registered_models(f"name ILIKE '{prefix.upper()}-1'")[0].name == f"{prefix}-1"
    names, token = [], None
    while True:
        page = client.search_registered_models(f"name LIKE '{prefix}%'", max_results=2,
                                               order_by=["name DESC"], page_token=token)
        names += [m.name for m in page]
        token = page.token
        if not token:
            break
    assert names == [f"{prefix}-{i}" for i in reversed(range(5))]


@pytest.mark.parametrize("bad", ["name ~ 'x'", "owner = 'x'", "name = 'x' AND", "name = 'x'; DROP TABLE x"])
def test_bad_filters_are_invalid_argument(client, bad):
    """A filter that does not parse or names an unknown attribute is INVALID_ARGUMENT on "filter"."""
    with pytest.raises(errors.InvalidArgument) as caught:
        client.search_registered_models(bad)
    assert caught.value.field == "filter"

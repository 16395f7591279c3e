"""The registry's SDK surface: mlledger.register_model, stage names, as-of arguments and exports."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

import mlledger
from mlledger import errors


@pytest.fixture
def run_with_model(client, experiment_id):
    """A run whose artifacts hold model/model.bin; returns its id."""
    run_id = client.create_run(experiment_id).info.run_id
    client.upload_artifact_bytes(client.get_artifact_uri(run_id), "model/model.bin", b"w")
    return run_id


def test_register_model_creates_the_model_when_missing(fluent, run_with_model):
    """mlledger.register_model creates the registered model on first use, then adds versions to it."""
    name = f"fluent-{uuid.uuid4().hex[:8]}"
    first = mlledger.register_model(f"runs:/{run_with_model}/model", name, tags={"by": "fluent"})
    second = mlledger.register_model(f"runs:/{run_with_model}/model", name)
    assert isinstance(first, mlledger.ModelVersion)
    assert (first.version, second.version) == (1, 2) and first.tags == {"by": "fluent"}
    assert first.run_id == run_with_model and first.lineage.run_id == run_with_model
    assert mlledger.resolve_model_uri(f"models:/{name}/latest").version == 2


def test_stage_names_are_mlflow_names_case_insensitively(client, run_with_model):
    """Stages are given and returned as MLflow's names ("Production"), any case accepted."""
    name = f"stages-{uuid.uuid4().hex[:8]}"
    client.create_registered_model(name)
    client.create_model_version(name, f"runs:/{run_with_model}/model")
    moved = client.transition_model_version_stage(name, "1", "PRODUCTION")
    assert moved.current_stage == "Production" and moved.last_stage_change.from_stage == "None"
    with pytest.raises(errors.InvalidArgument) as caught:
        client.get_latest_versions(name, ["Live"])
    assert caught.value.field == "stages[0]"


def test_as_of_accepts_datetimes_and_positions_only(client):
    """as_of must be a datetime or an int position; anything else is InvalidArgument before any call."""
    with pytest.raises(errors.InvalidArgument) as caught:
        client.get_registered_model("any", as_of="yesterday")  # type: ignore[arg-type]
    assert caught.value.field == "as_of"
    with pytest.raises(errors.NotFound):
        client.get_registered_model(f"missing-{uuid.uuid4().hex}", as_of=dt.datetime(2020, 1, 1))


def test_registry_names_are_exported():
    """The fluent registry calls and result types are part of `mlledger.__all__`."""
    names = {"ModelEvent", "ModelLineage", "ModelVersion", "RegisteredModel", "ResolvedModel", "StageChange",
             "register_model", "resolve_model_uri"}
    assert names <= set(mlledger.__all__)

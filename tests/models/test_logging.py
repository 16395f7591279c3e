"""Logging models into runs, registering them in the same call, and loading them by every URI form."""

from __future__ import annotations

import json
import uuid

import numpy as np
import pytest

import mlledger
import mlledger.pyfunc
import mlledger.sklearn
from mlledger import errors
from mlledger.models import Model, download_model


def test_log_register_and_load_by_every_uri_form(fluent, sk_model, iris_frame, model_cache):
    """A model logged with registered_model_name loads by runs:/, models:/ version, stage, alias and latest."""
    frame, _ = iris_frame
    name = f"iris-{uuid.uuid4().hex[:8]}"
    with mlledger.start_run() as run:
        info = mlledger.sklearn.log_model(sk_model, name="model", input_example=frame.head(3),
                                          registered_model_name=name)
    assert info.model_uri == f"runs:/{run.info.run_id}/model" and info.registered_model_version == 1
    assert sorted(info.flavors) == ["python_function", "sklearn"]
    fluent.transition_model_version_stage(name, 1, "Staging")
    fluent.set_registered_model_alias(name, "champion", 1)
    expected = sk_model.predict(frame)
    uris = [info.model_uri, f"models:/{name}/1", f"models:/{name}/Staging", f"models:/{name}@champion",
            f"models:/{name}/latest"]
    for uri in uris:
        loaded = mlledger.pyfunc.load_model(uri)
        assert np.array_equal(loaded.predict(frame), expected), uri
        assert loaded.metadata.run_id == run.info.run_id and loaded.metadata.artifact_path == "model"
    assert np.array_equal(mlledger.sklearn.load_model(f"models:/{name}/1").predict(frame), expected)


def test_logged_directory_is_stored_as_run_artifacts(fluent, sk_model, iris_frame):
    """The run's artifacts hold MLmodel, the pickle, the environment files and both example files; a run tag lists it."""
    frame, _ = iris_frame
    with mlledger.start_run() as run:
        mlledger.sklearn.log_model(sk_model, name="clf", input_example=frame.head(2))
    history = json.loads(fluent.get_run(run.info.run_id).data.tags["mlflow.log-model.history"])
    assert [(h["artifact_path"], sorted(h["flavors"])) for h in history] == [("clf", ["python_function", "sklearn"])]
    names = {f.path for f in fluent.list_artifacts(run.info.run_id, "clf")}
    assert names >= {f"clf/{n}" for n in ("MLmodel", "model.pkl", "requirements.txt", "python_env.yaml",
                                          "input_example.json", "serving_input_example.json")}


def test_second_load_uses_the_cache(fluent, sk_model, iris_frame, model_cache, tmp_path):
    """Downloads are cached by content digest: loading again returns the same directory untouched."""
    frame, _ = iris_frame
    with mlledger.start_run() as run:
        mlledger.sklearn.log_model(sk_model, name="model")
    first = download_model(f"runs:/{run.info.run_id}/model")
    marker = first / "marker"
    marker.write_text("seen")  # a fresh download would not have it
    second = download_model(f"runs:/{run.info.run_id}/model")
    assert second == first and marker.exists() and first.parent == model_cache
    assert Model.load(second).flavors["sklearn"]["pickled_model"] == "model.pkl"
    elsewhere = mlledger.pyfunc.load_model(f"runs:/{run.info.run_id}/model", dst_path=str(tmp_path / "here"))
    assert elsewhere.path == tmp_path / "here" / "model" and (elsewhere.path / "MLmodel").is_file()
    assert len(list(model_cache.iterdir())) == 1  # dst_path bypasses the cache


def test_same_content_in_two_runs_shares_one_cache_entry(fluent, tmp_path, model_cache):
    """Two runs holding byte-identical models resolve to one cached directory (the digest is of content)."""
    class Constant(mlledger.pyfunc.PythonModel):
        def predict(self, context, model_input, params=None):
            return [1] * len(model_input)

    directory = tmp_path / "constant"
    mlledger.pyfunc.save_model(directory, python_model=Constant())
    runs = []
    for _ in range(2):
        with mlledger.start_run() as run:
            mlledger.log_artifacts(str(directory), "model")
        runs.append(run.info.run_id)
    assert download_model(f"runs:/{runs[0]}/model") == download_model(f"runs:/{runs[1]}/model")


def test_custom_model_with_artifacts_round_trips(fluent, tmp_path, model_cache):
    """A PythonModel logged with an artifact reads it in load_context after a remote load."""
    weights = tmp_path / "weights.txt"
    weights.write_text("3")

    class Scale(mlledger.pyfunc.PythonModel):
        def load_context(self, context):
            self.factor = float(open(context.artifacts["weights"]).read())

        def predict(self, context, model_input, params=None):
            return model_input["x"] * self.factor

    import pandas as pd

    with mlledger.start_run():
        info = mlledger.pyfunc.log_model(name="scaler", python_model=Scale(), artifacts={"weights": str(weights)},
                                         input_example=pd.DataFrame({"x": [1.0, 2.0]}))
    loaded = mlledger.pyfunc.load_model(info.model_uri)
    assert list(loaded.predict(pd.DataFrame({"x": [1.0, 4.0]}))) == [3.0, 12.0]
    assert list(loaded.predict({"x": [2]})) == [6.0]  # int widened to the signature's double


def test_unknown_uris_fail_with_not_found(fluent, model_cache):
    """A models:/ URI naming no model, and a run path holding nothing, are NotFound."""
    with pytest.raises(errors.NotFound):
        mlledger.pyfunc.load_model(f"models:/absent-{uuid.uuid4().hex[:6]}/1")
    with mlledger.start_run() as run:
        pass
    with pytest.raises(errors.NotFound):
        mlledger.pyfunc.load_model(f"runs:/{run.info.run_id}/nothing")


def test_cli_scores_a_registered_version(fluent, sk_model, iris_frame, model_cache, tmp_path):
    """`mlledger models predict -m models:/<name>@<alias>` downloads the version and scores the file."""
    from click.testing import CliRunner

    from mlledger.cli import main

    frame, _ = iris_frame
    name = f"cli-{uuid.uuid4().hex[:8]}"
    with mlledger.start_run():
        mlledger.sklearn.log_model(sk_model, name="model", input_example=frame.head(2), registered_model_name=name)
    fluent.set_registered_model_alias(name, "live", 1)
    frame.to_json(tmp_path / "in.jsonl", orient="records", lines=True)
    result = CliRunner().invoke(main, ["models", "predict", "-m", f"models:/{name}@live", "-i",
                                       str(tmp_path / "in.jsonl"), "-o", str(tmp_path / "out.csv"), "--no-progress"])
    assert result.exit_code == 0, result.output
    import pandas as pd

    assert np.array_equal(pd.read_csv(tmp_path / "out.csv")["prediction"].to_numpy(), sk_model.predict(frame))

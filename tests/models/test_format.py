"""The model directory: MLmodel's fields, the files beside it, the sklearn flavor's methods, and a
flavor added from outside."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

import mlledger
import mlledger.pyfunc
import mlledger.sklearn
from mlledger.models import (Flavor, Model, SignatureError, load_input_example, load_serving_input_example,
                             register_flavor)


def test_saved_directory_has_mlflows_fields_and_files(tmp_path, sk_model, iris_frame):
    """MLmodel carries MLflow 3's fields plus mlledger_version; requirements, python_env and examples sit beside it."""
    frame, _ = iris_frame
    mlledger.sklearn.save_model(sk_model, tmp_path / "m", input_example=frame.head(3), metadata={"team": "risk"})
    files = {p.name for p in (tmp_path / "m").iterdir()}
    assert files == {"MLmodel", "model.pkl", "requirements.txt", "python_env.yaml", "conda.yaml",
                     "input_example.json", "serving_input_example.json"}
    content = yaml.safe_load((tmp_path / "m" / "MLmodel").read_text())
    assert {"flavors", "signature", "saved_input_example_info", "model_uuid", "utc_time_created", "model_size_bytes",
            "metadata", "mlledger_version"} <= set(content)
    assert content["saved_input_example_info"] == {"artifact_path": "input_example.json", "type": "dataframe",
                                                   "pandas_orient": "split",
                                                   "serving_input_path": "serving_input_example.json"}
    assert content["flavors"]["python_function"]["env"] == {"conda": "conda.yaml", "virtualenv": "python_env.yaml"}
    assert content["metadata"] == {"team": "risk"} and content["model_size_bytes"] > 0
    requirements = (tmp_path / "m" / "requirements.txt").read_text().split()
    assert any(line.startswith("scikit-learn==") for line in requirements)
    python_env = yaml.safe_load((tmp_path / "m" / "python_env.yaml").read_text())
    assert python_env["dependencies"] == ["-r requirements.txt"] and python_env["python"].count(".") == 2


def test_examples_read_back(tmp_path, sk_model, iris_frame):
    """The input example reads back as a DataFrame; the serving example is a dataframe_split request body."""
    frame, _ = iris_frame
    mlledger.sklearn.save_model(sk_model, tmp_path / "m", input_example=frame.head(2))
    model = Model.load(tmp_path / "m")
    assert np.allclose(load_input_example(model).to_numpy(), frame.head(2).to_numpy())
    body = load_serving_input_example(tmp_path / "m")
    assert body["dataframe_split"]["columns"] == list(frame.columns) and len(body["dataframe_split"]["data"]) == 2
    loaded = mlledger.pyfunc.load_model(str(tmp_path / "m"))
    assert load_serving_input_example(loaded.metadata) == body


def test_ndarray_example_gives_a_tensor_signature(tmp_path):
    """An array example is stored as {"inputs": ...} and implies a tensor signature with a free batch size."""
    class Total(mlledger.pyfunc.PythonModel):
        def predict(self, model_input, params=None):  # no context, as MLflow allows
            return np.asarray(model_input).sum(axis=1)

    example = np.arange(6, dtype=np.float64).reshape(2, 3)
    mlledger.pyfunc.save_model(tmp_path / "m", python_model=Total(), input_example=example)
    assert load_serving_input_example(tmp_path / "m") == {"inputs": example.tolist()}
    model = mlledger.pyfunc.load_model(str(tmp_path / "m"))
    assert model.metadata.signature.inputs.to_dict()[0]["tensor-spec"] == {"dtype": "float64", "shape": [-1, 3]}
    assert list(model.predict([[1, 2, 3]])) == [6.0]


def test_sklearn_predict_methods_through_params(tmp_path, sk_model, iris_frame):
    """predict_proba and predict_log_proba are reachable with params; an unknown method is refused by name."""
    frame, _ = iris_frame
    mlledger.sklearn.save_model(sk_model, tmp_path / "m", input_example=frame.head(2))
    model = mlledger.pyfunc.load_model(str(tmp_path / "m"))
    assert np.allclose(model.predict(frame, params={"predict_method": "predict_proba"}), sk_model.predict_proba(frame))
    assert np.allclose(model.predict(frame, params={"predict_method": "predict_log_proba"}),
                       sk_model.predict_log_proba(frame))
    with pytest.raises(SignatureError, match="param 'predict_method': 'fit'"):
        model.predict(frame, params={"predict_method": "fit"})
    assert type(mlledger.sklearn.load_model(str(tmp_path / "m"))) is type(sk_model)


def test_save_refuses_to_overwrite(tmp_path, sk_model):
    """Saving into a non-empty directory fails and leaves what was there."""
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "keep.txt").write_text("mine")
    with pytest.raises(FileExistsError):
        mlledger.sklearn.save_model(sk_model, tmp_path / "m")
    assert [p.name for p in (tmp_path / "m").iterdir()] == ["keep.txt"]


class _Upper:
    def __init__(self, path: Path) -> None:
        self.suffix = (path / "suffix.txt").read_text()

    def predict(self, data, params=None):
        return [str(v).upper() + self.suffix for v in data["text"]]


def test_a_flavor_is_one_registered_loader(tmp_path):
    """A flavor registered with register_flavor loads through mlledger.pyfunc.load_model by its loader_module."""
    register_flavor(Flavor("shouting", ("tests.shouting",), lambda path, model, conf: _Upper(path)))
    directory = tmp_path / "m"
    directory.mkdir()
    (directory / "suffix.txt").write_text("!")
    Model(flavors={"python_function": {"loader_module": "tests.shouting"}, "shouting": {}}).save(directory)
    assert mlledger.pyfunc.load_model(str(directory)).predict({"text": ["hi"]}) == ["HI!"]
    with pytest.raises(LookupError, match="no flavor loads models of loader_module 'tests.absent'"):
        Model(flavors={"python_function": {"loader_module": "tests.absent"}}).save(directory)
        mlledger.pyfunc.load_model(str(directory))

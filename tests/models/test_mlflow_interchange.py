"""Interchange with MLflow 3, both ways: MLflow's sklearn and custom models load here without MLflow
importable and predict the same values; mlledger's sklearn models load in MLflow.

MLflow runs in subprocesses (it is a test-only dependency); the loads that must work without it
run in a subprocess where importing `mlflow` fails.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pytest

import mlledger.pyfunc
import mlledger.sklearn

pytest.importorskip("mlflow", reason="mlflow is in the test extra")

#: Makes `import mlflow` (and any submodule) fail, as if MLflow were not installed.
BLOCK_MLFLOW = textwrap.dedent("""
    import sys

    class _NoMlflow:
        def find_spec(self, name, path=None, target=None):
            if name == "mlflow" or name.startswith("mlflow."):
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)
            return None

    sys.meta_path.insert(0, _NoMlflow())
""")

SAVE_WITH_MLFLOW = textwrap.dedent("""
    import json, sys
    import numpy as np, pandas as pd
    import mlflow.pyfunc, mlflow.sklearn
    from sklearn.ensemble import RandomForestClassifier

    root = sys.argv[1]
    rng = np.random.default_rng(5)
    X = pd.DataFrame({"a": rng.random(60), "b": rng.random(60), "n": rng.integers(0, 5, 60)})
    y = (X.a + X.n / 5 > X.b).astype(int)
    forest = RandomForestClassifier(n_estimators=5, random_state=0).fit(X, y)
    mlflow.sklearn.save_model(forest, f"{root}/sk_skops", input_example=X.head(3),
                              skops_trusted_types=["sklearn.tree._tree.Tree"])
    mlflow.sklearn.save_model(forest, f"{root}/sk_cloudpickle", serialization_format="cloudpickle",
                              input_example=X.head(3))

    class Affine(mlflow.pyfunc.PythonModel):
        def load_context(self, context):
            self.offset = float(open(context.artifacts["offset"]).read())

        def predict(self, context, model_input, params=None):
            scale = (params or {}).get("scale", 1.0)
            return model_input["a"] * scale + self.offset

    class NoContext(mlflow.pyfunc.PythonModel):
        def predict(self, model_input, params=None):
            return model_input["b"] * 10

    with open(f"{root}/offset.txt", "w") as f:
        f.write("0.5")
    from mlflow.models import infer_signature
    mlflow.pyfunc.save_model(f"{root}/custom", python_model=Affine(), artifacts={"offset": f"{root}/offset.txt"},
                             signature=infer_signature(X, params={"scale": 1.0}), input_example=X.head(2))
    mlflow.pyfunc.save_model(f"{root}/nocontext", python_model=NoContext(), input_example=X.head(2))
    X.to_json(f"{root}/X.json", orient="split")
    expected = {}
    for name in ("sk_skops", "sk_cloudpickle", "custom", "nocontext"):
        expected[name] = np.asarray(mlflow.pyfunc.load_model(f"{root}/{name}").predict(X)).tolist()
    expected["custom_scaled"] = np.asarray(
        mlflow.pyfunc.load_model(f"{root}/custom").predict(X, params={"scale": 3.0})).tolist()
    json.dump(expected, open(f"{root}/expected.json", "w"))

    # The other direction in the same process (importing MLflow is slow): load mlledger's model.
    ours = pd.read_json(f"{root}/ours_X.json", orient="split")
    estimator = mlflow.sklearn.load_model(f"{root}/ours")
    pyfunc = mlflow.pyfunc.load_model(f"{root}/ours")
    json.dump({"sklearn": estimator.predict_proba(ours).tolist(), "pyfunc": np.asarray(pyfunc.predict(ours)).tolist(),
               "signature_inputs": [c["name"] for c in pyfunc.metadata.get_input_schema().to_dict()]},
              open(f"{root}/ours_in_mlflow.json", "w"))
""")

LOAD_WITHOUT_MLFLOW = BLOCK_MLFLOW + textwrap.dedent("""
    import json
    import numpy as np, pandas as pd
    import mlledger.pyfunc

    try:
        import mlflow  # noqa: F401
        raise SystemExit("mlflow is importable")
    except ModuleNotFoundError:
        pass
    root = sys.argv[1]
    X = pd.read_json(f"{root}/X.json", orient="split")
    got = {}
    for name in ("sk_skops", "sk_cloudpickle", "custom", "nocontext"):
        got[name] = np.asarray(mlledger.pyfunc.load_model(f"{root}/{name}").predict(X)).tolist()
    got["custom_scaled"] = np.asarray(
        mlledger.pyfunc.load_model(f"{root}/custom").predict(X, params={"scale": 3.0})).tolist()
    got["mlflow_modules"] = sorted(m for m in sys.modules if m == "mlflow" or m.startswith("mlflow."))
    print(json.dumps(got))
""")

def _python(script: str, *args: str) -> str:
    env = {**os.environ, "MLFLOW_ALLOW_PICKLE_DESERIALIZATION": "true", "MLFLOW_TRACKING_URI": "file:///nonexistent"}
    done = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True, env=env, timeout=240)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


@pytest.fixture(scope="module")
def mlflow_models(tmp_path_factory, sk_model, iris_frame):
    """Models saved by MLflow itself (sklearn in skops and cloudpickle formats, two custom models); the
    same MLflow process loads an mlledger sklearn model (`ours`) and records what it predicted."""
    root = tmp_path_factory.mktemp("mlflow-models")
    frame, _ = iris_frame
    mlledger.sklearn.save_model(sk_model, root / "ours", input_example=frame.head(3))
    frame.to_json(root / "ours_X.json", orient="split")
    _python(SAVE_WITH_MLFLOW, str(root))
    return root


def test_mlflow_models_load_without_mlflow_and_predict_the_same(mlflow_models):
    """MLflow's sklearn (skops, cloudpickle) and PythonModel models score identically here, MLflow unimportable."""
    expected = json.loads((mlflow_models / "expected.json").read_text())
    got = json.loads(_python(LOAD_WITHOUT_MLFLOW, str(mlflow_models)))
    assert got.pop("mlflow_modules") == []
    assert set(got) == set(expected)
    for name, values in expected.items():
        assert np.allclose(got[name], values), name


def test_mlflow_signature_is_enforced_here(mlflow_models):
    """The signature MLflow wrote is read and enforced: a missing column is refused by name."""
    from mlledger.models import SignatureError

    model = mlledger.pyfunc.load_model(str(mlflow_models / "sk_cloudpickle"))
    assert [spec.name for spec in model.metadata.signature.inputs.inputs] == ["a", "b", "n"]
    with pytest.raises(SignatureError, match="missing required column 'n'"):
        model.predict(pd.DataFrame({"a": [0.1], "b": [0.2]}))


def test_mlledger_sklearn_model_loads_in_mlflow(mlflow_models, sk_model, iris_frame):
    """A model saved by mlledger.sklearn loads with mlflow.sklearn and mlflow.pyfunc and predicts the same."""
    frame, _ = iris_frame
    got = json.loads((mlflow_models / "ours_in_mlflow.json").read_text())
    assert np.allclose(got["sklearn"], sk_model.predict_proba(frame))
    assert np.array_equal(got["pyfunc"], sk_model.predict(frame))
    assert got["signature_inputs"] == list(frame.columns)

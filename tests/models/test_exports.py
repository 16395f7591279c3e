"""The public surface of mlledger.models, mlledger.pyfunc and mlledger.sklearn is explicit and pinned."""

from __future__ import annotations

import mlledger.models
import mlledger.pyfunc
import mlledger.sklearn


def test_all_is_sorted_and_every_name_exists():
    """Each package's `__all__` is sorted, free of duplicates, and each name resolves."""
    for package in (mlledger.models, mlledger.pyfunc):
        assert package.__all__ == sorted(set(package.__all__)), package.__name__
        for name in package.__all__:
            assert hasattr(package, name), f"{package.__name__}.{name}"


def test_the_interface_other_components_rely_on():
    """The names the scoring server, batch scoring and users import (MLflow's where MLflow has one)."""
    assert {"Model", "ModelSignature", "Schema", "ColSpec", "TensorSpec", "ParamSchema", "ParamSpec",
            "infer_signature", "SignatureError", "download_model", "load_serving_input_example"} <= set(
        mlledger.models.__all__)
    assert {"load_model", "PyFuncModel", "PythonModel", "save_model", "log_model", "spark_udf"} <= set(
        mlledger.pyfunc.__all__)
    assert all(callable(getattr(mlledger.sklearn, name)) for name in ("save_model", "log_model", "load_model"))
    assert issubclass(mlledger.models.SignatureError, ValueError)

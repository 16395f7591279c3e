"""The generic model interface: load any model as an object with `predict(data, params=None)`,
write custom models, and score Spark DataFrames (`spark_udf`)."""

from mlledger.models.model import PYFUNC_FLAVOR as FLAVOR_NAME
from mlledger.pyfunc.loading import PyFuncModel, load_model
from mlledger.pyfunc.python_model import PythonModel, PythonModelContext, log_model, save_model


def spark_udf(spark, model_uri, result_type="double", env_manager=None, params=None):  # type: ignore[no-untyped-def]
    """A pandas UDF that scores Spark DataFrame columns with the model (see mlledger.pyfunc.spark)."""
    from mlledger.pyfunc.spark import spark_udf as _spark_udf

    return _spark_udf(spark, model_uri, result_type=result_type, env_manager=env_manager, params=params)


__all__ = ["FLAVOR_NAME", "PyFuncModel", "PythonModel", "PythonModelContext", "load_model", "log_model",
           "save_model", "spark_udf"]

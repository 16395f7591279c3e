"""The generic model interface: load any model as an object with `predict(data, params=None)`,
write custom models, and score Spark DataFrames (`spark_udf`)."""

from mlledger.models.model import PYFUNC_FLAVOR as FLAVOR_NAME
from mlledger.pyfunc.loading import PyFuncModel, load_model
from mlledger.pyfunc.python_model import PythonModel, PythonModelContext, log_model, save_model
from mlledger.pyfunc.spark import spark_udf  # pyspark itself is imported only when spark_udf is called

__all__ = ["FLAVOR_NAME", "PyFuncModel", "PythonModel", "PythonModelContext", "load_model", "log_model",
           "save_model", "spark_udf"]

"""spark_udf in Spark local mode: one session for the module, small DataFrames."""

from __future__ import annotations

import os
import sys

import numpy as np
import pytest

import mlledger.pyfunc
import mlledger.sklearn

pyspark = pytest.importorskip("pyspark", reason="pyspark is in the test extra")


@pytest.fixture(scope="module")
def spark():
    """A local Spark session with one core (Java 17 on this machine)."""
    from pyspark.sql import SparkSession

    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
    session = (SparkSession.builder.master("local[1]").appName("mlledger-tests")
               .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "1")
               .config("spark.driver.memory", "512m").getOrCreate())
    yield session
    session.stop()


def test_spark_udf_scores_like_the_model(spark, tmp_path, sk_model, iris_frame, model_cache):
    """Predictions from the UDF (columns by signature, or named) equal the estimator's own."""
    frame, _ = iris_frame
    mlledger.sklearn.save_model(sk_model, tmp_path / "m", input_example=frame.head(3))
    data = spark.createDataFrame(frame.head(40)).repartition(2)
    udf = mlledger.pyfunc.spark_udf(spark, str(tmp_path / "m"), result_type="long")
    scored = data.withColumn("prediction", udf()).toPandas()
    assert np.array_equal(scored["prediction"].to_numpy(), sk_model.predict(scored[frame.columns]))
    renamed = data.toDF(*[f"c{i}" for i in range(4)])
    by_position = renamed.select(udf("c0", "c1", "c2", "c3").alias("p")).toPandas()
    assert sorted(by_position["p"]) == sorted(sk_model.predict(frame.head(40)))


def test_spark_udf_array_result_with_params(spark, tmp_path, sk_model, iris_frame, model_cache):
    """An array result type carries one list per row, e.g. class probabilities through predict_method."""
    frame, _ = iris_frame
    mlledger.sklearn.save_model(sk_model, tmp_path / "m", input_example=frame.head(3))
    udf = mlledger.pyfunc.spark_udf(spark, str(tmp_path / "m"), result_type="array<double>",
                                    params={"predict_method": "predict_proba"})
    scored = spark.createDataFrame(frame.head(10)).select(udf().alias("p")).toPandas()
    assert np.allclose(np.stack(scored["p"].to_numpy()), sk_model.predict_proba(frame.head(10)))

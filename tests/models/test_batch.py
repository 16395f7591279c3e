"""Batch scoring of files: each format in chunks, the CLI, and failures that leave no output behind."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

import mlledger.pyfunc
import mlledger.sklearn
from mlledger.cli import main
from mlledger.models import SignatureError
from mlledger.models.batch import predict_file

ROWS, CHUNK = 5_000, 1_000


class ChunkRecorder(mlledger.pyfunc.PythonModel):
    """Doubles `x` and records the size of every chunk it is given."""

    sizes: list[int] = []

    def predict(self, context, model_input, params=None):
        ChunkRecorder.sizes.append(len(model_input))
        return model_input["x"] * 2


@pytest.fixture(scope="module")
def table():
    rng = np.random.default_rng(3)
    return pd.DataFrame({"id": np.arange(ROWS), "x": rng.random(ROWS), "label": rng.choice(["a", "b"], ROWS)})


def _write(frame: pd.DataFrame, path, fmt: str) -> None:
    if fmt == "csv":
        frame.to_csv(path, index=False)
    elif fmt == "jsonl":
        frame.to_json(path, orient="records", lines=True)
    else:
        frame.to_parquet(path)


def _read(path, fmt: str) -> pd.DataFrame:
    if fmt == "csv":
        return pd.read_csv(path)
    if fmt == "jsonl":
        return pd.read_json(path, lines=True)
    return pq.read_table(path).to_pandas()


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_file_five_chunks_long_is_scored_chunk_by_chunk(tmp_path, table, fmt):
    """Every row is scored, in order, and the model never sees more than one chunk at a time."""
    mlledger.pyfunc.save_model(tmp_path / "m", python_model=ChunkRecorder(), input_example=table.head(3))
    source, target = tmp_path / f"in.{fmt}", tmp_path / f"out.{fmt}"
    _write(table, source, fmt)
    ChunkRecorder.sizes = []
    result = predict_file(str(tmp_path / "m"), source, target, chunk_rows=CHUNK, keep_columns=["id"], progress=False)
    assert (result.rows, result.chunks) == (ROWS, ROWS // CHUNK)
    assert ChunkRecorder.sizes == [CHUNK] * (ROWS // CHUNK)
    out = _read(target, fmt)
    assert list(out.columns) == ["id", "prediction"]
    assert np.array_equal(out["id"].to_numpy(), table["id"].to_numpy())
    assert np.allclose(out["prediction"].to_numpy(), table["x"].to_numpy() * 2)


def test_cli_scores_sklearn_probabilities_across_formats(tmp_path, sk_model, iris_frame):
    """`mlledger models predict` reads CSV, writes Parquet, and passes params (predict_proba columns)."""
    frame, _ = iris_frame
    mlledger.sklearn.save_model(sk_model, tmp_path / "m", input_example=frame.head(2))
    big = pd.concat([frame] * 20, ignore_index=True)
    big.to_csv(tmp_path / "in.csv", index=False)
    result = CliRunner().invoke(main, ["models", "predict", "-m", str(tmp_path / "m"), "-i", str(tmp_path / "in.csv"),
                                       "-o", str(tmp_path / "out.parquet"), "--chunk-rows", "700", "--no-progress",
                                       "--params", json.dumps({"predict_method": "predict_proba"})])
    assert result.exit_code == 0, result.output
    assert "scored 3,000 rows" in result.output
    out = pq.read_table(tmp_path / "out.parquet").to_pandas()
    assert np.allclose(out.to_numpy(), sk_model.predict_proba(big))
    assert list(out.columns) == ["prediction_0", "prediction_1", "prediction_2"]


def test_signature_violation_leaves_no_output(tmp_path, sk_model, iris_frame):
    """A file missing a column fails with the column named, and no partial output file remains."""
    frame, _ = iris_frame
    mlledger.sklearn.save_model(sk_model, tmp_path / "m", input_example=frame.head(2))
    frame.drop(columns=["petal_width"]).to_csv(tmp_path / "in.csv", index=False)
    with pytest.raises(SignatureError, match="petal_width"):
        predict_file(str(tmp_path / "m"), tmp_path / "in.csv", tmp_path / "out.csv", progress=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv", "m"]
    result = CliRunner().invoke(main, ["models", "predict", "-m", str(tmp_path / "m"), "-i", str(tmp_path / "in.csv"),
                                       "-o", str(tmp_path / "out.csv"), "--no-progress"])
    assert result.exit_code == 1 and "missing required column 'petal_width'" in result.output


def test_unknown_format_is_refused(tmp_path, sk_model):
    """An output name whose extension is no known format is a usage error naming it."""
    mlledger.sklearn.save_model(sk_model, tmp_path / "m")
    (tmp_path / "in.csv").write_text("a\n1\n")
    result = CliRunner().invoke(main, ["models", "predict", "-m", str(tmp_path / "m"), "-i", str(tmp_path / "in.csv"),
                                       "-o", str(tmp_path / "out.xlsx")])
    assert result.exit_code == 2 and "'xlsx'" in result.output

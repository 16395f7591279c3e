"""Batch-predict benchmark: rows scored per second by `mlledger models predict` for a small
scikit-learn model (logistic regression on 4 float features), per input/output format.

    python benchmarks/bench_batch_predict.py [--rows 2000000] [--chunk-rows 100000]

The files are written once to a temporary directory; each measurement scores the whole file
(read, signature enforcement, predict, write) through `mlledger.models.batch.predict_file`.
Target: >= 500,000 rows/s. `run()` returns the figures for other benchmarks to print.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np

TARGET_ROWS_PER_SECOND = 500_000
PAIRS = (("csv", "csv"), ("parquet", "parquet"), ("csv", "parquet"), ("jsonl", "jsonl"))


def small_sklearn_model(directory: Path) -> Path:
    """Train and save the benchmark's model (logistic regression, 4 double columns); returns its directory."""
    import pandas as pd
    from sklearn.linear_model import LogisticRegression

    import mlledger.sklearn

    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.random((2_000, 4)), columns=["a", "b", "c", "d"])
    model = LogisticRegression().fit(frame, (frame["a"] + frame["b"] > frame["c"] + frame["d"]).astype(int))
    path = directory / "model"
    mlledger.sklearn.save_model(model, path, input_example=frame.head(3))
    return path


def run(rows: int = 2_000_000, chunk_rows: int = 100_000, pairs: tuple[tuple[str, str], ...] = PAIRS
        ) -> list[tuple[str, str, int, float]]:
    """(input format, output format, rows, rows/s) for each pair."""
    import pandas as pd

    import mlledger.pyfunc
    from mlledger.models.batch import predict_file

    with tempfile.TemporaryDirectory(prefix="bench-batch-") as scratch:
        root = Path(scratch)
        model = mlledger.pyfunc.load_model(str(small_sklearn_model(root)))
        frame = pd.DataFrame(np.random.default_rng(1).random((rows, 4)), columns=["a", "b", "c", "d"])
        writers = {"csv": lambda p: frame.to_csv(p, index=False), "parquet": frame.to_parquet,
                   "jsonl": lambda p: frame.to_json(p, orient="records", lines=True)}
        for fmt in {fmt for pair in pairs for fmt in pair}:
            writers[fmt](root / f"in.{fmt}")
        results = []
        for fmt_in, fmt_out in pairs:
            result = predict_file(model, root / f"in.{fmt_in}", root / f"out.{fmt_out}", chunk_rows=chunk_rows,
                                  progress=False)
            results.append((fmt_in, fmt_out, result.rows, result.rows_per_second))
        return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--chunk-rows", type=int, default=100_000)
    args = parser.parse_args()
    print(f"batch predict, small scikit-learn model, {args.rows:,} rows, chunks of {args.chunk_rows:,}")
    for fmt_in, fmt_out, rows, rate in run(args.rows, args.chunk_rows):
        verdict = "met" if rate >= TARGET_ROWS_PER_SECOND else "MISSED"
        print(f"  {fmt_in:>7} -> {fmt_out:<7} {rate:>12,.0f} rows/s  (target >= {TARGET_ROWS_PER_SECOND:,}: {verdict})")


if __name__ == "__main__":
    main()

"""Batch-predict benchmark: rows scored per second by `mlledger models predict` for a small
scikit-learn model (logistic regression on 4 float features), per input/output format.

    python benchmarks/bench_batch_predict.py [--rows 2000000] [--chunk-rows 100000]

The files are written once to a temporary directory; each measurement scores the whole file
(read, signature enforcement, predict, write) through `mlledger.models.batch.predict_file`.
Target: >= 500,000 rows/s. `run()` returns the figures for other benchmarks to print.
With `--memory`, `mlledger models predict` also scores CSV files of N and 10×N rows in child
processes and prints each one's peak RSS: constant memory means the two peaks are close.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
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


def peak_rss_mib(rows: int, chunk_rows: int) -> list[tuple[int, float]]:
    """(rows, peak RSS in MiB of the `mlledger models predict` process) for files of rows and 10×rows."""
    import pandas as pd

    figures = []
    with tempfile.TemporaryDirectory(prefix="bench-batch-mem-") as scratch:
        root = Path(scratch)
        model = small_sklearn_model(root)
        for count in (rows, rows * 10):
            source = root / f"in-{count}.csv"
            with open(source, "w") as handle:  # written in slices so this process stays small too
                for start in range(0, count, 500_000):
                    n = min(500_000, count - start)
                    frame = pd.DataFrame(np.random.default_rng(start).random((n, 4)), columns=["a", "b", "c", "d"])
                    frame.to_csv(handle, index=False, header=start == 0)
            # VmHWM, not ru_maxrss: the latter can carry the parent's peak over fork and exec.
            code = ("import sys; from mlledger.cli import main\n"
                    "try:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
                    "print([l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')][0])")
            done = subprocess.run([sys.executable, "-c", code, "models", "predict", "-m", str(model), "-i", str(source),
                                   "-o", str(root / "out.parquet"), "--chunk-rows", str(chunk_rows), "--no-progress"],
                                  capture_output=True, text=True, check=True, env=os.environ.copy())
            figures.append((count, int(done.stdout.split()[-1]) / 1024))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--chunk-rows", type=int, default=100_000)
    parser.add_argument("--memory", action="store_true", help="also measure peak RSS for a file and one 10x larger")
    args = parser.parse_args()
    print(f"batch predict, small scikit-learn model, {args.rows:,} rows, chunks of {args.chunk_rows:,}")
    for fmt_in, fmt_out, _rows, rate in run(args.rows, args.chunk_rows):
        verdict = "met" if rate >= TARGET_ROWS_PER_SECOND else "MISSED"
        print(f"  {fmt_in:>7} -> {fmt_out:<7} {rate:>12,.0f} rows/s  (target >= {TARGET_ROWS_PER_SECOND:,}: {verdict})")
    if args.memory:
        for rows, mib in peak_rss_mib(args.rows // 4, args.chunk_rows):
            print(f"  peak RSS scoring {rows:>11,} CSV rows: {mib:7.1f} MiB")


if __name__ == "__main__":
    main()

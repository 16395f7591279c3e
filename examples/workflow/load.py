"""Step 1: produce the raw data (a synthetic regression problem) and log it as `raw/data.csv`."""

import argparse
import tempfile
from pathlib import Path

import numpy as np

import mlledger

parser = argparse.ArgumentParser()
parser.add_argument("--rows", type=int, required=True)
parser.add_argument("--seed", type=int, required=True)
args = parser.parse_args()

with mlledger.start_run():  # continues the run `mlledger run` created for this step
    rng = np.random.default_rng(args.seed)
    x = rng.uniform(-3, 3, size=(args.rows, 1))
    y = 1.5 * x[:, 0] ** 2 - 2.0 * x[:, 0] + 0.5 + rng.normal(0, 0.3, size=args.rows)
    path = Path(tempfile.mkdtemp()) / "data.csv"
    np.savetxt(path, np.column_stack([x[:, 0], y]), delimiter=",", header="x,y", comments="")
    mlledger.log_artifact(str(path), "raw")
    mlledger.log_metric("rows", args.rows)
    print(f"load: {args.rows} rows")

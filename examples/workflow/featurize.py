"""Step 2: read the raw data by URI, add polynomial features, log them as `features/features.csv`."""

import argparse
import tempfile
from pathlib import Path

import numpy as np

import mlledger
from lineage import fetch_input

parser = argparse.ArgumentParser()
parser.add_argument("--raw-data-uri", required=True)
args = parser.parse_args()

with mlledger.start_run():
    raw = np.loadtxt(fetch_input(args.raw_data_uri, "raw"), delimiter=",", skiprows=1)
    x, y = raw[:, 0], raw[:, 1]
    features = np.column_stack([np.ones_like(x), x, x ** 2, x ** 3, y])
    path = Path(tempfile.mkdtemp()) / "features.csv"
    np.savetxt(path, features, delimiter=",", header="bias,x,x2,x3,y", comments="")
    mlledger.log_artifact(str(path), "features")
    mlledger.log_param("feature_count", features.shape[1] - 1)
    print(f"featurize: {features.shape[1] - 1} features")

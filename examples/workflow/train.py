"""Step 3: fit a ridge regression on the features by URI; log its error and coefficients."""

import argparse

import numpy as np

import mlledger
from lineage import fetch_input

parser = argparse.ArgumentParser()
parser.add_argument("--features-uri", required=True)
parser.add_argument("--l2", type=float, required=True)
args = parser.parse_args()

with mlledger.start_run():
    table = np.loadtxt(fetch_input(args.features_uri, "features"), delimiter=",", skiprows=1)
    features, target = table[:, :-1], table[:, -1]
    split = int(len(table) * 0.8)
    a, b = features[:split], target[:split]
    coefficients = np.linalg.solve(a.T @ a + args.l2 * np.eye(a.shape[1]), a.T @ b)
    rmse = float(np.sqrt(np.mean((features[split:] @ coefficients - target[split:]) ** 2)))
    mlledger.log_metric("rmse", rmse)
    mlledger.log_dict({"coefficients": coefficients.tolist()}, "model/coefficients.json")
    print(f"train: rmse {rmse:.3f}")

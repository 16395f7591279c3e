"""The workflow: load -> featurize -> train, each a run nested under this one, linked by artifact URIs."""

import argparse

import mlledger
import mlledger.projects

parser = argparse.ArgumentParser()
parser.add_argument("--rows", type=int, required=True)
parser.add_argument("--l2", type=float, required=True)
args = parser.parse_args()


def step(entry_point: str, parameters: dict) -> str:
    """Run one step of this project as a nested run (it waits, and raises if the step fails)."""
    submitted = mlledger.projects.run(".", entry_point, parameters, env_manager="local")
    return submitted.run_id


def artifact(run_id: str, path: str) -> str:
    return f"{mlledger.get_run(run_id).info.artifact_uri}/{path}"


with mlledger.start_run():  # the parent: the run `mlledger run` created for `main`
    load = step("load", {"rows": args.rows})
    featurize = step("featurize", {"raw_data_uri": artifact(load, "raw/data.csv")})
    train = step("train", {"features_uri": artifact(featurize, "features/features.csv"), "l2": args.l2})
    mlledger.set_tags({"workflow.load": load, "workflow.featurize": featurize, "workflow.train": train})
    print(f"workflow: load {load} -> featurize {featurize} -> train {train}")

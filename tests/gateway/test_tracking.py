"""MLflow's own client against the gateway: experiments, runs, metrics, search and paging."""

from __future__ import annotations

import math
import time

import requests

import mlledger
from tests.gateway.conftest import unique


def test_experiment_lifecycle(client, gateway_stack) -> None:  # type: ignore[no-untyped-def]
    from mlflow.entities import ViewType

    name = unique("exp")
    experiment_id = client.create_experiment(name, tags={"team": "risk"})
    experiment = client.get_experiment(experiment_id)
    assert (experiment.name, experiment.lifecycle_stage, experiment.tags) == (name, "active", {"team": "risk"})
    assert experiment.artifact_location == f"mlflow-artifacts:/experiments/{experiment_id}"
    assert client.get_experiment_by_name(name).experiment_id == experiment_id
    assert client.get_experiment_by_name(unique("missing")) is None

    client.set_experiment_tag(experiment_id, "stage", "dev")
    client.delete_experiment_tag(experiment_id, "team")
    client.rename_experiment(experiment_id, name + "-renamed")
    experiment = client.get_experiment(experiment_id)
    assert experiment.name == name + "-renamed" and experiment.tags == {"stage": "dev"}

    client.delete_experiment(experiment_id)
    assert client.get_experiment(experiment_id).lifecycle_stage == "deleted"
    deleted = client.search_experiments(view_type=ViewType.DELETED_ONLY)
    assert experiment_id in [e.experiment_id for e in deleted]
    client.restore_experiment(experiment_id)
    assert client.get_experiment(experiment_id).lifecycle_stage == "active"
    # The SDK sees the same experiment.
    assert mlledger.Client(gateway_stack.tracking_uri).get_experiment(experiment_id).name == name + "-renamed"


def test_search_experiments_filters_orders_and_pages(client) -> None:  # type: ignore[no-untyped-def]
    prefix = unique("page")
    ids = [client.create_experiment(f"{prefix}-{i}", tags={"i": str(i)}) for i in range(5)]
    found = client.search_experiments(filter_string=f"name LIKE '{prefix}-%'", order_by=["name DESC"])
    assert [e.experiment_id for e in found] == ids[::-1]
    first = client.search_experiments(filter_string=f"name LIKE '{prefix}-%'", order_by=["name ASC"], max_results=2)
    assert [e.experiment_id for e in first] == ids[:2] and first.token
    rest = client.search_experiments(filter_string=f"name LIKE '{prefix}-%'", order_by=["name ASC"], max_results=10,
                                     page_token=first.token)
    assert [e.experiment_id for e in rest] == ids[2:] and not rest.token
    tagged = client.search_experiments(filter_string=f"tags.i = '3' AND name LIKE '{prefix}-%'")
    assert [e.experiment_id for e in tagged] == [ids[3]]


def test_runs_params_metrics_tags_and_sdk_round_trip(client, gateway_stack) -> None:  # type: ignore[no-untyped-def]
    from mlflow.entities import Metric, Param, RunTag

    experiment_id = client.create_experiment(unique("runs"))
    start = int(time.time() * 1000) - 5000
    run = client.create_run(experiment_id, start_time=start, tags={"team": "nlp"}, run_name="first")
    run_id = run.info.run_id
    assert (run.info.status, run.info.run_name, run.info.start_time) == ("RUNNING", "first", start)
    client.log_param(run_id, "lr", "0.01")
    client.log_metric(run_id, "loss", 0.5, timestamp=start + 1, step=1)
    client.log_metric(run_id, "loss", float("nan"), timestamp=start + 2, step=2)
    client.set_tag(run_id, "note", "hello")
    client.log_batch(run_id, metrics=[Metric("acc", 0.9, start + 3, 3), Metric("acc", 0.95, start + 4, 4)],
                     params=[Param("layers", "3")], tags=[RunTag("batch", "yes")])
    client.delete_tag(run_id, "team")
    client.set_terminated(run_id, "FINISHED", end_time=start + 10)

    fetched = client.get_run(run_id)
    assert fetched.data.params == {"lr": "0.01", "layers": "3"}
    assert fetched.data.metrics["acc"] == 0.95 and math.isnan(fetched.data.metrics["loss"])
    assert fetched.data.tags["note"] == "hello" and fetched.data.tags["batch"] == "yes"
    assert fetched.data.tags["mlflow.runName"] == "first"
    assert "team" not in fetched.data.tags
    assert (fetched.info.status, fetched.info.end_time) == ("FINISHED", start + 10)
    history = client.get_metric_history(run_id, "acc")
    assert [(m.value, m.timestamp, m.step) for m in history] == [(0.9, start + 3, 3), (0.95, start + 4, 4)]

    # What MLflow wrote, the SDK reads; what the SDK writes, MLflow reads.
    sdk = mlledger.Client(gateway_stack.tracking_uri)
    seen = sdk.get_run(run_id)
    assert seen.data.params == fetched.data.params and seen.info.status == "FINISHED"
    assert (seen.info.start_time, seen.info.end_time) == (start, start + 10)
    sdk_run = sdk.create_run(experiment_id, run_name="from-sdk")
    sdk.log_metric(sdk_run.info.run_id, "rmse", 1.5, step=7)
    sdk.log_param(sdk_run.info.run_id, "depth", 4)
    assert client.get_run(sdk_run.info.run_id).data.metrics == {"rmse": 1.5}
    assert client.get_run(sdk_run.info.run_id).info.run_name == "from-sdk"

    client.delete_run(run_id)
    assert client.get_run(run_id).info.lifecycle_stage == "deleted"
    client.restore_run(run_id)
    assert client.get_run(run_id).info.lifecycle_stage == "active"


def test_search_runs_filter_order_and_paging(client) -> None:  # type: ignore[no-untyped-def]
    experiment_id = client.create_experiment(unique("search"))
    run_ids = []
    for i in range(7):
        run = client.create_run(experiment_id, run_name=f"r{i}")
        client.log_metric(run.info.run_id, "acc", i / 10)
        client.log_param(run.info.run_id, "kind", "even" if i % 2 == 0 else "odd")
        run_ids.append(run.info.run_id)
    found = client.search_runs([experiment_id], "metrics.acc > 0.25 AND params.kind = 'even'",
                               order_by=["metrics.acc DESC"])
    assert [r.info.run_id for r in found] == [run_ids[6], run_ids[4]]
    pages, token = [], None
    while True:
        page = client.search_runs([experiment_id], order_by=["metrics.acc ASC"], max_results=3, page_token=token)
        pages.append([r.info.run_id for r in page])
        token = page.token
        if not token:
            break
    assert pages == [run_ids[0:3], run_ids[3:6], run_ids[6:7]]


def test_metric_history_of_100000_points(client, gateway_stack) -> None:  # type: ignore[no-untyped-def]
    from mlflow.entities import Metric

    run_id = client.create_run(client.create_experiment(unique("history"))).info.run_id
    base = int(time.time() * 1000)
    points = [Metric("loss", 1.0 / (i + 1), base + i, i) for i in range(100_000)]
    client.log_batch(run_id, metrics=points, synchronous=True)
    history = client.get_metric_history(run_id, "loss")
    assert len(history) == 100_000
    assert [(m.step, m.value) for m in history[:2]] == [(0, 1.0), (1, 0.5)]
    assert history[-1].step == 99_999 and history[-1].timestamp == base + 99_999
    # Paged and down-sampled reads.
    url = f"{gateway_stack.gateway_uri}/api/2.0/mlflow/metrics/get-history"
    page = requests.get(url, params={"run_id": run_id, "metric_key": "loss", "max_results": 30_000}).json()
    assert len(page["metrics"]) == 30_000 and page["next_page_token"]
    bulk = requests.get(f"{gateway_stack.gateway_uri}/ajax-api/2.0/mlflow/metrics/get-history-bulk-interval",
                        params={"run_ids": [run_id], "metric_key": "loss", "max_results": 500}).json()
    steps = [m["step"] for m in bulk["metrics"]]
    assert len(steps) <= 500 and steps[0] == 0 and steps[-1] == 99_999 and bulk["metrics"][0]["run_id"] == run_id
    ranged = requests.get(f"{gateway_stack.gateway_uri}/api/2.0/mlflow/metrics/get-history-bulk-interval",
                          params={"run_ids": [run_id], "metric_key": "loss", "start_step": 10, "end_step": 19,
                                  "max_results": 100}).json()
    assert [m["step"] for m in ranged["metrics"]] == list(range(10, 20))


def test_fluent_api(mlflow, gateway_stack) -> None:  # type: ignore[no-untyped-def]
    mlflow.set_experiment(unique("fluent"))
    with mlflow.start_run(run_name="outer") as outer:
        mlflow.log_params({"alpha": 0.5, "beta": "x"})
        for step in range(5):
            mlflow.log_metric("score", step * 2.0, step=step)
        mlflow.set_tags({"owner": "ml"})
        with mlflow.start_run(nested=True) as inner:
            mlflow.log_metric("inner", 1.0)
    run = mlflow.get_run(outer.info.run_id)
    assert run.info.status == "FINISHED" and run.data.metrics["score"] == 8.0
    assert run.data.params == {"alpha": "0.5", "beta": "x"}
    child = mlflow.get_run(inner.info.run_id)
    assert child.data.tags["mlflow.parentRunId"] == outer.info.run_id
    sdk = mlledger.Client(gateway_stack.tracking_uri)
    assert sdk.get_run(inner.info.run_id).info.parent_run_id == outer.info.run_id
    runs = mlflow.search_runs(filter_string="attributes.run_name = 'outer'", output_format="list")
    assert [r.info.run_id for r in runs] == [outer.info.run_id]


def test_log_inputs(client, mlflow) -> None:  # type: ignore[no-untyped-def]
    import pandas as pd

    dataset = mlflow.data.from_pandas(pd.DataFrame({"x": [1, 2, 3]}), name="train-set")
    mlflow.set_experiment(unique("inputs"))
    with mlflow.start_run() as run:
        mlflow.log_input(dataset, context="training")
    run_id = run.info.run_id
    inputs = client.get_run(run_id).inputs.dataset_inputs
    assert [(i.dataset.name, i.dataset.digest) for i in inputs] == [("train-set", dataset.digest)]
    assert {t.key: t.value for t in inputs[0].tags}["mlflow.data.context"] == "training"


def test_both_prefixes_and_events_carry_the_caller(gateway_stack) -> None:  # type: ignore[no-untyped-def]
    import psycopg

    base = gateway_stack.gateway_uri
    created = requests.post(f"{base}/ajax-api/2.0/mlflow/experiments/create", json={"name": unique("ajax")},
                            headers={"X-Mlledger-Actor": "alice", "X-Correlation-Id": "corr-42"})
    experiment_id = created.json()["experiment_id"]
    got = requests.get(f"{base}/api/2.0/mlflow/experiments/get", params={"experiment_id": experiment_id}).json()
    assert got["experiment"]["experiment_id"] == experiment_id
    requests.post(f"{base}/api/2.0/mlflow/experiments/set-experiment-tag", auth=("bob", "secret"),
                  json={"experiment_id": experiment_id, "key": "k", "value": "v"}).raise_for_status()
    with psycopg.connect(gateway_stack.database_url) as conn:
        rows = conn.execute("SELECT type, actor, correlation_id FROM tracking.events WHERE stream = %s "
                            "ORDER BY position", (f"experiment/{experiment_id}",)).fetchall()
    assert [(row[1]) for row in rows] == ["alice", "bob"]
    assert rows[0][2] == "corr-42"

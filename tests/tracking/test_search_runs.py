"""SearchRuns over a fixed set of runs: each filter form, ordering, views, paging and errors."""

from __future__ import annotations

import grpc
import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from mlledger.v1 import tracking_pb2 as pb
from tests.tracking.conftest import rpc_error, series, unique

# name: (params, metrics, tags, status, dataset (name, context) or None)
RUNS = {
    "a": ({"lr": "0.01"}, {"acc": 0.95, "loss": 0.1, "val loss": 0.2}, {"team": "x"}, pb.FINISHED, ("iris", "training")),
    "b": ({"lr": "0.1"}, {"acc": 0.80, "loss": 0.3}, {"team": "y"}, pb.FAILED, None),
    "c": ({"lr": "0.01"}, {"acc": 0.70}, {"team": "X-ray"}, pb.RUNNING, ("wine", "evaluation")),
    "d": ({"lr": "0.001"}, {}, {}, pb.RUNNING, None),
    "e": ({"lr": "0.01"}, {"acc": 0.99}, {"team": "x"}, pb.RUNNING, None),  # soft-deleted
}


@pytest.fixture(scope="module")
def population(tracking) -> tuple[str, dict[str, str]]:
    """(experiment id, run id by name) for RUNS, started one second apart in name order; "e" deleted."""
    experiment_id = tracking.CreateExperiment(pb.CreateExperimentRequest(name=unique("search"))).experiment_id
    ids = {}
    for offset, (name, (params, metric_values, tags, status, dataset)) in enumerate(RUNS.items()):
        start = Timestamp()
        start.FromMilliseconds(1_000_000 + offset * 1000)
        run_id = tracking.CreateRun(pb.CreateRunRequest(experiment_id=experiment_id, run_name=name,
                                                        start_time=start)).run.info.run_id
        tracking.LogBatch(pb.LogBatchRequest(
            run_id=run_id, params=[pb.Param(key=k, value=v) for k, v in params.items()],
            tags=[pb.Tag(key=k, value=v) for k, v in tags.items()],
            metrics=[series(k, [v]) for k, v in metric_values.items()]))
        if dataset:
            tracking.LogInputs(pb.LogInputsRequest(run_id=run_id, datasets=[
                pb.DatasetInput(dataset=pb.Dataset(name=dataset[0], digest="d1"), context=dataset[1])]))
        if status != pb.RUNNING:
            tracking.UpdateRun(pb.UpdateRunRequest(run_id=run_id, status=status))
        ids[name] = run_id
    tracking.DeleteRun(pb.DeleteRunRequest(run_id=ids["e"]))
    return experiment_id, ids


def names(tracking, population, **fields) -> list[str]:  # type: ignore[no-untyped-def]
    experiment_id, ids = population
    by_id = {run_id: name for name, run_id in ids.items()}
    reply = tracking.SearchRuns(pb.SearchRunsRequest(experiment_ids=[experiment_id], **fields))
    return [by_id[run.info.run_id] for run in reply.runs]


@pytest.mark.parametrize(("filter_text", "expected"), [
    ("", "dcba"),
    ("metrics.acc > 0.75", "ba"),
    ("metrics.acc > 0.75 and params.lr = '0.01'", "a"),
    ("metrics.acc >= 0.8 or params.lr = '0.001'", "dba"),
    ("params.lr != '0.01'", "db"),
    ("tags.team = 'x'", "a"),
    ("tags.team LIKE 'X%'", "c"),
    ("tags.team ILIKE 'x%'", "ca"),
    ("tags.team NOT ILIKE 'x%'", "b"),
    ("params.lr IN ('0.1', '0.001')", "db"),
    ("params.lr NOT IN ('0.1', '0.001')", "ca"),
    ("metrics.loss IS NULL", "dc"),
    ("metrics.loss IS NOT NULL", "ba"),
    ("tags.team IS NULL", "d"),
    ("metrics.`val loss` < 0.5", "a"),
    ("attributes.status = 'FINISHED'", "a"),
    ("attributes.status IN ('FINISHED', 'FAILED')", "ba"),
    ("run.status != 'RUNNING' and not metrics.acc < 0.9", "a"),
    ("attributes.end_time IS NULL", "dc"),
    ("attributes.start_time >= 1002000", "dc"),
    ("attributes.run_name IN ('a', 'c')", "ca"),
    ("not (params.lr = '0.01' or tags.team = 'y')", "d"),
    ("(metrics.acc > 0.9 or metrics.acc < 0.75) and tags.team LIKE '%'", "ca"),
    ("datasets.name = 'iris'", "a"),
    ("datasets.context IN ('training', 'evaluation')", "ca"),
])
def test_filters_match_expected_runs(tracking, population, filter_text, expected):
    """Each filter form selects exactly the expected active runs (default order: newest first)."""
    assert "".join(names(tracking, population, filter=filter_text)) == expected


def test_run_id_attribute(tracking, population):
    """attributes.run_id matches a run by id."""
    assert names(tracking, population, filter=f"attributes.run_id = '{population[1]['b']}'") == ["b"]


def test_view_types(tracking, population):
    """DELETED_ONLY returns only the deleted run; ALL returns every run."""
    assert names(tracking, population, run_view_type=pb.DELETED_ONLY) == ["e"]
    assert sorted(names(tracking, population, run_view_type=pb.ALL)) == list("abcde")


@pytest.mark.parametrize(("order_by", "expected"), [
    (["metrics.acc DESC"], "abcd"),
    (["metrics.acc ASC"], "cbad"),
    (["params.lr ASC", "metrics.acc DESC"], "dacb"),
    (["attributes.start_time"], "abcd"),
    (["params.lr DESC"], "bcad"),
])
def test_order_by(tracking, population, order_by, expected):
    """Sorting by metrics, params and attributes puts NULLs last, breaks ties newest first, honours several keys."""
    assert "".join(names(tracking, population, order_by=order_by)) == expected


def test_paging_visits_every_run_once(tracking, population):
    """max_results pages through all matches in order, the last page has no token."""
    experiment_id, ids = population
    request = pb.SearchRunsRequest(experiment_ids=[experiment_id], max_results=3, order_by=["attributes.run_name"])
    seen, pages = [], 0
    while True:
        reply = tracking.SearchRuns(request)
        seen += [run.info.run_name for run in reply.runs]
        pages += 1
        if not reply.next_page_token:
            break
        request.page_token = reply.next_page_token
    assert seen == ["a", "b", "c", "d"] and pages == 2


def test_results_carry_data_and_inputs(tracking, population):
    """Found runs include their params, latest metrics, tags and dataset inputs."""
    experiment_id, ids = population
    run = tracking.SearchRuns(pb.SearchRunsRequest(experiment_ids=[experiment_id], filter="attributes.run_name = 'a'")).runs[0]
    assert {p.key: p.value for p in run.data.params} == {"lr": "0.01"}
    assert {m.key: m.value for m in run.data.metrics} == {"acc": 0.95, "loss": 0.1, "val loss": 0.2}
    assert [i.dataset.name for i in run.inputs.dataset_inputs] == ["iris"]


@pytest.mark.parametrize(("fields", "field", "fragment"), [
    ({"filter": "metrics.acc > 0.9 and"}, "filter", "column 22"),
    ({"filter": "params.lr = 0.01"}, "filter", "column 1"),
    ({"filter": "metrics.acc >> 1"}, "filter", "column 14"),
    ({"order_by": ["metrics.acc", "bogus.x"]}, "order_by[1]", "unknown entity"),
    ({"order_by": ["tags.team IS NULL"]}, "order_by[0]", "column 11"),
    ({"max_results": 50_001}, "max_results", "at most 50000"),
    ({"page_token": "not-a-token"}, "page_token", "not a token"),
])
def test_bad_requests_name_the_field(tracking, population, fields, field, fragment):
    """Malformed filters, sort keys and paging fields are INVALID_ARGUMENT naming the field (and column)."""
    error = rpc_error(tracking.SearchRuns, pb.SearchRunsRequest(experiment_ids=[population[0]], **fields))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error.details().startswith(f"{field}:") and fragment in error.details()

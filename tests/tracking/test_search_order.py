"""SearchRuns ordering and paging against a reference sort: missing values last in both directions,
ties newest first then by run id, and every page size giving the same sequence."""

from __future__ import annotations

import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from mlledger.v1 import tracking_pb2 as pb
from tests.tracking.conftest import series, unique

# name: (start second, metric m, param p, tag t); None means the run lacks it. Equal values and
# equal start times are on purpose: the ties must fall back to start time, then to run id.
RUNS = {
    "r1": (1, 0.5, "b", "x"),
    "r2": (2, 0.9, "a", None),
    "r3": (2, 0.5, None, "y"),
    "r4": (3, None, "b", "x"),
    "r5": (3, 0.1, "c", None),
    "r6": (4, None, None, "z"),
    "r7": (5, 0.9, "b", "y"),
    "r8": (5, None, "a", None),
    "r9": (6, 0.5, "c", "x"),
    "r10": (6, -1.0, None, None),
    "r11": (7, None, "b", "y"),
}
FIELDS = {"attributes.start_time": 0, "metrics.m": 1, "params.p": 2, "tags.t": 3}


@pytest.fixture(scope="module")
def population(tracking) -> tuple[str, dict[str, str]]:
    """(experiment id, run id by name) for RUNS."""
    experiment_id = tracking.CreateExperiment(pb.CreateExperimentRequest(name=unique("order"))).experiment_id
    ids = {}
    for name, (second, metric, param, tag) in RUNS.items():
        start = Timestamp()
        start.FromMilliseconds(2_000_000 + second * 1000)
        run_id = tracking.CreateRun(pb.CreateRunRequest(experiment_id=experiment_id, run_name=name,
                                                        start_time=start)).run.info.run_id
        tracking.LogBatch(pb.LogBatchRequest(
            run_id=run_id, metrics=[series("m", [metric])] if metric is not None else [],
            params=[pb.Param(key="p", value=param)] if param is not None else [],
            tags=[pb.Tag(key="t", value=tag)] if tag is not None else []))
        ids[name] = run_id
    return experiment_id, ids


def expected(ids: dict[str, str], order_by: list[str], names: list[str]) -> list[str]:
    """MLflow's order: each key with its missing values last (either direction), then newest first, then run id."""
    ordered = sorted(names, key=lambda name: ids[name])
    ordered.sort(key=lambda name: RUNS[name][0], reverse=True)
    for text in reversed(order_by):
        field, _, direction = text.partition(" ")
        column = FIELDS[field]
        present = [name for name in ordered if RUNS[name][column] is not None]
        present.sort(key=lambda name: RUNS[name][column], reverse=direction == "DESC")  # type: ignore[arg-type, return-value]
        ordered = present + [name for name in ordered if RUNS[name][column] is None]
    return ordered


def paged(tracking, population, order_by: list[str], filter_text: str, page_size: int) -> list[str]:  # type: ignore[no-untyped-def]
    """Every run name the search returns, page after page."""
    experiment_id, ids = population
    by_id = {run_id: name for name, run_id in ids.items()}
    request = pb.SearchRunsRequest(experiment_ids=[experiment_id], order_by=order_by, filter=filter_text,
                                   max_results=page_size)
    seen: list[str] = []
    while True:
        reply = tracking.SearchRuns(request)
        assert len(reply.runs) <= page_size
        seen += [by_id[run.info.run_id] for run in reply.runs]
        if not reply.next_page_token:
            return seen
        assert len(reply.runs) == page_size
        request.page_token = reply.next_page_token


ORDERS = [
    ["metrics.m DESC"],
    ["metrics.m ASC"],
    ["params.p ASC", "metrics.m DESC"],
    ["params.p DESC", "tags.t ASC"],
    ["tags.t DESC", "metrics.m ASC"],
    ["attributes.start_time ASC", "metrics.m DESC"],
]


@pytest.mark.parametrize("order_by", ORDERS, ids=lambda order: ",".join(order))
@pytest.mark.parametrize("page_size", [1, 2, 3, 4, 100])
def test_pages_follow_the_reference_order(tracking, population, order_by, page_size):
    """Paging at any size crosses from the runs having the first sort key to those lacking it in order."""
    assert paged(tracking, population, order_by, "", page_size) == expected(population[1], order_by, list(RUNS))


@pytest.mark.parametrize(("filter_text", "names"), [
    ("params.p = 'b'", ["r1", "r4", "r7", "r11"]),
    ("metrics.m IS NULL", ["r4", "r6", "r8", "r11"]),
    ("metrics.m >= 0.5 or tags.t = 'z'", ["r1", "r2", "r3", "r6", "r7", "r9"]),
    ("params.p != 'zzz'", ["r1", "r2", "r4", "r5", "r7", "r8", "r9", "r11"]),
])
@pytest.mark.parametrize("page_size", [1, 3, 100])
def test_filtered_pages_follow_the_reference_order(tracking, population, filter_text, names, page_size):
    """A filter and a sort on a metric together, with the filter keeping runs with and without the metric."""
    order_by = ["metrics.m DESC", "params.p ASC"]
    assert paged(tracking, population, order_by, filter_text, page_size) == expected(population[1], order_by, names)

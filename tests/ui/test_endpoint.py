"""`/ui-api/metrics/sampled` over HTTP, and the static files the UI is made of."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request

import pytest

from tests.ui.conftest import LONG_POINTS, Seeded


def _get(seeded: Seeded, path: str, **query: object) -> tuple[int, bytes]:
    url = f"{seeded.url}{path}?{urllib.parse.urlencode(query, doseq=True)}"
    try:
        with urllib.request.urlopen(url) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def test_sampled_history_keeps_ends_and_the_spike(seeded: Seeded) -> None:
    status, body = _get(seeded, "/ui-api/metrics/sampled", run_ids=[seeded.long_run], metric_key="loss", points=500)
    assert status == 200
    series = json.loads(body)["series"][0]
    assert series["total"] == LONG_POINTS and len(series["x"]) == 500 == len(series["y"])
    assert series["x"][0] == 0 and series["x"][-1] == LONG_POINTS - 1
    assert max(series["y"]) == 5.0 and series["x"][series["y"].index(5.0)] == LONG_POINTS // 2


def test_sampled_history_window_and_time_axis(seeded: Seeded) -> None:
    status, body = _get(seeded, "/ui-api/metrics/sampled", run_ids=[seeded.long_run], metric_key="loss",
                        points=300, start=1000, end=1199)
    series = json.loads(body)["series"][0]
    assert status == 200 and series["total"] == 200 and series["x"] == list(range(1000, 1200))
    status, body = _get(seeded, "/ui-api/metrics/sampled", run_ids=[seeded.long_run], metric_key="loss",
                        points=10, x="time")
    series = json.loads(body)["series"][0]
    assert series["x"][0] == 1_700_000_000_000 and len(series["x"]) == 10


@pytest.mark.parametrize(("query", "field"), [
    ({"metric_key": "loss"}, "run_ids"),
    ({"run_ids": "x" * 32}, "metric_key"),
    ({"run_ids": "x" * 32, "metric_key": "loss", "points": 1}, "points"),
    ({"run_ids": "x" * 32, "metric_key": "loss", "x": "wall"}, "'x'"),
])
def test_sampled_history_bad_input_names_the_field(seeded: Seeded, query: dict[str, object], field: str) -> None:
    status, body = _get(seeded, "/ui-api/metrics/sampled", **query)
    assert status == 400
    error = json.loads(body)
    assert error["error_code"] == "INVALID_PARAMETER_VALUE" and field in error["message"]


def test_static_assets_are_served(seeded: Seeded) -> None:
    status, body = _get(seeded, "/")
    assert status == 200 and b'src="/ui/app.js"' in body
    for path in ("/ui/app.js", "/ui/chart.js", "/ui/vendor/uPlot.iife.min.js", "/ui/vendor/LICENSE"):
        assert _get(seeded, path)[0] == 200, path
    assert _get(seeded, "/api/2.0/mlflow/no-such")[0] == 404


def test_sampled_history_of_a_run_longer_than_one_bulk_answer(seeded: Seeded) -> None:
    run_id = seeded.client.create_run(seeded.lineage_experiment, run_name="longer").info.run_id
    count = 100_050
    seeded.client.log_metric_columns(run_id, {"loss": ([float(i % 7) for i in range(count)],
                                                       [1_700_000_000_000 + i for i in range(count)],
                                                       list(range(count)))})
    status, body = _get(seeded, "/ui-api/metrics/sampled", run_ids=[seeded.long_run, run_id], metric_key="loss",
                        points=200)
    first, second = json.loads(body)["series"]
    assert status == 200 and first["total"] == LONG_POINTS and second["total"] == count
    assert second["x"][-1] == count - 1 and len(second["x"]) == 200 and set(second["y"]) <= set(range(7))

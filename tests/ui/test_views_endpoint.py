"""The UI's own JSON endpoints over HTTP: compare, lineage, timeline, as-of, version, and their errors."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

import pytest

from tests.ui.conftest import Seeded


def _call(seeded: Seeded, route: str, body: dict[str, Any] | None = None, **query: object) -> tuple[int, Any]:
    url = f"{seeded.url}{route}?{urllib.parse.urlencode(query, doseq=True)}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method="POST" if data else "GET",
                                     headers={"content-type": "application/json"})
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_sampled_history_over_more_runs_than_one_bulk_call(seeded: Seeded) -> None:
    """A POSTed chart of 124 runs is answered in the order asked, each run once."""
    run_ids = [*seeded.run_ids.values(), seeded.long_run, seeded.parent_run, *seeded.child_runs]
    status, body = _call(seeded, "/ui-api/metrics/sampled", {"run_ids": run_ids, "metric_key": "acc", "points": 50})
    assert status == 200 and [s["run_id"] for s in body["series"]] == run_ids
    by_id = {s["run_id"]: s for s in body["series"]}
    assert by_id[seeded.run_ids["run-042"]]["y"] == [seeded.runs["run-042"]]
    assert by_id[seeded.long_run]["total"] == 0


def test_compare_returns_runs_in_order(seeded: Seeded) -> None:
    """Compare answers each run with its data, in the order given."""
    run_ids = [seeded.long_run, seeded.run_ids["run-003"]]
    status, body = _call(seeded, "/ui-api/runs/compare", {"run_ids": run_ids})
    assert status == 200 and [r["info"]["run_id"] for r in body["runs"]] == run_ids
    assert {"key": "lr", "value": "0.004"} in body["runs"][1]["data"]["params"]


def test_lineage_of_a_child_run(seeded: Seeded) -> None:
    """A child's lineage names its parent; the parent's names both children."""
    status, body = _call(seeded, f"/ui-api/runs/{seeded.child_runs[0]}/lineage")
    assert status == 200 and body["parent"]["run_id"] == seeded.parent_run and body["children"] == []
    status, body = _call(seeded, f"/ui-api/runs/{seeded.parent_run}/lineage")
    assert [c["run_name"] for c in body["children"]] == ["child-0", "child-1"] and body["parent"] is None


def test_timeline_and_as_of_by_position(seeded: Seeded) -> None:
    """The timeline is the model's events in log order; as of the first alias move, v1 holds @champion."""
    status, body = _call(seeded, f"/ui-api/models/{seeded.model}/timeline")
    positions = [e["position"] for e in body["events"]]
    assert status == 200 and positions == sorted(positions) and body["events"][0]["type"] == "registered_model.created"
    alias = next(e for e in body["events"] if e["type"] == "alias.set" and e["payload"]["alias"] == "champion")
    status, state = _call(seeded, f"/ui-api/models/{seeded.model}/as-of", position=alias["position"])
    assert status == 200 and state["aliases"] == [{"alias": "champion", "version": "1"}]
    assert [(v["version"], v["stage"], v["aliases"]) for v in state["versions"]] == \
        [("1", "None", ["champion"]), ("2", "None", [])]


def test_version_page_data(seeded: Seeded) -> None:
    """A version comes with its lineage, signature and the URI and code to load it."""
    status, body = _call(seeded, f"/ui-api/models/{seeded.model}/versions/2")
    version = body["model_version"]
    assert status == 200 and version["lineage"]["run_id"] == seeded.long_run
    assert json.loads(version["format"]["signature_outputs"]) == [{"type": "double", "name": "y", "required": True}]
    assert version["load"]["uri"] == f"models:/{seeded.model}/2"


@pytest.mark.parametrize(("path", "body", "query", "status", "field"), [
    ("/ui-api/runs/compare", {"run_ids": []}, {}, 400, "run_ids"),
    ("/ui-api/runs/compare", {"run_ids": [f"{i:032x}" for i in range(1001)]}, {}, 400, "run_ids"),
    ("/ui-api/runs/{missing}/lineage", None, {}, 404, "{missing}"),
    ("/ui-api/models/{model}/as-of", None, {"time": "yesterday"}, 400, "'time'"),
    ("/ui-api/models/{model}/as-of", None, {"position": 0}, 400, "'position'"),
    ("/ui-api/models/{model}/as-of", None, {"time": "2000-01-01T00:00:00Z"}, 404, "did not exist"),
    ("/ui-api/models/no-such-model/timeline", None, {}, 404, "no-such-model"),
    ("/ui-api/models/{model}/versions/0", None, {}, 400, "'version'"),
    ("/ui-api/models/{model}/versions/x", None, {}, 400, "'version'"),
    ("/ui-api/metrics/sampled", {"run_ids": ["a" * 32], "metric_key": "m", "start": "soon"}, {}, 400, "'start'"),
    ("/ui-api/artifacts/table", None, {"run_id": "{long}", "path": "notes.txt"}, 400, "'path'"),
    ("/ui-api/artifacts/table", None, {"run_id": "{long}", "path": "../x.parquet"}, 400, "'path'"),
    ("/ui-api/artifacts/table", None, {"run_id": "{long}", "path": "none.parquet"}, 404, "none.parquet"),
    ("/ui-api/artifacts/table", None, {"path": "a.parquet"}, 400, "'run_id'"),
])
def test_bad_input_names_the_field(seeded: Seeded, path: str, body: dict[str, Any] | None,
                                   query: dict[str, object], status: int, field: str) -> None:
    """Bad input is a 4xx whose message names the parameter (or the missing entity)."""
    missing = "f" * 32
    path = path.format(model=seeded.model, missing=missing)
    query = {k: v.format(long=seeded.long_run) if isinstance(v, str) else v for k, v in query.items()}
    code, error = _call(seeded, path, body, **query)
    assert code == status and field.format(missing=missing) in error["message"], error

"""Hypothesis strategies for the gateway's MLflow REST API: every route, with JSON bodies (or query strings)
whose keys are the API's parameter names and whose values are any JSON, hostile strings and real ids."""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Sequence
from typing import Any

from hypothesis import strategies as st

from mlledger.services.gateway import experiments, logged_models, metrics, registry, runs
from mlledger.services.gateway.routes import PREFIXES

from .strategies import EXTREME_INTS, HOSTILE_STRINGS

#: Parameter names the gateway's handlers read (and a few MLflow sends that it may not).
PARAMETERS = [
    "alias", "archive_existing_versions", "artifact_location", "datasets", "description", "end_step", "end_time",
    "experiment_id", "experiment_ids", "experiment_name", "filter", "key", "max_results", "metric_key", "metrics",
    "model_id", "model_type", "name", "new_name", "order_by", "page_token", "path", "run_id", "run_ids", "run_name",
    "run_view_type", "source", "source_run_id", "stage", "stages", "start_step", "start_time", "status", "step",
    "tag_key", "tags", "timestamp", "user_id", "value", "view_type", "version", "run_uuid", "params", "inputs",
    "outputs", "max_points", "filter_string", "models", "lifecycle_stage", "runs", "points", "keys", "start", "end", "x",
]
#: Keys of the objects inside MLflow's lists (tags, params, metrics, datasets, inputs).
ITEM_KEYS = ["key", "value", "timestamp", "step", "dataset", "tags", "name", "digest", "source_type", "source",
             "schema", "profile", "model_id", "run_id"]
_HOSTILE = [text for text in HOSTILE_STRINGS if len(text) < 20_000]  # bodies stay small enough to be fast


def routes() -> list[tuple[str, str]]:
    """(path, method) of every MLflow REST route of the gateway, under the first API prefix."""
    table = experiments.TABLE + runs.TABLE + metrics.TABLE + registry.TABLE + logged_models.TABLE
    found = [(PREFIXES[0] + path, method) for path, methods, _ in table for method in methods]
    return [*found, *UI_ROUTES]


#: The web UI's JSON endpoints (the live event stream is a never-ending SSE response, left out).
UI_ROUTES = [("/ui-api/metrics/sampled", "GET")]


def _scalars(known: Sequence[str]) -> st.SearchStrategy[Any]:
    return st.one_of(
        st.none(), st.booleans(), st.sampled_from(EXTREME_INTS + [10**30, -(10**30)]),
        st.integers(), st.floats(allow_nan=False, allow_infinity=False), st.sampled_from([1e308, -1e308, 5e-324]),
        st.text(max_size=20), st.sampled_from(_HOSTILE), st.sampled_from(list(known) or [""]),
    )


def json_values(known: Sequence[str]) -> st.SearchStrategy[Any]:
    """Any JSON value, leaning on scalars, with lists of MLflow-like items."""
    scalar = _scalars(known)
    item = st.dictionaries(st.sampled_from(ITEM_KEYS), scalar, max_size=5)
    return st.one_of(scalar, st.lists(st.one_of(scalar, item), max_size=4), item,
                     st.recursive(scalar, lambda inner: st.lists(inner, max_size=3)
                                  | st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=6))


def bodies(known: Sequence[str]) -> st.SearchStrategy[dict[str, Any]]:
    """A JSON object of API parameters (a few unknown keys too)."""
    keys = st.one_of(st.sampled_from(PARAMETERS), st.text(max_size=10))
    return st.dictionaries(keys, json_values(known), max_size=8)


def query(body: dict[str, Any]) -> list[tuple[str, str]]:
    """The body as a GET/DELETE query string: scalars as text, lists repeated, objects as JSON."""
    pairs = []
    for key, value in body.items():
        for item in value if isinstance(value, list) else [value]:
            text = item if isinstance(item, str) else json.dumps(item)
            pairs.append((key, text.replace("\x00", "")))  # a NUL cannot travel in a URL at all
    return pairs


def fill_path(path: str, segment: str) -> str:
    """`path` with each {placeholder} replaced by the URL-quoted `segment`."""
    quoted = urllib.parse.quote(segment, safe="") or "x"
    while "{" in path:
        start, end = path.index("{"), path.index("}")
        path = path[:start] + quoted + path[end + 1:]
    return path

"""Hypothesis over the gateway's MLflow REST API: every route with random JSON bodies (query strings for GET and
DELETE), malformed bodies and hostile path segments. No answer is a 5xx, each error is MLflow's JSON error."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mlledger.testing import TestStack

from . import rest
from .profile import examples
from .rpcs import HANG_SECONDS, REQUESTS
from .seed import Seeded

EXAMPLES = examples("MLLEDGER_FUZZ_REST_EXAMPLES", 12, 300)
ROUTES = rest.routes()
_RAW_BODIES = [b"{", b"[]", b"null", b"\"x\"", b"{\"a\":", b"\xff\xfe", b"{\"run_id\": NaN}", b"1" * 5000,
               b"{" * 5000 + b"}" * 5000, b"[" * 100_000]


@pytest.fixture(scope="module")
def http(hostile_stack: TestStack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=hostile_stack.gateway_uri, timeout=HANG_SECONDS,
                      headers={"X-Mlledger-Actor": "rest-fuzz"}) as client:
        yield client


def _check(response: httpx.Response, what: str) -> None:
    REQUESTS.add()
    assert response.status_code < 500, f"{what} answered {response.status_code}: {response.text[:300]}"
    if response.status_code >= 400 and response.status_code != 405:
        assert "error_code" in response.json(), f"{what}: {response.text[:200]}"


def _send(http: httpx.Client, method: str, path: str, body: dict[str, Any]) -> httpx.Response:
    if method in ("GET", "DELETE"):
        return http.request(method, path, params=rest.query(body))
    content = json.dumps(body, allow_nan=True).encode()
    return http.request(method, path, content=content, headers={"Content-Type": "application/json"})


@pytest.mark.parametrize(("path", "method"), ROUTES, ids=[f"{m} {p.split('/mlflow')[-1]}" for p, m in ROUTES])
def test_any_body_gets_an_mlflow_answer(http, path: str, method: str, seeded: Seeded, targets: Seeded) -> None:  # type: ignore[no-untyped-def]
    """Random and hostile parameters, and hostile path segments: never a 5xx."""
    known = targets.known_strings()

    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(body=rest.bodies(known), segment=st.one_of(st.sampled_from(known), st.text(max_size=30)))
    def attack(body: dict[str, Any], segment: str) -> None:
        where = rest.fill_path(path, segment)
        _check(_send(http, method, where, body), f"{method} {where} {json.dumps(body, allow_nan=True)[:300]}")

    attack()


@pytest.mark.parametrize(("path", "method"), [r for r in ROUTES if r[1] in ("POST", "PATCH")],
                         ids=lambda item: str(item))
def test_malformed_bodies_are_refused_as_bad_requests(http, path: str, method: str) -> None:  # type: ignore[no-untyped-def]
    """Truncated, non-object, non-UTF-8 and deeply nested JSON bodies are a 4xx naming the problem."""
    for raw in _RAW_BODIES:
        response = http.request(method, rest.fill_path(path, "x"), content=raw,
                                headers={"Content-Type": "application/json"})
        _check(response, f"{method} {path} with {raw[:40]!r}")

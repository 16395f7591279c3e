"""MLflow's scoring protocol against a real server: every request shape, CSV, and each bad request."""

from __future__ import annotations

import json

import numpy as np
import pytest

from .conftest import FEATURES
from .helpers import Server


@pytest.fixture(scope="module")
def rows(training_frame):  # type: ignore[no-untyped-def]
    """Five rows to score and what the classifier predicts for them in-process."""
    return training_frame[0].head(5)


def expected(classifier, rows, method: str = "predict"):  # type: ignore[no-untyped-def]
    return getattr(classifier, method)(rows).tolist()


def test_health_version_and_ping(classifier_server: Server) -> None:
    """/ping and /health answer 200 and /version names mlledger's version."""
    import mlledger

    assert classifier_server.request("GET", "/ping")[0] == 200
    assert classifier_server.request("GET", "/health")[0] == 200
    status, _, body = classifier_server.request("GET", "/version")
    assert (status, body.decode()) == (200, mlledger.__version__)


def test_dataframe_split(classifier_server: Server, classifier, rows) -> None:  # type: ignore[no-untyped-def]
    """`dataframe_split` (pandas' split orient) scores every row."""
    payload = {"dataframe_split": json.loads(rows.to_json(orient="split"))}
    assert classifier_server.invoke(payload) == (200, {"predictions": expected(classifier, rows)})


def test_dataframe_records(classifier_server: Server, classifier, rows) -> None:  # type: ignore[no-untyped-def]
    """`dataframe_records` (a list of row objects) scores every row."""
    payload = {"dataframe_records": rows.to_dict(orient="records")}
    assert classifier_server.invoke(payload) == (200, {"predictions": expected(classifier, rows)})


def test_instances_as_records_and_as_rows(classifier_server: Server, classifier, rows) -> None:  # type: ignore[no-untyped-def]
    """`instances` given as row objects or as plain rows in signature order give the same answer."""
    want = (200, {"predictions": expected(classifier, rows)})
    assert classifier_server.invoke({"instances": rows.to_dict(orient="records")}) == want
    assert classifier_server.invoke({"instances": rows.to_numpy().tolist()}) == want


def test_inputs_as_columns(classifier_server: Server, classifier, rows) -> None:  # type: ignore[no-untyped-def]
    """`inputs` given as named columns scores every row."""
    payload = {"inputs": {name: rows[name].tolist() for name in FEATURES}}
    assert classifier_server.invoke(payload) == (200, {"predictions": expected(classifier, rows)})


def test_params_reach_the_model(classifier_server: Server, classifier, rows) -> None:  # type: ignore[no-untyped-def]
    """`params` travel with the data: predict_method=predict_proba returns class probabilities."""
    payload = {"dataframe_split": json.loads(rows.to_json(orient="split")), "params": {"predict_method": "predict_proba"}}
    status, body = classifier_server.invoke(payload)
    assert status == 200
    np.testing.assert_allclose(body["predictions"], expected(classifier, rows, "predict_proba"), rtol=1e-9)


def test_csv(classifier_server: Server, classifier, rows) -> None:  # type: ignore[no-untyped-def]
    """text/csv (as pandas writes it, with a charset) scores every row."""
    status, body = classifier_server.invoke(rows.to_csv(index=False), "text/csv; charset=utf-8")
    assert (status, body) == (200, {"predictions": expected(classifier, rows)})


def test_integers_widen_to_doubles(classifier_server: Server, classifier) -> None:  # type: ignore[no-untyped-def]
    """Integer values for double columns are accepted (safe widening)."""
    import pandas as pd

    rows = pd.DataFrame([[1, 0, -1, 2]], columns=FEATURES)
    payload = {"dataframe_split": {"columns": FEATURES, "data": [[1, 0, -1, 2]]}}
    assert classifier_server.invoke(payload) == (200, {"predictions": classifier.predict(rows.astype(float)).tolist()})


@pytest.mark.parametrize(("body", "content_type", "status", "fragment"), [
    ("{not json", "application/json", 400, "valid JSON"),
    ("[1, 2]", "application/json", 400, "Received a list"),
    ('{"rows": []}', "application/json", 400, "Received dictionary with input fields: ['rows']"),
    ('{"instances": [[1,2,3,4]], "inputs": [[1,2,3,4]]}', "application/json", 400, "exactly one of the input fields"),
    ('{"dataframe_split": {"columns": ["a","b","c"], "data": [[1,2,3]]}}', "application/json", 400, "'d'"),
    ('{"dataframe_records": [{"a": "x", "b": 1, "c": 1, "d": 1}]}', "application/json", 400, "'a'"),
    ('{"dataframe_split": [1]}', "application/json", 400, "'dataframe_split' must be an object"),
    ('{"instances": [[1,2,3,4]], "params": [1]}', "application/json", 400, "'params' must be a JSON object"),
    ('{"instances": [[1,2,3,4]], "params": {"predict_method": "no_such"}}', "application/json", 400, "predict_method"),
    ("a,b\n1,2", "text/plain", 415, "only supports the following content types"),
    ("a,b\n1,2", "text/csv; charset=latin-1", 415, "only supports UTF-8"),
    ("a,b\n1,2", "text/csv; format=pandas", 415, "Unrecognized content type parameters: format"),
    ('a,b\n1,"2', "text/csv", 400, "Failed to parse input as a Pandas DataFrame"),
])
def test_bad_requests(classifier_server: Server, body: str, content_type: str, status: int, fragment: str) -> None:
    """Each malformed request gets MLflow's status and an {error_code, message} body naming the problem."""
    answered, error = classifier_server.invoke(body, content_type)
    assert answered == status, error
    assert set(error) == {"error_code", "message"} and fragment in error["message"], error


def test_missing_content_type_is_415(classifier_server: Server) -> None:
    """A request without a Content-Type is refused as unsupported, not guessed."""
    status, _, body = classifier_server.request("POST", "/invocations", '{"instances": [[1,2,3,4]]}')
    assert status == 415 and json.loads(body)["error_code"] == "BAD_REQUEST"


def test_metrics_count_requests_errors_and_latency(classifier_server: Server) -> None:
    """/metrics is Prometheus text with request and error counters and a latency histogram."""
    classifier_server.invoke("[]")  # one 400
    classifier_server.invoke({"instances": [[0.0, 0.0, 0.0, 0.0]]})
    status, headers, body = classifier_server.request("GET", "/metrics")
    text = body.decode()
    assert status == 200 and headers["content-type"].startswith("text/plain")
    assert 'mlledger_scoring_requests_total{endpoint="invocations",protocol="rest",status="200"}' in text
    assert 'mlledger_scoring_errors_total{endpoint="invocations",protocol="rest",status="400"}' in text
    assert 'mlledger_scoring_request_duration_seconds_bucket{endpoint="invocations",le="0.005",protocol="rest"}' in text


def test_access_log_is_structured(classifier_server: Server) -> None:
    """Each request writes one JSON access-log line with endpoint, status and duration."""
    classifier_server.request("GET", "/health")
    lines = [line for line in classifier_server.access_log() if line.get("component") == "access"]
    health = [line for line in lines if line["path"] == "/health"]
    assert health and health[-1]["status"] == 200 and health[-1]["endpoint"] == "ping"
    assert isinstance(health[-1]["duration_ms"], float)

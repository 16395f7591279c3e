"""The gateway's pure translations: artifact paths to locations, MLflow's prompt condition, errors."""

from __future__ import annotations

import grpc
import pytest

from mlledger.services.gateway import artifacts, errors, registry, wire

RUN = "0123456789abcdef0123456789abcdef"


@pytest.mark.parametrize("path, expected", [
    (f"experiments/1/{RUN}/artifacts/model/MLmodel", (f"mlledger-artifacts:/experiments/1/{RUN}/artifacts", "model/MLmodel")),
    (f"experiments/1/{RUN}/artifacts", (f"mlledger-artifacts:/experiments/1/{RUN}/artifacts", "")),
    (f"custom/place/{RUN}/artifacts/a.txt", (f"mlledger-artifacts:/custom/place/{RUN}/artifacts", "a.txt")),
    ("experiments/1/models/m-abc/artifacts/MLmodel", ("mlledger-artifacts:/experiments/1/models/m-abc/artifacts", "MLmodel")),
    (f"models/{RUN}/versions/3/model.pkl", (f"mlledger-artifacts:/models/{RUN}/versions/3", "model.pkl")),
    ("loose/file.txt", ("mlledger-artifacts:/", "loose/file.txt")),
])
def test_paths_are_filed_under_the_location_the_sdk_uses(path: str, expected: tuple[str, str]) -> None:
    assert artifacts.split(path) == expected


@pytest.mark.parametrize("path", ["experiments/../etc", "a//b", "./x"])
def test_paths_that_could_escape_are_refused(path: str) -> None:
    with pytest.raises(errors.MlflowError) as caught:
        artifacts.split(path)
    assert caught.value.error_code == "INVALID_PARAMETER_VALUE"


@pytest.mark.parametrize("text, expected", [
    ("name LIKE 'x%' AND tag.`mlflow.prompt.is_prompt` != 'true'", ("name LIKE 'x%'", False)),
    ("tag.`mlflow.prompt.is_prompt` != 'true'", ("", False)),
    ("tags.`mlflow.prompt.is_prompt` = 'true' AND name = 'a'", ("name = 'a'", True)),
    ("a = '1' and tag.`mlflow.prompt.is_prompt` != 'true' AND b = '2'", ("a = '1' AND b = '2'", False)),
    ("name = 'a'", ("name = 'a'", None)),
])
def test_prompt_condition_is_taken_out_of_registry_filters(text: str, expected: tuple[str, bool | None]) -> None:
    assert registry._without_prompt_condition(text) == expected


def test_uris_and_values_as_mlflow_shows_them() -> None:
    assert wire.to_proxied("mlledger-artifacts:/experiments/1") == "mlflow-artifacts:/experiments/1"
    assert wire.to_managed("mlflow-artifacts:/experiments/1") == "mlledger-artifacts:/experiments/1"
    assert wire.to_proxied("s3://bucket/x") == "s3://bucket/x"
    assert [wire.number(v) for v in (1.5, float("nan"), float("inf"), float("-inf"))] == [1.5, "NaN", "Infinity",
                                                                                           "-Infinity"]


def test_every_grpc_status_has_an_mlflow_code_with_mlflow_http_status() -> None:
    for code in grpc.StatusCode:
        if code is grpc.StatusCode.OK:
            continue
        mapped = errors.FROM_GRPC.get(code, "INTERNAL_ERROR")
        assert mapped in errors.HTTP_STATUS
    assert errors.MlflowError("RESOURCE_DOES_NOT_EXIST", "x").status == 404
    assert errors.MlflowError("RESOURCE_ALREADY_EXISTS", "x").status == 400


def test_http_statuses_are_mlflows() -> None:
    from mlflow.exceptions import ERROR_CODE_TO_HTTP_STATUS

    assert {code: ERROR_CODE_TO_HTTP_STATUS[code] for code in errors.HTTP_STATUS} == errors.HTTP_STATUS

"""TLS and mutual TLS: clients, service-to-service calls and the gateway connect with the right
certificates and are refused with the wrong ones (wrong CA, no client certificate, wrong host name)."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from pathlib import Path

import grpc
import httpx
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

import mlledger
from mlledger import errors
from mlledger.testing import TestStack, running_stack
from mlledger.tls import ClientTls

from .certs import Authority, Issued


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """The deployment's CA with a server and a client certificate, and a stranger CA with its own client certificate."""
    directory = tmp_path_factory.mktemp("pki")
    ca, stranger = Authority(directory, "deployment CA"), Authority(directory, "stranger CA")
    return {
        "ca": ca, "stranger": stranger,
        "server": ca.issue("services", hosts=("localhost", "127.0.0.1")),
        "client": ca.issue("alice", client=True),
        "stranger_client": stranger.issue("mallory", client=True),
    }


@pytest.fixture(scope="module")
def mtls_stack(mlledger_infrastructure, pki) -> Iterator[TestStack]:  # type: ignore[no-untyped-def]
    """Every service serves mutual TLS, calls the others over it, and the gateway serves HTTPS."""
    server: Issued = pki["server"]  # type: ignore[assignment]
    ca: Authority = pki["ca"]  # type: ignore[assignment]
    env = {
        "MLLEDGER_TLS_CERT": str(server.cert), "MLLEDGER_TLS_KEY": str(server.key),
        "MLLEDGER_TLS_CLIENT_CA": str(ca.ca_file), "MLLEDGER_TLS_CA": str(ca.ca_file),
        # The gateway shows the services' certificate as its client certificate.
        "MLLEDGER_TLS_CLIENT_CERT": str(server.cert), "MLLEDGER_TLS_CLIENT_KEY": str(server.key),
        "MLLEDGER_GATEWAY_TLS_CERT": str(server.cert), "MLLEDGER_GATEWAY_TLS_KEY": str(server.key),
    }
    with running_stack(mlledger_infrastructure, gateway=True, extra_env=env) as stack:
        yield stack


def _client(stack: TestStack, tls: ClientTls) -> mlledger.Client:
    return mlledger.Client(stack.tracking_uri, tls=tls, retry_seconds=0)


def _alice(pki: dict[str, object]) -> ClientTls:
    ca: Authority = pki["ca"]  # type: ignore[assignment]
    client: Issued = pki["client"]  # type: ignore[assignment]
    return ClientTls(enabled=True, ca_file=str(ca.ca_file), cert_file=str(client.cert), key_file=str(client.key))


def test_client_with_the_right_certificates_uses_every_service(mtls_stack, pki, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """With the deployment's CA and a client certificate it signed, tracking, artifacts and the registry
    (which calls the artifact service over mutual TLS itself to snapshot the model) all answer."""
    with _client(mtls_stack, _alice(pki)) as client:
        experiment_id = client.create_experiment("tls-works")
        run = client.create_run(experiment_id)
        client.log_param(run.info.run_id, "lr", "0.1")
        (tmp_path / "MLmodel").write_text("flavors: {}\n")
        client.log_artifact(run.info.run_id, tmp_path / "MLmodel", "model")
        client.create_registered_model("tls-model")
        version = client.create_model_version("tls-model", f"runs:/{run.info.run_id}/model", run_id=run.info.run_id)
        assert version.status == "READY"
        assert client.get_run(run.info.run_id).data.params == {"lr": "0.1"}


def test_grpcs_uri_with_the_ca_in_the_environment(mtls_stack, pki, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """`grpcs://host:port` plus MLLEDGER_TLS_* variables is all the SDK needs."""
    ca: Authority = pki["ca"]  # type: ignore[assignment]
    client_cert: Issued = pki["client"]  # type: ignore[assignment]
    monkeypatch.setenv("MLLEDGER_TLS_CA", str(ca.ca_file))
    monkeypatch.setenv("MLLEDGER_TLS_CLIENT_CERT", str(client_cert.cert))
    monkeypatch.setenv("MLLEDGER_TLS_CLIENT_KEY", str(client_cert.key))
    with mlledger.Client(f"grpcs://{mtls_stack.tracking_uri}", retry_seconds=0) as client:
        assert client.get_experiment("0").name == "Default"


@pytest.mark.parametrize("case", ["no client certificate", "client certificate of another CA",
                                  "server checked against another CA", "wrong host name", "plain text"])
def test_wrong_certificates_are_refused(mtls_stack, pki, case: str) -> None:  # type: ignore[no-untyped-def]
    """Each wrong setting fails the handshake: the call never reaches a service."""
    right = _alice(pki)
    stranger: Authority = pki["stranger"]  # type: ignore[assignment]
    mallory: Issued = pki["stranger_client"]  # type: ignore[assignment]
    tls = {
        "no client certificate": ClientTls(enabled=True, ca_file=right.ca_file),
        "client certificate of another CA": ClientTls(enabled=True, ca_file=right.ca_file,
                                                      cert_file=str(mallory.cert), key_file=str(mallory.key)),
        "server checked against another CA": ClientTls(enabled=True, ca_file=str(stranger.ca_file),
                                                       cert_file=right.cert_file, key_file=right.key_file),
        "wrong host name": ClientTls(enabled=True, ca_file=right.ca_file, cert_file=right.cert_file,
                                     key_file=right.key_file, server_name="registry.example.org"),
        "plain text": ClientTls(),
    }[case]
    with _client(mtls_stack, tls) as client, pytest.raises(errors.Unavailable):
        client.get_experiment("0")


def test_health_over_mutual_tls_and_the_wrong_host_name(mtls_stack, pki) -> None:  # type: ignore[no-untyped-def]
    """A raw gRPC channel: the right name gets SERVING, a certificate check against another name fails."""
    right = _alice(pki)
    with right.channel(mtls_stack.endpoints["registry"]) as channel:
        answer = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=10)
        assert answer.status == health_pb2.HealthCheckResponse.SERVING
    wrong = ClientTls(enabled=True, ca_file=right.ca_file, cert_file=right.cert_file, key_file=right.key_file,
                      server_name="not-the-services.example")
    with wrong.channel(mtls_stack.endpoints["registry"]) as channel, pytest.raises(grpc.RpcError) as failure:
        health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=10)
    assert failure.value.code() == grpc.StatusCode.UNAVAILABLE


def test_gateway_serves_https_and_reaches_the_services_over_mutual_tls(mtls_stack, pki) -> None:  # type: ignore[no-untyped-def]
    """The gateway answers HTTPS checked against the deployment's CA, and its MLflow calls go through."""
    ca: Authority = pki["ca"]  # type: ignore[assignment]
    stranger: Authority = pki["stranger"]  # type: ignore[assignment]
    base = mtls_stack.gateway_uri.replace("http://", "https://")
    with httpx.Client(verify=ssl.create_default_context(cafile=ca.ca_file), timeout=30) as http:
        created = http.post(f"{base}/api/2.0/mlflow/experiments/create", json={"name": "over-https"})
        assert created.status_code == 200, created.text
        got = http.get(f"{base}/api/2.0/mlflow/experiments/get",
                       params={"experiment_id": created.json()["experiment_id"]})
        assert got.json()["experiment"]["name"] == "over-https"
    foreign = ssl.create_default_context(cafile=stranger.ca_file)
    with httpx.Client(verify=foreign, timeout=30) as http, pytest.raises(httpx.ConnectError):
        http.get(f"{base}/health")

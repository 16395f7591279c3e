"""Data stored before the attacks, and the check that it still reads back exactly on every connection."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import grpc

from mlledger.v1 import artifacts_pb2 as apb
from mlledger.v1 import artifacts_pb2_grpc, registry_pb2_grpc, tracking_pb2_grpc
from mlledger.v1 import registry_pb2 as rpb
from mlledger.v1 import tracking_pb2 as tpb

from .rpcs import REQUESTS

POINTS = 100
DEADLINE = 30.0


@dataclass(frozen=True)
class Seeded:
    """What was stored: an experiment and run with params, tags and metrics; a model version with an alias; a file."""

    experiment_id: str
    experiment_name: str
    run_id: str
    model_name: str
    location: str
    content: bytes

    def identities(self) -> list[str]:
        """What names these objects (a purge naming any of them, or a prefix of a location, would remove them)."""
        return [self.experiment_id, self.experiment_name, self.run_id, self.model_name, self.location]

    def known_strings(self) -> list[str]:
        """Names and ids of these objects, and references built from them."""
        return [self.experiment_id, self.experiment_name, self.run_id, self.model_name, self.location, "MLmodel",
                "loss", "lr", "team", "champion", "0", f"models:/{self.model_name}/1",
                f"models:/{self.model_name}@champion", f"models:/{self.model_name}/²", f"run/{self.run_id}"]


def stubs(channels: dict[str, grpc.Channel]) -> tuple[tracking_pb2_grpc.TrackingServiceStub,
                                                      registry_pb2_grpc.RegistryServiceStub,
                                                      artifacts_pb2_grpc.ArtifactServiceStub]:
    return (tracking_pb2_grpc.TrackingServiceStub(channels["tracking"]),
            registry_pb2_grpc.RegistryServiceStub(channels["registry"]),
            artifacts_pb2_grpc.ArtifactServiceStub(channels["artifacts"]))


def seed_data(channels: dict[str, grpc.Channel]) -> Seeded:
    """Store the reference data through the raw stubs."""
    tracking, registry, artifacts = stubs(channels)
    token = uuid.uuid4().hex[:10]
    name = f"seed-{token}"
    experiment_id = tracking.CreateExperiment(tpb.CreateExperimentRequest(name=name), timeout=DEADLINE).experiment_id
    run_id = tracking.CreateRun(tpb.CreateRunRequest(experiment_id=experiment_id, run_name="seed"),
                                timeout=DEADLINE).run.info.run_id
    series = tpb.MetricSeries(key="loss", values=[i / 2 for i in range(POINTS)], steps=list(range(POINTS)),
                              timestamps_ms=[1_700_000_000_000 + i for i in range(POINTS)])
    tracking.LogBatch(tpb.LogBatchRequest(run_id=run_id, metrics=[series], params=[tpb.Param(key="lr", value="0.1")],
                                          tags=[tpb.Tag(key="team", value="fuzz")]), timeout=DEADLINE)
    location = f"mlledger-artifacts:/seed/{token}"
    content = b"seed-bytes-" + token.encode()
    header = apb.UploadArtifactRequest(header=apb.UploadHeader(artifact_uri=location, path="MLmodel"))
    artifacts.UploadArtifact(iter([header, apb.UploadArtifactRequest(chunk=content)]), timeout=DEADLINE)
    model = f"seed-model-{token}"
    registry.CreateRegisteredModel(rpb.CreateRegisteredModelRequest(name=model), timeout=DEADLINE)
    registry.CreateModelVersion(rpb.CreateModelVersionRequest(name=model, source=location, run_id=run_id),
                                timeout=DEADLINE)
    registry.SetRegisteredModelAlias(rpb.SetRegisteredModelAliasRequest(name=model, alias="champion", version=1),
                                     timeout=DEADLINE)
    return Seeded(experiment_id, name, run_id, model, location, content)


def read_back(channels: dict[str, grpc.Channel], seeded: Seeded) -> None:
    """Read every seeded item and compare it with what was stored (raises AssertionError or RpcError)."""
    tracking, registry, artifacts = stubs(channels)
    REQUESTS.add(6)
    experiment = tracking.GetExperiment(tpb.GetExperimentRequest(experiment_id=seeded.experiment_id),
                                        timeout=DEADLINE).experiment
    assert experiment.name == seeded.experiment_name
    run = tracking.GetRun(tpb.GetRunRequest(run_id=seeded.run_id), timeout=DEADLINE).run
    assert {p.key: p.value for p in run.data.params} == {"lr": "0.1"}
    assert {t.key: t.value for t in run.data.tags}.get("team") == "fuzz"
    history = tracking.GetMetricHistory(tpb.GetMetricHistoryRequest(run_id=seeded.run_id, metric_key="loss"),
                                        timeout=DEADLINE)
    assert [m.step for m in history.metrics] == list(range(POINTS))
    assert [m.value for m in history.metrics] == [i / 2 for i in range(POINTS)]
    version = registry.GetModelVersionByAlias(
        rpb.GetModelVersionByAliasRequest(name=seeded.model_name, alias="champion"), timeout=DEADLINE).model_version
    assert version.version == 1
    chunks = artifacts.DownloadArtifact(apb.DownloadArtifactRequest(artifact_uri=seeded.location, path="MLmodel"),
                                        timeout=DEADLINE)
    assert b"".join(chunk.chunk for chunk in chunks) == seeded.content


def read_back_everywhere(channels: dict[str, grpc.Channel], seeded: Seeded, parallel: int = 24,
                         rounds: int = 3) -> None:
    """Read the seeded data from many concurrent calls, so every pooled connection serves some of them."""
    with ThreadPoolExecutor(parallel) as executor:
        for future in [executor.submit(read_back, channels, seeded) for _ in range(parallel * rounds)]:
            future.result()

"""Purge calls of `mlledger.Client`: remove a run, an experiment or a model version for ever (administrators)."""

from __future__ import annotations

from dataclasses import dataclass

from mlledger.transport import Transport
from mlledger.v1 import registry_pb2, registry_pb2_grpc, tracking_pb2, tracking_pb2_grpc


@dataclass(frozen=True)
class PurgeResult:
    """What a purge removed: events redacted in the log, artifact files deleted, runs purged with an experiment."""

    redacted_events: int
    artifact_files: int
    run_ids: tuple[str, ...] = ()


class PurgeCalls:
    """PurgeRun, PurgeExperiment and PurgeModelVersion; see docs/purge.md for what a purge removes and keeps."""

    _transport: Transport

    def purge_run(self, run_id: str) -> PurgeResult:
        """Delete a run's params, metrics, tags, inputs and artifacts for ever and redact its events."""
        stub = tracking_pb2_grpc.TrackingServiceStub(self._transport.channel("tracking"))
        reply = self._transport.call(stub.PurgeRun, tracking_pb2.PurgeRunRequest(run_id=run_id), timeout=900)
        return PurgeResult(reply.redacted_events, reply.artifact_files)

    def purge_experiment(self, experiment_id: str) -> PurgeResult:
        """Delete an experiment and every run in it for ever, as purge_run does for each run."""
        stub = tracking_pb2_grpc.TrackingServiceStub(self._transport.channel("tracking"))
        request = tracking_pb2.PurgeExperimentRequest(experiment_id=str(experiment_id))
        reply = self._transport.call(stub.PurgeExperiment, request, timeout=900)
        return PurgeResult(reply.redacted_events, reply.artifact_files, tuple(reply.run_ids))

    def purge_model_version(self, name: str, version: int | str) -> PurgeResult:
        """Delete a model version, its tags, aliases and files for ever and redact its events."""
        stub = registry_pb2_grpc.RegistryServiceStub(self._transport.channel("registry"))
        request = registry_pb2.PurgeModelVersionRequest(name=name, version=int(version))
        reply = self._transport.call(stub.PurgeModelVersion, request, timeout=900)
        return PurgeResult(reply.redacted_events, reply.artifact_files)

"""The registry as a client of the other services: does the run exist (and what did it log), and
please snapshot these files for a new version."""

from __future__ import annotations

import asyncio
import hashlib
import json
import uuid
from dataclasses import dataclass

import grpc

from mlledger import errors
from mlledger.services.core.server import ServiceRuntime
from mlledger.transport import from_rpc_error
from mlledger.v1 import artifacts_pb2, artifacts_pb2_grpc, registry_pb2 as pb, tracking_pb2, tracking_pb2_grpc

RUNS_SCHEME = "runs:/"
ARTIFACTS_SCHEME = "mlledger-artifacts:/"
CALL_TIMEOUT = 30.0
SNAPSHOT_TIMEOUT = 300.0


@dataclass(frozen=True)
class Source:
    """A parsed version source: the run it names (if any) and the files to snapshot."""

    run_id: str
    artifact_uri: str
    path: str


def parse_source(source: str, run_id: str) -> Source:
    """Split "runs:/<run_id>/<path>" or an artifact location; the run_id field must agree with a runs:/ source."""
    if source.startswith(RUNS_SCHEME):
        named, _, path = source[len(RUNS_SCHEME):].lstrip("/").partition("/")
        if not named:
            raise errors.InvalidArgument("source", f"expected runs:/<run_id>/<path>, got {source!r}")
        if run_id and run_id != named:
            raise errors.InvalidArgument("run_id", f"{run_id!r} differs from the run in the source ({named!r})")
        return Source(named, "", path.strip("/"))
    if source.startswith(ARTIFACTS_SCHEME) and len(source) > len(ARTIFACTS_SCHEME):
        return Source(run_id, source, "")
    raise errors.InvalidArgument(
        "source", f"expected runs:/<run_id>/<path> or an artifact location ({ARTIFACTS_SCHEME}...), got {source!r}")


def within_run(source: Source, run_artifact_uri: str) -> Source:
    """A location inside the run's artifact location ("<artifact_uri>/model", as MLflow users write
    it) split into that location and the path under it; other sources unchanged."""
    root = run_artifact_uri.rstrip("/")
    if root and source.artifact_uri.startswith(root + "/"):
        return Source(source.run_id, root, source.artifact_uri[len(root) + 1:].strip("/"))
    return source


def files_of(source: Source, run_artifact_uri: str) -> tuple[str, str]:
    """(location, path) of the files a version is snapshotted from, given its run's artifact location
    ("" without a run): a runs:/ source, or an artifact location inside the run's, is read from the run's."""
    if not source.run_id:
        return source.artifact_uri, source.path
    inside = within_run(source, run_artifact_uri)
    return inside.artifact_uri or run_artifact_uri, inside.path


def _details(exc: grpc.RpcError) -> str:
    return str(exc.details() if hasattr(exc, "details") else exc)


def _error(exc: grpc.RpcError, service: str) -> errors.MlledgerError:
    code = exc.code() if hasattr(exc, "code") else None
    if code in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED):
        return errors.Unavailable(f"the {service} service is unavailable: {_details(exc)}")
    return from_rpc_error(exc)


async def fetch_run(runtime: ServiceRuntime, run_id: str) -> tracking_pb2.Run:
    """The run from the tracking service: NotFound naming it, FailedPrecondition when deleted."""
    stub = tracking_pb2_grpc.TrackingServiceStub(runtime.channel("tracking"))
    try:
        reply = await stub.GetRun(tracking_pb2.GetRunRequest(run_id=run_id), timeout=CALL_TIMEOUT)
    except grpc.RpcError as exc:
        error = _error(exc, "tracking")
        if isinstance(error, (errors.NotFound, errors.InvalidArgument)):
            raise errors.NotFound("run", run_id, f"run {run_id!r} not found: the version must come from an existing "
                                                 "run") from None
        raise error from None
    if reply.run.info.lifecycle_stage == tracking_pb2.DELETED:
        raise errors.FailedPrecondition(f"run {run_id!r} is deleted: restore it before registering its model",
                                        subject=f"run/{run_id}")
    return reply.run


def lineage_of(run: tracking_pb2.Run) -> pb.ModelLineage:
    """The run's identity and a digest of its params and latest metrics, as they are now."""
    params = {param.key: param.value for param in run.data.params}
    metrics = {metric.key: metric.value for metric in run.data.metrics}
    canonical = json.dumps({"params": sorted(params.items()), "metrics": sorted(metrics.items())},
                           separators=(",", ":"), allow_nan=True)
    return pb.ModelLineage(run_id=run.info.run_id, experiment_id=run.info.experiment_id,
                           run_digest=hashlib.sha256(canonical.encode()).hexdigest(), params=params, metrics=metrics,
                           run_artifact_uri=run.info.artifact_uri)


def destination(model_id: str, version: int) -> str:
    """Where the snapshot of a version taken after its creation goes (a large model's, in the background)."""
    # Keyed by the immutable id: a renamed or deleted model frees its name, and a new model of that
    # name must not collide with the old snapshots.
    return f"{ARTIFACTS_SCHEME}models/{model_id}/versions/{version}"


#: The namespace of snapshot ids made from idempotency keys (fixed: a retry must find its snapshot).
_SNAPSHOT_IDS = uuid.UUID("5c0d9f1e-3a51-4f0e-9b6a-6d1f3c2b7e40")


def request_destination(model_id: str, request_id: str) -> str:
    """Where the snapshot taken before its version (and number) exists goes: keyed by the call's
    idempotency key, so a retried call finds its own snapshot (a new location when it has no key).
    Under `versions/` like every version's files (the gateway maps paths there to their location)."""
    snapshot_id = uuid.uuid5(_SNAPSHOT_IDS, request_id) if request_id else uuid.uuid4()
    return f"{ARTIFACTS_SCHEME}models/{model_id}/versions/{snapshot_id}"


#: Attempts at a snapshot while the artifact service is unavailable, before the call itself fails.
SNAPSHOT_ATTEMPTS = 4
_TRANSIENT = (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED)


async def snapshot(runtime: ServiceRuntime, request: artifacts_pb2.SnapshotArtifactsRequest, *,
                   timeout: float = SNAPSHOT_TIMEOUT) -> tuple[artifacts_pb2.SnapshotArtifactsResponse | None, str]:
    """(the snapshot, "") or (None, why it failed): a definite failure is recorded on the version.

    A transient one (the artifact service unavailable or too slow) is retried a few times and
    then raised as Unavailable: the caller retries later (the SDK retries the call with its
    idempotency key; a snapshot already made is recognised as identical).
    """
    stub = artifacts_pb2_grpc.ArtifactServiceStub(runtime.channel("artifacts"))
    source_uri, path = request.source_uri, request.source_path
    for attempt in range(SNAPSHOT_ATTEMPTS):
        try:
            return await stub.SnapshotArtifacts(request, timeout=timeout), ""
        except grpc.RpcError as exc:
            code = exc.code() if hasattr(exc, "code") else None
            if code in _TRANSIENT:
                if attempt == SNAPSHOT_ATTEMPTS - 1:
                    raise errors.Unavailable(f"the artifacts service could not snapshot {source_uri}/{path} "
                                             f"({code.name}: {_details(exc)}); retry the call") from None
                await asyncio.sleep(0.25 * 2 ** attempt)
                continue
            return None, f"snapshot of {source_uri}/{path} failed: {code.name if code else 'UNKNOWN'}: {_details(exc)}"
        except errors.MlledgerError as exc:
            return None, f"snapshot of {source_uri}/{path} failed: {exc}"
    raise AssertionError("unreachable")

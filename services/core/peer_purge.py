"""The call a service makes to the artifact service when it purges something that has files."""

from __future__ import annotations

from collections.abc import Callable

import grpc

from mlledger import errors
from mlledger.services.core.logging import get_logger
from mlledger.transport import from_rpc_error
from mlledger.v1 import artifacts_pb2, artifacts_pb2_grpc

#: The PreconditionFailure type the artifact service answers for a location outside its roots.
OUTSIDE_ROOTS = "OUTSIDE_ARTIFACT_ROOTS"
log = get_logger("purge")

#: Seconds a purge of one location may take (deleting many files from object storage is slow).
PURGE_TIMEOUT = 600.0


async def purge_artifacts(channel: Callable[[str], grpc.aio.Channel], artifact_uri: str) -> int:
    """Purge everything at and below `artifact_uri` on the artifact service, as the calling principal (the
    channel forwards it);
    returns the number of files removed. An unreachable artifact service is UNAVAILABLE (retry the purge)."""
    stub = artifacts_pb2_grpc.ArtifactServiceStub(channel("artifacts"))
    try:
        reply = await stub.PurgeArtifacts(artifacts_pb2.PurgeArtifactsRequest(artifact_uri=artifact_uri),
                                          timeout=PURGE_TIMEOUT)
    except grpc.RpcError as exc:
        code = exc.code() if hasattr(exc, "code") else None
        if code in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED):
            raise errors.Unavailable(f"the artifact service could not purge {artifact_uri}: "
                                     f"{exc.details() if hasattr(exc, 'details') else exc}; retry the purge") from None
        error = from_rpc_error(exc)
        if isinstance(error, errors.FailedPrecondition) and error.type == OUTSIDE_ROOTS:
            # Files the artifact service does not manage (e.g. an experiment's own s3:// location
            # outside its roots) are not its to delete: the purge goes on and says so in the log.
            log.warning("artifacts outside the artifact service's roots were not purged", artifact_uri=artifact_uri)
            return 0
        raise error from None
    return int(reply.file_count)

"""gRPC handlers of mlledger.v1.ArtifactService: decode, call the use case, encode."""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc

from mlledger import errors
from mlledger.services.artifacts.operations import Artifacts
from mlledger.services.artifacts.purge import ArtifactPurge
from mlledger.v1 import artifacts_pb2, artifacts_pb2_grpc


class _UploadContent:
    """The chunks of an upload stream after its header, and the digest its optional last message carries."""

    def __init__(self, requests: AsyncIterator[artifacts_pb2.UploadArtifactRequest]) -> None:
        self._requests = requests
        self.trailing_sha256: str | None = None

    async def chunks(self) -> AsyncIterator[bytes]:
        async for request in self._requests:
            kind = request.WhichOneof("kind")
            if self.trailing_sha256 is not None:
                raise errors.InvalidArgument("trailing_sha256", "must be the last message of an upload")
            if kind == "trailing_sha256":
                self.trailing_sha256 = request.trailing_sha256
            elif kind == "chunk":
                yield request.chunk
            else:
                raise errors.InvalidArgument("header", "only the first message of an upload may carry a header")


class ArtifactApi(artifacts_pb2_grpc.ArtifactServiceServicer):
    """The artifact service's RPCs."""

    def __init__(self, artifacts: Artifacts, purge: ArtifactPurge | None = None) -> None:
        self._artifacts = artifacts
        self._purge = purge

    async def UploadArtifact(self, request_iterator: AsyncIterator[artifacts_pb2.UploadArtifactRequest],
                             context: grpc.aio.ServicerContext) -> artifacts_pb2.UploadArtifactResponse:
        requests = aiter(request_iterator)
        first = await anext(requests, None)
        if first is None or first.WhichOneof("kind") != "header":
            raise errors.InvalidArgument("header", "the first message of an upload must carry the header")
        content = _UploadContent(requests)
        return await self._artifacts.upload(first.header, content.chunks(), lambda: content.trailing_sha256)

    async def DownloadArtifact(self, request: artifacts_pb2.DownloadArtifactRequest,
                               context: grpc.aio.ServicerContext
                               ) -> AsyncIterator[artifacts_pb2.DownloadArtifactResponse]:
        async for message in self._artifacts.download(request):
            yield message

    async def ListArtifacts(self, request: artifacts_pb2.ListArtifactsRequest,
                            context: grpc.aio.ServicerContext) -> artifacts_pb2.ListArtifactsResponse:
        return await self._artifacts.list(request)

    async def DeleteArtifacts(self, request: artifacts_pb2.DeleteArtifactsRequest,
                              context: grpc.aio.ServicerContext) -> artifacts_pb2.DeleteArtifactsResponse:
        return await self._artifacts.delete(request)

    async def SnapshotArtifacts(self, request: artifacts_pb2.SnapshotArtifactsRequest,
                                context: grpc.aio.ServicerContext) -> artifacts_pb2.SnapshotArtifactsResponse:
        return await self._artifacts.snapshot(request)

    async def PurgeArtifacts(self, request: artifacts_pb2.PurgeArtifactsRequest,
                             context: grpc.aio.ServicerContext) -> artifacts_pb2.PurgeArtifactsResponse:
        assert self._purge is not None, "the service definition provides the purge use case"
        return await self._purge.purge(request)

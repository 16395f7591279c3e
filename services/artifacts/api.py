"""gRPC handlers of mlledger.v1.ArtifactService: decode, call the use case, encode."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import grpc

from mlledger import chunk_wire, errors
from mlledger.chunk_wire import Chunk
from mlledger.services.artifacts.operations import Artifacts
from mlledger.services.artifacts.purge import ArtifactPurge
from mlledger.v1 import artifacts_pb2, artifacts_pb2_grpc

UploadRequest = artifacts_pb2.UploadArtifactRequest | Chunk

#: The codecs that move file content without copying it (mlledger.chunk_wire); protobuf's elsewhere.
_CHUNK_CODECS: dict[str, dict[str, Callable[..., Any]]] = {
    "UploadArtifact": {"request_deserializer": chunk_wire.decode_upload_request},
    "DownloadArtifact": {"response_serializer": chunk_wire.encode_download_response},
}
_HANDLER_KINDS = {  # (client streaming, server streaming) -> how grpc wraps the method
    (False, False): grpc.unary_unary_rpc_method_handler,
    (True, False): grpc.stream_unary_rpc_method_handler,
    (False, True): grpc.unary_stream_rpc_method_handler,
    (True, True): grpc.stream_stream_rpc_method_handler,
}


class _UploadContent:
    """The chunks of an upload stream after its header, and the digest its optional last message carries."""

    def __init__(self, requests: AsyncIterator[UploadRequest]) -> None:
        self._requests = requests
        self.trailing_sha256: str | None = None

    async def chunks(self) -> AsyncIterator[bytes | memoryview]:
        async for request in self._requests:
            if self.trailing_sha256 is not None:
                raise errors.InvalidArgument("trailing_sha256", "must be the last message of an upload")
            if isinstance(request, Chunk):
                yield request.data
                continue
            kind = request.WhichOneof("kind")
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

    async def UploadArtifact(self, request_iterator: AsyncIterator[UploadRequest],
                             context: grpc.aio.ServicerContext) -> artifacts_pb2.UploadArtifactResponse:
        requests = aiter(request_iterator)
        first = await anext(requests, None)
        if first is None or isinstance(first, Chunk) or first.WhichOneof("kind") != "header":
            raise errors.InvalidArgument("header", "the first message of an upload must carry the header")
        content = _UploadContent(requests)
        return await self._artifacts.upload(first.header, content.chunks(), lambda: content.trailing_sha256)

    async def DownloadArtifact(self, request: artifacts_pb2.DownloadArtifactRequest,
                               context: grpc.aio.ServicerContext
                               ) -> AsyncIterator[artifacts_pb2.DownloadArtifactResponse | Chunk]:
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


def add_to_server(api: ArtifactApi, server: grpc.aio.Server) -> None:
    """Register the ArtifactService as the generated add_ArtifactServiceServicer_to_server does, but with
    the chunk codecs of mlledger.chunk_wire on UploadArtifact and DownloadArtifact."""
    service = artifacts_pb2.DESCRIPTOR.services_by_name["ArtifactService"]
    handlers = {}
    for method in service.methods:
        codecs = {"request_deserializer": getattr(artifacts_pb2, method.input_type.name).FromString,
                  "response_serializer": getattr(artifacts_pb2, method.output_type.name).SerializeToString,
                  **_CHUNK_CODECS.get(method.name, {})}
        wrap = _HANDLER_KINDS[(method.client_streaming, method.server_streaming)]
        handlers[method.name] = wrap(getattr(api, method.name), **codecs)
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(service.full_name, handlers),))
    server.add_registered_method_handlers(service.full_name, handlers)

"""The `mlflow-artifacts` proxy: list, download, upload and delete files through the artifact service.

MLflow clients address a file by one path under the server's artifact root, e.g.
`experiments/1/<run_id>/artifacts/model/MLmodel`. The artifact service records files per
artifact location, so the path is split into the location the SDK uses for the same files (a
run's artifact_uri, a logged model's or a registry snapshot's location) and the path inside it:
files written through either door are the same files. Bodies stream in both directions in
chunks, never held whole in memory.
"""

from __future__ import annotations

import mimetypes
import re
from collections.abc import AsyncIterator
from typing import Any

import grpc
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from mlledger.services.gateway import wire
from mlledger.services.gateway.backend import Caller
from mlledger.services.gateway.errors import MULTIPART_UNSUPPORTED, MlflowError, from_rpc_error, invalid
from mlledger.services.gateway.params import Params
from mlledger.services.gateway.routes import json_endpoint
from mlledger.v1 import artifacts_pb2 as pb
from mlledger.v1 import tracking_pb2 as tpb

CHUNK_BYTES = 1024 * 1024
_RUN_ID = re.compile(r"^[0-9a-f]{32}$")
PREFIXES = ("/api/2.0/mlflow-artifacts", "/ajax-api/2.0/mlflow-artifacts")


def is_run_id(text: str) -> bool:
    """Whether `text` has the form of a run id."""
    return bool(_RUN_ID.match(text))


def split(path: str) -> tuple[str, str]:
    """(artifact location, path inside it) for a path under the managed root."""
    segments = [segment for segment in path.strip("/").split("/")]
    if any(segment in ("", ".", "..") for segment in segments):
        raise invalid(f"Invalid path: {path!r}")
    if len(segments) >= 4 and segments[0] == "models" and segments[2] == "versions":
        cut = 4
    else:
        cut = 0
        for index in range(1, len(segments)):
            before = segments[index - 1]
            if segments[index] == "artifacts" and (
                    _RUN_ID.match(before) or (before.startswith("m-") and index >= 2 and segments[index - 2] == "models")):
                cut = index + 1
                break
    return wire.MANAGED + "/".join(segments[:cut]), "/".join(segments[cut:])


async def _list(params: Params, caller: Caller) -> dict[str, Any]:
    path = params.string("path")
    if not path:
        return {"files": []}
    location, inner = split(path)
    files: list[dict[str, Any]] = []
    token = ""
    while True:
        try:
            page = await caller.call(caller.services.artifacts.ListArtifacts, pb.ListArtifactsRequest(
                artifact_uri=location, path=inner, page_size=10_000, page_token=token))
        except MlflowError as exc:
            if exc.error_code == "RESOURCE_DOES_NOT_EXIST":
                return {"files": []}
            raise
        for item in page.files:
            entry: dict[str, Any] = {"path": item.path.rsplit("/", 1)[-1], "is_dir": item.is_dir}
            if not item.is_dir:
                entry["file_size"] = item.size
            files.append(entry)
        token = page.next_page_token
        if not token:
            return {"files": files}


async def _download(request: Request) -> Response:
    caller = Caller.of(request)
    try:
        location, inner = split(request.path_params["path"])
        stream = caller.stream_out(caller.services.artifacts.DownloadArtifact,
                                   pb.DownloadArtifactRequest(artifact_uri=location, path=inner))
        first = await stream.read()
    except grpc.aio.AioRpcError as exc:
        return from_rpc_error(exc).response()
    except MlflowError as exc:
        return exc.response()
    if first is grpc.aio.EOF:
        return MlflowError("INTERNAL_ERROR", "the artifact service sent no data").response()

    async def body() -> AsyncIterator[bytes]:
        if first.chunk:
            yield first.chunk
        while (message := await stream.read()) is not grpc.aio.EOF:
            yield message.chunk

    name = inner.rsplit("/", 1)[-1]
    media = mimetypes.guess_type(name)[0] or "application/octet-stream"
    headers = {"Content-Length": str(first.file.size), "Content-Disposition": f'attachment; filename="{name}"'}
    return StreamingResponse(body(), media_type=media, headers=headers)


async def _upload(request: Request) -> Response:
    caller = Caller.of(request)
    try:
        location, inner = split(request.path_params["path"])
        if not inner:
            raise invalid(f"Invalid path: {request.path_params['path']!r} names no file")

        async def messages() -> AsyncIterator[pb.UploadArtifactRequest]:
            yield pb.UploadArtifactRequest(header=pb.UploadHeader(artifact_uri=location, path=inner))
            # Pieces arrive in tens of kilobytes; they are sent on in chunks of about 1 MiB.
            pieces: list[bytes] = []
            size = 0
            async for piece in request.stream():
                pieces.append(piece)
                size += len(piece)
                if size >= CHUNK_BYTES:
                    yield pb.UploadArtifactRequest(chunk=b"".join(pieces))
                    pieces, size = [], 0
            if pieces:
                yield pb.UploadArtifactRequest(chunk=b"".join(pieces))

        await caller.stream_in(caller.services.artifacts.UploadArtifact, messages())
    except MlflowError as exc:
        return exc.response()
    return JSONResponse({})


async def _delete(params: Params, caller: Caller) -> dict[str, Any]:
    location, inner = split(params.string("path", required=True))
    if location == wire.MANAGED and not inner:
        raise invalid("Refusing to delete the whole artifact root")
    await caller.call(caller.services.artifacts.DeleteArtifacts,
                      pb.DeleteArtifactsRequest(artifact_uri=location, path=inner))
    return {}


async def _multipart(request: Request) -> Response:
    # The artifact service streams uploads of any size itself, so the client's single PUT is the
    # efficient path; this is the answer on which MLflow's client falls back to it.
    return MlflowError("NOT_IMPLEMENTED", MULTIPART_UNSUPPORTED).response()


async def run_artifacts(params: Params, caller: Caller) -> dict[str, Any]:
    """`GET /mlflow/artifacts/list`: a run's files under `path` (paths relative to the run's root)."""
    run = await caller.call(caller.services.tracking.GetRun, tpb.GetRunRequest(run_id=params.run_id()))
    root = run.run.info.artifact_uri
    result: dict[str, Any] = {"root_uri": wire.to_proxied(root), "files": []}
    try:
        page = await caller.call(caller.services.artifacts.ListArtifacts, pb.ListArtifactsRequest(
            artifact_uri=root, path=params.string("path"), page_size=10_000, page_token=params.string("page_token")))
    except MlflowError as exc:
        if exc.error_code == "RESOURCE_DOES_NOT_EXIST":
            return result
        raise
    for item in page.files:
        entry: dict[str, Any] = {"path": item.path, "is_dir": item.is_dir}
        if not item.is_dir:
            entry["file_size"] = item.size
        result["files"].append(entry)
    if page.next_page_token:
        result["next_page_token"] = page.next_page_token
    return result


def routes() -> list[Route]:
    """The proxy's routes under both prefixes."""
    table: list[Route] = []
    for prefix in PREFIXES:
        table += [
            Route(prefix + "/artifacts", json_endpoint(_list), methods=["GET"]),
            Route(prefix + "/artifacts/{path:path}", _download, methods=["GET"]),
            Route(prefix + "/artifacts/{path:path}", _upload, methods=["PUT"]),
            Route(prefix + "/artifacts/{path:path}", json_endpoint(_delete), methods=["DELETE"]),
            Route(prefix + "/mpu/{kind}/{path:path}", _multipart, methods=["POST"]),
        ]
    return table

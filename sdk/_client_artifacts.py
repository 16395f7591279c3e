"""The artifacts calls of `mlledger.Client`: files of runs, and of any artifact location by URI."""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from mlledger import errors
from mlledger._artifact_transfer import (FileInfo, check_download, download_call, download_into, file_sha256,
                                         partial_size, progress, upload_call, upload_messages)
from mlledger.transport import Transport
from mlledger.v1 import artifacts_pb2, artifacts_pb2_grpc, tracking_pb2, tracking_pb2_grpc


def _join(*parts: str | None) -> str:
    return "/".join(part.strip("/") for part in parts if part and part.strip("/"))


class ArtifactsCalls:
    """Every artifacts RPC with plain Python types (mixed into mlledger.Client)."""

    _transport: Transport

    def _artifact_stub(self) -> artifacts_pb2_grpc.ArtifactServiceStub:
        return artifacts_pb2_grpc.ArtifactServiceStub(self._transport.channel("artifacts"))

    def get_artifact_uri(self, run_id: str) -> str:
        """The artifact location of a run (from the tracking service)."""
        stub = tracking_pb2_grpc.TrackingServiceStub(self._transport.channel("tracking"))
        response = self._transport.call(stub.GetRun, tracking_pb2.GetRunRequest(run_id=run_id), write=False)
        return str(response.run.info.artifact_uri)

    # -- by run ------------------------------------------------------------------------------

    def log_artifact(self, run_id: str, local_path: str | os.PathLike[str], artifact_path: str | None = None) -> None:
        """Upload a local file into the run's artifacts, under `artifact_path` if given."""
        source = Path(local_path)
        self.upload_artifact_uri(self.get_artifact_uri(run_id), source, _join(artifact_path, source.name))

    def log_artifacts(self, run_id: str, local_dir: str | os.PathLike[str], artifact_path: str | None = None) -> None:
        """Upload every file below a local directory, keeping its layout, under `artifact_path` if given."""
        self.upload_artifacts_uri(self.get_artifact_uri(run_id), local_dir, artifact_path or "")

    def list_artifacts(self, run_id: str, path: str | None = None) -> list[FileInfo]:
        """The direct children of a directory of the run's artifacts (the top when `path` is None)."""
        return self.list_artifacts_uri(self.get_artifact_uri(run_id), path or "")

    def download_artifacts(self, run_id: str, path: str = "", dst_path: str | os.PathLike[str] | None = None) -> str:
        """Download a file or directory of the run's artifacts; returns its local path (resumes partial files)."""
        return self.download_artifact_uri(self.get_artifact_uri(run_id), dst_path, path)

    def delete_artifacts(self, run_id: str, path: str = "") -> int:
        """Delete a file or directory of the run's artifacts (everything when `path` is empty); returns files deleted."""
        return self.delete_artifacts_uri(self.get_artifact_uri(run_id), path)

    # -- by artifact location ----------------------------------------------------------------

    def upload_artifact_uri(self, artifact_uri: str, local_path: str | os.PathLike[str], path: str) -> FileInfo:
        """Upload one local file to `path` under an artifact location; the server checks its SHA-256."""
        source = Path(local_path)
        if not source.is_file():
            raise errors.InvalidArgument("local_path", f"{str(source)!r} is not a file")
        size = source.stat().st_size
        # No digest up front: the file is hashed while it is sent, and the server checks it at the end.
        return self._upload(artifact_uri, path, lambda: open(source, "rb"), size, "")

    def upload_artifact_bytes(self, artifact_uri: str, path: str, data: bytes) -> FileInfo:
        """Store `data` as the file `path` under an artifact location."""
        import hashlib

        return self._upload(artifact_uri, path, lambda: io.BytesIO(data), len(data), hashlib.sha256(data).hexdigest())

    def _upload(self, artifact_uri: str, path: str, opener: Any, size: int, sha256: str) -> FileInfo:
        upload = upload_call(self._transport.channel("artifacts"))
        metadata = self._transport.metadata(write=True)
        with progress(f"upload {path}", size) as advance:
            response = self._transport.retrying(lambda: upload(
                upload_messages(artifact_uri, path, opener, size, sha256, advance), metadata=metadata, timeout=None))
        return FileInfo.of(response.file)

    def upload_artifacts_uri(self, artifact_uri: str, local_dir: str | os.PathLike[str], path: str = "") -> list[FileInfo]:
        """Upload every file below a local directory to `path` under an artifact location."""
        root = Path(local_dir)
        if not root.is_dir():
            raise errors.InvalidArgument("local_dir", f"{str(root)!r} is not a directory")
        return [self.upload_artifact_uri(artifact_uri, file, _join(path, file.relative_to(root).as_posix()))
                for file in sorted(root.rglob("*")) if file.is_file()]

    def list_artifacts_uri(self, artifact_uri: str, path: str = "", *, recursive: bool = False) -> list[FileInfo]:
        """Every entry of a directory under an artifact location (or every file below it when recursive)."""
        return [FileInfo.of(file) for file in self._list_pages(artifact_uri, path, recursive)]

    def _list_pages(self, artifact_uri: str, path: str, recursive: bool) -> Iterator[artifacts_pb2.ArtifactFile]:
        stub, token = self._artifact_stub(), ""
        while True:
            request = artifacts_pb2.ListArtifactsRequest(artifact_uri=artifact_uri, path=path, page_token=token,
                                                         recursive=recursive)
            response = self._transport.call(stub.ListArtifacts, request, write=False)
            yield from response.files
            token = response.next_page_token
            if not token:
                return

    def download_artifact_uri(self, artifact_uri: str, dst_path: str | os.PathLike[str] | None = None,
                              path: str = "") -> str:
        """Download a file or directory under an artifact location into `dst_path` (a new temp dir if None).

        Returns the local path of `path` (dst_path/path); NotFound when `path` names nothing. A partial
        file already at the destination is resumed from its size; a complete one with the right digest
        is not fetched again.
        """
        path = path.strip("/")
        files = list(self._list_pages(artifact_uri, path, True))
        if not files and path:
            raise errors.NotFound("artifact", f"{artifact_uri}/{path}")
        root = Path(dst_path) if dst_path is not None else Path(tempfile.mkdtemp(prefix="mlledger-artifacts-"))
        root.mkdir(parents=True, exist_ok=True)
        for file in files:
            self._download_file(artifact_uri, file, root / file.path)
        return str(root / path) if path else str(root)

    def _download_file(self, artifact_uri: str, file: artifacts_pb2.ArtifactFile, target: Path) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        have = partial_size(target)
        if have == file.size and file.sha256 and file_sha256(target) == file.sha256:
            return
        if have > file.size:
            target.unlink()
        try:
            check_download(target, file, self._fetch(artifact_uri, file, target))
        except errors.InternalError:
            if not have:
                raise
            target.unlink()  # the partial file was not a prefix of this content: start over
            check_download(target, file, self._fetch(artifact_uri, file, target))

    def _fetch(self, artifact_uri: str, file: artifacts_pb2.ArtifactFile, target: Path) -> str:
        """Download into `target`, continuing from what it holds; returns the SHA-256 of the result."""
        download = download_call(self._transport.channel("artifacts"))

        def attempt() -> tuple[artifacts_pb2.ArtifactFile, str]:
            # Each attempt (also after UNAVAILABLE mid-stream) continues from what is on disk.
            offset = partial_size(target)
            request = artifacts_pb2.DownloadArtifactRequest(artifact_uri=artifact_uri, path=file.path, offset=offset)
            responses = download(request, metadata=self._transport.metadata(write=False), timeout=None)
            return download_into(responses, target, offset, advance)

        with progress(f"download {file.path}", file.size - partial_size(target)) as advance:
            return self._transport.retrying(attempt)[1]

    def delete_artifacts_uri(self, artifact_uri: str, path: str = "") -> int:
        """Delete a file or directory tree under an artifact location; returns the number of files deleted."""
        request = artifacts_pb2.DeleteArtifactsRequest(artifact_uri=artifact_uri, path=path)
        return int(self._transport.call(self._artifact_stub().DeleteArtifacts, request).file_count)

    def snapshot_artifacts(self, source_uri: str, destination_uri: str, source_path: str = "") -> tuple[str, int, int]:
        """Copy files to a location that outlives the source; returns (artifact_uri, file_count, total_bytes)."""
        request = artifacts_pb2.SnapshotArtifactsRequest(source_uri=source_uri, source_path=source_path,
                                                         destination_uri=destination_uri)
        response = self._transport.call(self._artifact_stub().SnapshotArtifacts, request, timeout=None)
        return response.artifact_uri, int(response.file_count), int(response.total_bytes)

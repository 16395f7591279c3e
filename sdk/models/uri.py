"""Model URIs and the local download cache.

`runs:/<run_id>/<path>`, `models:/<name>/<version>`, `models:/<name>/<stage>`,
`models:/<name>/latest`, `models:/<name>@<alias>`, artifact locations and local paths all
become a local directory. Remote models are cached by the digest of their files' contents
(listed with their SHA-256 by the artifact service), so a second load downloads nothing.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlledger import errors


@dataclass(frozen=True)
class RemoteModel:
    """Where a model URI's files are: an artifact location and a path under it."""

    artifact_uri: str
    path: str


def cache_root() -> Path:
    """Where downloaded models are kept: MLLEDGER_MODEL_CACHE, else ~/.cache/mlledger/models."""
    configured = os.environ.get("MLLEDGER_MODEL_CACHE")
    return Path(configured) if configured else Path.home() / ".cache" / "mlledger" / "models"


def is_local(model_uri: str) -> bool:
    return "://" not in model_uri and not model_uri.startswith(("runs:/", "models:/", "mlledger-artifacts:/")) \
        or model_uri.startswith("file://")


def resolve(model_uri: str, client: Any) -> RemoteModel:
    """The artifact location a remote model URI names (asking tracking or the registry)."""
    if model_uri.startswith("runs:/"):
        rest = model_uri[len("runs:/"):].strip("/")
        run_id, _, path = rest.partition("/")
        if not run_id or not path:
            raise errors.InvalidArgument("model_uri", f"expected runs:/<run_id>/<path>, got {model_uri!r}")
        return RemoteModel(client.get_artifact_uri(run_id), path)
    if model_uri.startswith("models:/"):
        # The registry resolves every form: /<version>, /<stage>, /latest and @<alias>.
        return RemoteModel(client.resolve_model_uri(model_uri).storage_location, "")
    return RemoteModel(model_uri, "")


def content_digest(files: list[Any]) -> str:
    """A digest of (relative path, size, SHA-256) of every file: equal content, equal digest."""
    hasher = hashlib.sha256()
    for path, size, sha in sorted((f.path, f.file_size or 0, f.sha256) for f in files if not f.is_dir):
        hasher.update(f"{path}\0{size}\0{sha}\n".encode())
    return hasher.hexdigest()


def download_model(model_uri: str, client: Any = None, dst_path: str | os.PathLike[str] | None = None) -> Path:
    """The local directory of the model `model_uri` names, downloading it once per content.

    With `dst_path`, a remote model is downloaded under it instead of into the cache (as MLflow's
    `dst_path`: a runs:/ model lands in `dst_path/<path>`); a local model is used where it is.
    """
    if is_local(model_uri):
        local = Path(model_uri[len("file://"):] if model_uri.startswith("file://") else model_uri).expanduser()
        if not local.exists():
            raise FileNotFoundError(f"no model at {local}")
        return local
    if client is None:
        from mlledger import _fluent

        client = _fluent._client()
    remote = resolve(model_uri, client)
    if dst_path is not None:
        return Path(client.download_artifact_uri(remote.artifact_uri, dst_path, remote.path))
    files = client.list_artifacts_uri(remote.artifact_uri, remote.path, recursive=True)
    if not files:
        raise errors.NotFound("model", model_uri)
    prefix = remote.path.strip("/")
    relative = [_relative(f, prefix) for f in files]
    target = cache_root() / content_digest(relative)
    if (target / ".complete").is_file():
        return target
    return _download_into(client, remote, target)


def _relative(file: Any, prefix: str) -> Any:
    from mlledger._artifact_transfer import FileInfo

    path = file.path[len(prefix):].lstrip("/") if prefix and file.path.startswith(prefix) else file.path
    return FileInfo(path, file.is_dir, file.file_size, file.sha256)


def _download_into(client: Any, remote: RemoteModel, target: Path) -> Path:
    """Download into a temporary directory beside `target` and rename it into place (atomic)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".download-", dir=target.parent))
    try:
        local = Path(client.download_artifact_uri(remote.artifact_uri, staging / "files", remote.path))
        (local / ".complete").touch()
        try:
            local.rename(target)
        except OSError:
            if not (target / ".complete").is_file():  # a concurrent loader finished first otherwise
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target

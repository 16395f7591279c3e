"""Artifacts of the active run, MLflow-style: log files, text, dicts, figures and images.

Each call acts on the active run of this thread (starting one, as MLflow does, when none is
active); `download_artifacts` and `list_artifacts` also take an explicit run id.
"""

from __future__ import annotations

import io
import json
import os
import struct
import zlib
from typing import Any

from mlledger import errors
from mlledger._artifact_transfer import FileInfo


def _run_id() -> str:
    from mlledger import _fluent

    return _fluent._get_or_start_run()


def _known_run_id(run_id: str | None) -> str:
    if run_id:
        return run_id
    from mlledger import _fluent

    run = _fluent.active_run()
    if run is None:
        raise errors.InvalidArgument("run_id", "no run is active: pass run_id or call mlledger.start_run() first")
    return str(run.info.run_id)


def _client() -> Any:
    from mlledger import _fluent

    return _fluent._client()


def _log_bytes(data: bytes, artifact_file: str) -> None:
    client = _client()
    client.upload_artifact_bytes(client.get_artifact_uri(_run_id()), artifact_file, data)


def log_artifact(local_path: str | os.PathLike[str], artifact_path: str | None = None) -> None:
    """Upload a local file into the active run's artifacts."""
    _client().log_artifact(_run_id(), local_path, artifact_path)


def log_artifacts(local_dir: str | os.PathLike[str], artifact_path: str | None = None) -> None:
    """Upload every file below a local directory into the active run's artifacts."""
    _client().log_artifacts(_run_id(), local_dir, artifact_path)


def log_text(text: str, artifact_file: str) -> None:
    """Store `text` (UTF-8) as the artifact file `artifact_file`, e.g. "notes/summary.txt"."""
    _log_bytes(text.encode("utf-8"), artifact_file)


def log_dict(dictionary: dict[str, Any], artifact_file: str) -> None:
    """Store a dict as YAML (for a .yaml/.yml file name) or JSON (otherwise)."""
    if artifact_file.endswith((".yaml", ".yml")):
        import yaml

        text = yaml.safe_dump(dictionary, default_flow_style=False, sort_keys=False)
    else:
        text = json.dumps(dictionary, indent=2)
    log_text(text, artifact_file)


def log_figure(figure: Any, artifact_file: str, *, save_kwargs: dict[str, Any] | None = None) -> None:
    """Store a matplotlib figure in the format its file name names (png, svg, pdf, ...)."""
    if not hasattr(figure, "savefig"):
        raise errors.InvalidArgument("figure", f"expected a matplotlib Figure, got {type(figure).__name__}")
    buffer = io.BytesIO()
    extension = artifact_file.rsplit(".", 1)[-1] if "." in artifact_file else "png"
    figure.savefig(buffer, format=extension, **(save_kwargs or {}))
    _log_bytes(buffer.getvalue(), artifact_file)


def log_image(image: Any, artifact_file: str) -> None:
    """Store a numpy array (H×W, H×W×1/3/4; uint8, or floats in [0, 1]) or PIL image as PNG."""
    _log_bytes(encode_png(image), artifact_file)


def list_artifacts(run_id: str | None = None, path: str | None = None) -> list[FileInfo]:
    """The direct children of a directory of a run's artifacts (default: the active run)."""
    return list(_client().list_artifacts(_known_run_id(run_id), path))


def download_artifacts(run_id: str | None = None, path: str = "", dst_path: str | os.PathLike[str] | None = None,
                       *, artifact_uri: str | None = None) -> str:
    """Download a run's (default: the active run's) file or directory, or one under `artifact_uri`; returns its local path."""
    client = _client()
    if artifact_uri:
        return str(client.download_artifact_uri(artifact_uri, dst_path, path))
    return str(client.download_artifacts(_known_run_id(run_id), path, dst_path))


def encode_png(image: Any) -> bytes:
    """PNG bytes of a PIL image (saved by PIL) or of a numpy array (by PIL if installed, else by numpy and zlib)."""
    if hasattr(image, "save") and hasattr(image, "mode"):
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        return buffer.getvalue()
    pixels = _as_uint8(image)
    try:
        from PIL import Image
    except ImportError:
        return _png_from_array(pixels)
    buffer = io.BytesIO()
    Image.fromarray(pixels[:, :, 0] if pixels.shape[2] == 1 else pixels).save(buffer, format="PNG")
    return buffer.getvalue()


def _as_uint8(image: Any) -> Any:
    import numpy as np

    array = np.asarray(image)
    if array.ndim == 2:
        array = array[:, :, None]
    if array.ndim != 3 or array.shape[2] not in (1, 3, 4) or 0 in array.shape:
        raise errors.InvalidArgument("image", f"expected shape H×W or H×W×1/3/4, got {array.shape}")
    if array.dtype == np.uint8:
        return array
    if np.issubdtype(array.dtype, np.floating):
        if array.size and (np.nanmin(array) < 0 or np.nanmax(array) > 1):
            raise errors.InvalidArgument("image", "float images must have values in [0, 1]")
        return np.round(np.nan_to_num(array) * 255).astype(np.uint8)
    if np.issubdtype(array.dtype, np.integer) or array.dtype == np.bool_:
        if array.size and (array.min() < 0 or array.max() > 255):
            raise errors.InvalidArgument("image", "integer images must have values in [0, 255]")
        return array.astype(np.uint8)
    raise errors.InvalidArgument("image", f"unsupported dtype {array.dtype}")


def _png_from_array(pixels: Any) -> bytes:
    """A minimal PNG (8-bit grey, RGB or RGBA, no filtering) of an H×W×C uint8 array."""
    import numpy as np

    height, width, channels = pixels.shape
    colour_type = {1: 0, 3: 2, 4: 6}[channels]
    rows = np.concatenate([np.zeros((height, 1), np.uint8), pixels.reshape(height, width * channels)], axis=1)

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, colour_type, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows.tobytes()))
            + chunk(b"IEND", b""))

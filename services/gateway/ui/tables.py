"""`GET /ui-api/artifacts/table?run_id=&path=`: the first rows of a run's Parquet artifact, for its preview."""

from __future__ import annotations

import datetime as dt
import decimal
import io
import math
from typing import Any

import grpc

from mlledger.services.gateway.backend import Caller
from mlledger.services.gateway.errors import from_rpc_error, invalid
from mlledger.services.gateway.params import Params
from mlledger.v1 import artifacts_pb2 as apb
from mlledger.v1 import tracking_pb2 as pb

ROWS = 200
#: Parquet files larger than this are not previewed (download them instead).
MAX_BYTES = 64 * 1024 * 1024


def _cell(value: Any) -> Any:
    """A value JSON can carry: numbers and strings as they are, NaN as null, the rest as text."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, (dt.date, dt.datetime, dt.time, decimal.Decimal)):
        return str(value)
    if isinstance(value, bytes):
        return value[:64].hex()
    return str(value)


async def _read(caller: Caller, artifact_uri: str, path: str) -> bytes:
    data = bytearray()
    stream = caller.stream_out(caller.services.artifacts.DownloadArtifact,
                               apb.DownloadArtifactRequest(artifact_uri=artifact_uri, path=path))
    try:
        async for message in stream:
            if message.HasField("file") and message.file.size > MAX_BYTES:
                stream.cancel()
                raise invalid(f"Invalid value '{path}' for parameter 'path': {message.file.size} bytes is more than "
                              f"a preview reads ({MAX_BYTES}); download it instead.")
            data += message.chunk
    except grpc.aio.AioRpcError as exc:
        raise from_rpc_error(exc) from None
    return bytes(data)


async def parquet_preview(params: Params, caller: Caller) -> dict[str, Any]:
    """The columns (name and type), the first 200 rows and the row count of a Parquet artifact."""
    import pyarrow as pa  # imported on first use: it is large and most pages never need it
    import pyarrow.parquet as pq

    run_id = params.run_id()
    path = params.string("path", required=True).strip("/")
    if any(segment in ("", ".", "..") for segment in path.split("/")):
        raise invalid(f"Invalid value '{path}' for parameter 'path': expected a file path inside the run's artifacts.")
    if not path.lower().endswith(".parquet"):
        raise invalid(f"Invalid value '{path}' for parameter 'path': only .parquet files are previewed as tables.")
    run = (await caller.call(caller.services.tracking.GetRun, pb.GetRunRequest(run_id=run_id))).run
    content = await _read(caller, run.info.artifact_uri, path)
    try:
        table = pq.ParquetFile(io.BytesIO(content))
        first = next(table.iter_batches(batch_size=ROWS), None)
    except (pa.ArrowException, OSError) as exc:
        raise invalid(f"Invalid value '{path}' for parameter 'path': not a readable Parquet file ({exc}).") from None
    schema = table.schema_arrow
    rows = [[_cell(v) for v in row.values()] for row in first.to_pylist()] if first is not None else []
    return {"path": path, "total_rows": table.metadata.num_rows,
            "columns": [{"name": f.name, "type": str(f.type)} for f in schema], "rows": rows}

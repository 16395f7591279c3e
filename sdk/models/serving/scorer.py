"""The served model: parse, predict and encode off the event loop, under the request timeout.

Both front ends (REST and gRPC) call one `Scorer`, so the two protocols give the same answer
and the same errors for the same input. Predictions run on a small thread pool: the event loop
keeps answering health checks and metrics while a model works, and a request whose timeout
passes is answered 504 even though its thread cannot be interrupted.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import structlog

from mlledger.models.enforce import SignatureError
from mlledger.models.serving import mlflow_protocol, v2_codec
from mlledger.models.serving.errors import ScoringError, bad_request, not_found

T = TypeVar("T")
_log = structlog.get_logger(component="scoring")


class Scorer:
    """One loaded model with its name and version as the Open Inference Protocol sees them."""

    def __init__(self, model: Any, name: str, version: str, timeout: float, threads: int = 4) -> None:
        self.model = model
        self.name = name
        self.version = version
        self.timeout = timeout
        metadata = model.metadata
        self.input_schema = metadata.get_input_schema()
        self.output_schema = metadata.get_output_schema()
        flavors = [flavor for flavor in metadata.flavors if flavor != "python_function"]
        platform = f"mlledger_{flavors[0]}" if flavors else "mlledger_pyfunc"
        self.metadata = v2_codec.model_metadata(name, version, platform, self.input_schema, self.output_schema)
        self._pool = ThreadPoolExecutor(threads, thread_name_prefix="predict")

    async def invocations(self, body: bytes, content_type: str | None) -> bytes:
        """MLflow's POST /invocations: the JSON response body, or a ScoringError."""
        return await self._run(self._invocations, body, content_type)

    async def infer(self, tensors: Callable[[], list[v2_codec.Tensor]], params: dict[str, Any] | None,
                    requested: list[str]) -> list[v2_codec.Tensor]:
        """Open Inference Protocol inference: decode the tensors (lazily, off the loop), predict, encode."""
        return await self._run(self._infer, tensors, params, requested)

    def check_model(self, name: str, version: str | None) -> None:
        """404 unless this server serves the model (and the version, when one is asked for)."""
        if name != self.name:
            raise not_found(f"model '{name}' is not served here; this server serves '{self.name}'")
        if version and version != self.version:
            raise not_found(f"model '{name}' version '{version}' is not served here; the version is '{self.version}'")

    def close(self) -> None:
        """Let running predictions finish, then release the threads."""
        self._pool.shutdown(wait=True)

    async def _run(self, function: Callable[..., T], *args: Any) -> T:
        future = asyncio.get_running_loop().run_in_executor(self._pool, function, *args)
        try:
            return await asyncio.wait_for(future, self.timeout)
        except TimeoutError:
            raise ScoringError(
                504, "DEADLINE_EXCEEDED", f"Request processing time exceeded the limit of {self.timeout:g} s"
            ) from None

    def _invocations(self, body: bytes, content_type: str | None) -> bytes:
        data, params = mlflow_protocol.parse_request(body, content_type, self.input_schema)
        return mlflow_protocol.encode_predictions(self.predict(data, params))

    def _infer(self, tensors: Callable[[], list[v2_codec.Tensor]], params: dict[str, Any] | None,
               requested: list[str]) -> list[v2_codec.Tensor]:
        data = v2_codec.to_model_input(tensors(), self.input_schema)
        outputs = v2_codec.to_output_tensors(self.predict(data, params), self.output_schema)
        if not requested:
            return outputs
        by_name = {tensor.name: tensor for tensor in outputs}
        unknown = [name for name in requested if name not in by_name]
        if unknown:
            raise bad_request(f"unknown output {unknown[0]!r}; the model's outputs are {sorted(by_name)}")
        return [by_name[name] for name in requested]

    def predict(self, data: Any, params: dict[str, Any] | None) -> Any:
        """The model's predictions; a signature violation is a 400, anything else it raises a 500."""
        try:
            return self.model.predict(data, params=params or None)
        except SignatureError as error:
            raise bad_request(f"Failed to enforce schema of the request's data: {error}") from None
        except ScoringError:
            raise
        except Exception as error:  # noqa: BLE001 - the model's own failure: report it and keep serving
            _log.exception("model_error", model=self.name, error=repr(error))
            raise ScoringError(
                500, "INTERNAL_ERROR",
                f"Encountered an unexpected error while evaluating the model: {type(error).__name__}: {error}",
            ) from None

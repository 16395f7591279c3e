"""The scoring server's gRPC side: `inference.GRPCInferenceService` of the Open Inference Protocol."""

from __future__ import annotations

import functools
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import grpc
import numpy as np

from mlledger.inference.v2 import grpc_predict_v2_pb2 as pb
from mlledger.inference.v2 import grpc_predict_v2_pb2_grpc as pb_grpc
from mlledger.models.serving import telemetry, v2_codec
from mlledger.models.serving.errors import ScoringError
from mlledger.models.serving.scorer import Scorer

R = TypeVar("R")
Handler = Callable[[Any, Any, grpc.aio.ServicerContext], Awaitable[R]]

#: The typed field of InferTensorContents that holds each data type's values.
_CONTENTS_FIELD = {
    "BOOL": "bool_contents", "INT8": "int_contents", "INT16": "int_contents", "INT32": "int_contents",
    "INT64": "int64_contents", "UINT8": "uint_contents", "UINT16": "uint_contents", "UINT32": "uint_contents",
    "UINT64": "uint64_contents", "FP32": "fp32_contents", "FP64": "fp64_contents", "BYTES": "bytes_contents",
}


def _observed(handler: Handler[R]) -> Handler[R]:
    """Count, time and log the RPC; a ScoringError becomes the matching gRPC status."""

    @functools.wraps(handler)
    async def wrapper(self: InferenceService, request: Any, context: grpc.aio.ServicerContext) -> R:
        started, status = time.perf_counter(), "OK"
        try:
            return await handler(self, request, context)
        except ScoringError as error:
            status = error.grpc_code.name
            await context.abort(error.grpc_code, error.message)
            raise  # abort raises; this keeps type checkers content
        except Exception:
            status = "INTERNAL"
            raise
        finally:
            peer = context.peer() if self.access_log else None
            telemetry.record("grpc", handler.__name__, status, started, self.access_log, peer=peer)

    return wrapper


class InferenceService(pb_grpc.GRPCInferenceServiceServicer):
    """Health, metadata and inference for the one model `scorer` serves."""

    def __init__(self, scorer: Scorer, version: str, access_log: bool = True) -> None:
        self.scorer = scorer
        self.version = version
        self.access_log = access_log

    @_observed
    async def ServerLive(self, request: pb.ServerLiveRequest, context: Any) -> pb.ServerLiveResponse:
        return pb.ServerLiveResponse(live=True)

    @_observed
    async def ServerReady(self, request: pb.ServerReadyRequest, context: Any) -> pb.ServerReadyResponse:
        return pb.ServerReadyResponse(ready=True)

    @_observed
    async def ModelReady(self, request: pb.ModelReadyRequest, context: Any) -> pb.ModelReadyResponse:
        self.scorer.check_model(request.name, request.version)
        return pb.ModelReadyResponse(ready=True)

    @_observed
    async def ServerMetadata(self, request: pb.ServerMetadataRequest, context: Any) -> pb.ServerMetadataResponse:
        return pb.ServerMetadataResponse(name="mlledger", version=self.version)

    @_observed
    async def ModelMetadata(self, request: pb.ModelMetadataRequest, context: Any) -> pb.ModelMetadataResponse:
        self.scorer.check_model(request.name, request.version)
        meta = self.scorer.metadata
        tensor = pb.ModelMetadataResponse.TensorMetadata
        return pb.ModelMetadataResponse(
            name=meta["name"], versions=meta["versions"], platform=meta["platform"],
            inputs=[tensor(**t) for t in meta["inputs"]], outputs=[tensor(**t) for t in meta["outputs"]],
        )

    @_observed
    async def ModelInfer(self, request: pb.ModelInferRequest, context: Any) -> pb.ModelInferResponse:
        self.scorer.check_model(request.model_name, request.model_version)
        params = {key: getattr(value, value.WhichOneof("parameter_choice"))
                  for key, value in request.parameters.items() if value.WhichOneof("parameter_choice")}
        outputs = await self.scorer.infer(lambda: _read_inputs(request), params,
                                          [output.name for output in request.outputs])
        response = pb.ModelInferResponse(model_name=self.scorer.name, model_version=self.scorer.version,
                                         id=request.id)
        for tensor in outputs:
            response.outputs.add(name=tensor.name, datatype=tensor.datatype, shape=tensor.shape)
            response.raw_output_contents.append(v2_codec.to_raw(tensor))
        return response


def _read_inputs(request: pb.ModelInferRequest) -> list[v2_codec.Tensor]:
    """The request's tensors, from raw_input_contents when present, else from each typed field."""
    raw = request.raw_input_contents
    if raw and len(raw) != len(request.inputs):
        raise ScoringError(400, "BAD_REQUEST", f"{len(raw)} raw_input_contents for {len(request.inputs)} inputs")
    tensors = []
    for index, item in enumerate(request.inputs):
        shape = list(item.shape)
        if raw:
            tensors.append(v2_codec.from_raw(item.name, item.datatype, shape, raw[index]))
            continue
        field = _CONTENTS_FIELD.get(item.datatype.upper())
        if field is None:
            v2_codec.numpy_dtype(item.datatype, item.name)  # raises the precise 400
            raise ScoringError(400, "BAD_REQUEST", f"input '{item.name}': datatype {item.datatype} needs raw contents")
        values: Any = list(getattr(item.contents, field))
        if field == "bytes_contents":
            values = np.array(values + [None], dtype=object)[:-1]  # keeps bytes as elements, not as a 2-D array
        tensors.append(v2_codec.from_flat(item.name, item.datatype, shape, values))
    return tensors


def add_to_server(server: grpc.aio.Server, service: InferenceService) -> None:
    """Register the inference service on a gRPC server."""
    pb_grpc.add_GRPCInferenceServiceServicer_to_server(service, server)

"""The scoring server's HTTP side (Starlette): MLflow's scoring protocol, the Open Inference
Protocol's REST routes (with Triton's binary tensor extension) and /metrics.

MLflow routes answer errors as {"error_code", "message"}; V2 routes as {"error"}, as the
protocol specifies.
"""

from __future__ import annotations

import json
import time
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mlledger.models.serving import telemetry, v2_codec
from mlledger.models.serving.errors import ScoringError, bad_request
from mlledger.models.serving.scorer import Scorer

JSON = "application/json"
#: Triton's binary tensor extension: the JSON part's length when binary tensors follow it.
HEADER_LENGTH = "Inference-Header-Content-Length"


def create_app(scorer: Scorer, version: str, access_log: bool = True) -> ASGIApp:
    """The ASGI application serving `scorer`."""

    async def ping(request: Request) -> Response:
        return Response("\n", media_type=JSON)

    async def server_version(request: Request) -> Response:
        return Response(version, media_type=JSON)

    async def invocations(request: Request) -> Response:
        try:
            body = await scorer.invocations(await request.body(), request.headers.get("content-type"))
        except ScoringError as error:
            return Response(json.dumps(error.to_dict()), error.status, media_type=JSON)
        return Response(body, media_type=JSON)

    async def metrics(request: Request) -> Response:
        body, content_type = telemetry.exposition()
        return Response(body, headers={"Content-Type": content_type})

    async def v2_live(request: Request) -> Response:
        return _json({"live": True})

    async def v2_ready(request: Request) -> Response:
        return _json({"ready": True})

    async def v2_server_metadata(request: Request) -> Response:
        return _json({"name": "mlledger", "version": version, "extensions": ["binary_tensor_data"]})

    async def v2_model_metadata(request: Request) -> Response:
        return _v2(request, lambda: _json(scorer.metadata))

    async def v2_model_ready(request: Request) -> Response:
        return _v2(request, lambda: _json({"name": scorer.name, "ready": True}))

    async def v2_infer(request: Request) -> Response:
        try:
            scorer.check_model(request.path_params["name"], request.path_params.get("version"))
            return await _infer(scorer, request)
        except ScoringError as error:
            return _json({"error": error.message}, error.status)

    def _v2(request: Request, answer: Any) -> Response:
        try:
            scorer.check_model(request.path_params["name"], request.path_params.get("version"))
        except ScoringError as error:
            return _json({"error": error.message}, error.status)
        return answer()  # type: ignore[no-any-return]

    model_routes = []
    for prefix in ("/v2/models/{name}", "/v2/models/{name}/versions/{version}"):
        model_routes += [
            Route(prefix, v2_model_metadata, methods=["GET"]),
            Route(prefix + "/ready", v2_model_ready, methods=["GET"]),
            Route(prefix + "/infer", v2_infer, methods=["POST"]),
        ]
    app = Starlette(routes=[
        Route("/ping", ping, methods=["GET"]),
        Route("/health", ping, methods=["GET"]),
        Route("/version", server_version, methods=["GET"]),
        Route("/invocations", invocations, methods=["POST"]),
        Route("/metrics", metrics, methods=["GET"]),
        Route("/v2/health/live", v2_live, methods=["GET"]),
        Route("/v2/health/ready", v2_ready, methods=["GET"]),
        Route("/v2", v2_server_metadata, methods=["GET"]),
        *model_routes,
    ])
    return _Telemetry(app, access_log)


def _json(document: Any, status: int = 200) -> Response:
    return Response(json.dumps(document), status, media_type=JSON)


async def _infer(scorer: Scorer, request: Request) -> Response:
    body = await request.body()
    header_length = request.headers.get(HEADER_LENGTH)
    split = int(header_length) if header_length and header_length.isdigit() else len(body)
    try:
        document = json.loads(body[:split])
    except ValueError as error:
        raise bad_request(f"the inference request is not valid JSON: {error}") from None
    if not isinstance(document, dict) or not isinstance(document.get("inputs"), list):
        raise bad_request("the inference request must be a JSON object with a list of 'inputs'")
    parameters, wanted = document.get("parameters") or {}, document.get("outputs") or []
    if not isinstance(parameters, dict):
        raise bad_request("'parameters' must be a JSON object")
    if not isinstance(wanted, list) or not all(isinstance(o, dict) and "name" in o for o in wanted):
        raise bad_request("'outputs' must be a list of objects with a 'name'")
    params = {k: v for k, v in parameters.items() if k != "binary_data_output"}
    all_binary = bool(parameters.get("binary_data_output"))
    binary = {o.get("name") for o in wanted if (o.get("parameters") or {}).get("binary_data", all_binary)}
    outputs = await scorer.infer(lambda: _read_inputs(document["inputs"], body, split), params,
                                 [o.get("name") for o in wanted])
    return _infer_response(scorer, document.get("id"), outputs, binary if wanted else ({"*"} if all_binary else set()))


def _read_inputs(inputs: list[Any], body: bytes, offset: int) -> list[v2_codec.Tensor]:
    tensors = []
    for index, item in enumerate(inputs):
        if not isinstance(item, dict) or not {"name", "datatype", "shape"} <= item.keys():
            raise bad_request(f"inputs[{index}] must have 'name', 'datatype' and 'shape'")
        name, datatype, shape = item["name"], item["datatype"], item["shape"]
        size = (item.get("parameters") or {}).get("binary_data_size")
        if size is not None:
            tensors.append(v2_codec.from_raw(name, datatype, shape, body[offset: offset + int(size)]))
            offset += int(size)
        elif "data" in item:
            tensors.append(v2_codec.from_flat(name, datatype, shape, item["data"]))
        else:
            raise bad_request(f"input '{name}' has neither 'data' nor binary data")
    return tensors


def _infer_response(scorer: Scorer, request_id: str | None, outputs: list[v2_codec.Tensor],
                    binary: set[str]) -> Response:
    described, raw = [], []
    for tensor in outputs:
        entry: dict[str, Any] = {"name": tensor.name, "datatype": tensor.datatype, "shape": tensor.shape}
        if "*" in binary or tensor.name in binary:
            data = v2_codec.to_raw(tensor)
            entry["parameters"] = {"binary_data_size": len(data)}
            raw.append(data)
        else:
            entry["data"] = v2_codec.to_json_data(tensor)
        described.append(entry)
    document: dict[str, Any] = {"model_name": scorer.name, "model_version": scorer.version, "outputs": described}
    if request_id:
        document["id"] = request_id
    header = json.dumps(document).encode()
    if not raw:
        return Response(header, media_type=JSON)
    return Response(header + b"".join(raw), media_type="application/octet-stream",
                    headers={HEADER_LENGTH: str(len(header))})


class _Telemetry:
    """ASGI wrapper that counts, times and logs every HTTP request by the endpoint that answered."""

    def __init__(self, app: ASGIApp, access_log: bool) -> None:
        self.app = app
        self.access_log = access_log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started, status = time.perf_counter(), 500

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            endpoint = getattr(scope.get("endpoint"), "__name__", "unmatched")
            client = scope.get("client")
            telemetry.record("rest", endpoint, status, started, self.access_log, method=scope["method"],
                             path=scope["path"], client=client[0] if client else None)

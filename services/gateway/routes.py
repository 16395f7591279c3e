"""How a JSON handler becomes a starlette route under both MLflow prefixes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from mlledger.services.core.logging import get_logger
from mlledger.services.gateway.backend import Caller
from mlledger.services.gateway.errors import MlflowError
from mlledger.services.gateway.params import Params

Handler = Callable[[Params, Caller], Awaitable[dict[str, Any]]]
PREFIXES = ("/api/2.0/mlflow", "/ajax-api/2.0/mlflow")

log = get_logger("gateway")


def json_endpoint(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    """Wrap a handler: parse parameters, forward identity, answer JSON or an MLflow error."""

    async def endpoint(request: Request) -> Response:
        try:
            caller = Caller.of(request)
            params = await Params.of(request)
            if request.path_params:
                params.values.update(request.path_params)
            return JSONResponse(await handler(params, caller))
        except MlflowError as exc:
            return exc.response()
        except Exception:  # answered as MLflow answers an internal error
            log.exception("gateway handler failed", path=request.url.path)
            return MlflowError("INTERNAL_ERROR", f"internal error in {request.url.path}").response()

    return endpoint


def mlflow_routes(table: list[tuple[str, list[str], Handler]]) -> list[Route]:
    """Routes for `(path under /mlflow, methods, handler)` rows, under both API prefixes."""
    return [Route(prefix + path, json_endpoint(handler), methods=methods)
            for prefix in PREFIXES for path, methods, handler in table]

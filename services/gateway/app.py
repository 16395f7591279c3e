"""The gateway's starlette application: every route, the service channels and MLflow-style 404s."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from mlledger import __version__
from mlledger.services.gateway.auth import RequireCredentials
from mlledger.services.gateway import artifacts, experiments, logged_models, metrics, registry, runs
from mlledger.services.gateway.backend import Services, discover
from mlledger.services.core.rate_limit import RateLimit
from mlledger.services.gateway.errors import MlflowError
from mlledger.services.gateway.limits import EdgeLimits
from mlledger.services.gateway.routes import mlflow_routes
from mlledger.services.gateway.ui.routes import routes as ui_routes
from mlledger.tls import ClientTls, split_scheme

#: What MLflow's client asks about the server before artifact transfers.
SERVER_INFO: dict[str, Any] = {
    "store_type": None, "workspaces_enabled": False, "trace_archival_enabled": False,
    "multipart_uploads_enabled": False, "multipart_downloads_enabled": False,
    "presigned_upload_run_id_supported": False, "presigned_upload_model_id_supported": False,
    "features_enabled": {"gateway": False},
}


async def _health(request: Request) -> Response:
    return Response("OK", media_type="text/plain")


async def _version(request: Request) -> Response:
    return Response(__version__, media_type="text/plain")


async def _server_info(request: Request) -> Response:
    return JSONResponse(SERVER_INFO)


async def _not_found(request: Request, exc: Exception) -> Response:
    return MlflowError("ENDPOINT_NOT_FOUND", f"No endpoint {request.method} {request.url.path}").response()


async def _not_allowed(request: Request, exc: Exception) -> Response:
    response = MlflowError("BAD_REQUEST", f"Method {request.method} is not allowed for {request.url.path}").response()
    response.status_code = 405
    return response


def build(tracking: str, registry_address: str = "", artifacts_address: str = "", *,
          tls: ClientTls | None = None, limit: RateLimit | None = None, auth: bool = False) -> Starlette:
    """The application for a deployment whose tracking service listens at `tracking` (`grpcs://` for TLS;
    `tls` secures the channels, `limit` is the per-principal request rate; every request must carry a
    credential when `auth` is on)."""
    tracking, secure = split_scheme(tracking)
    tls = (tls or ClientTls.from_env()).with_scheme(secure)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        endpoints = await discover(tracking, {"registry": registry_address, "artifacts": artifacts_address}, tls)
        app.state.services = Services(endpoints, tls)
        try:
            yield
        finally:
            await app.state.services.close()

    table = experiments.TABLE + runs.TABLE + metrics.TABLE + registry.TABLE + logged_models.TABLE
    routes = [
        Route("/health", _health), Route("/version", _version),
        *(Route(prefix + "/mlflow/server-info", _server_info) for prefix in ("/api/3.0", "/ajax-api/3.0")),
        *mlflow_routes(table + [("/artifacts/list", ["GET"], artifacts.run_artifacts)]),
        *artifacts.routes(),
        *ui_routes(),
    ]
    # The credential is checked first, so the request rate is counted for the principal it names.
    middleware = [*([Middleware(RequireCredentials)] if auth else []), Middleware(EdgeLimits, limit=limit)]
    return Starlette(routes=routes, lifespan=lifespan, exception_handlers={404: _not_found, 405: _not_allowed},
                     middleware=middleware)

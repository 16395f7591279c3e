"""The UI's routes: the page at `/`, its static assets under `/ui/`, its JSON under `/ui-api/`."""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from mlledger.services.gateway.routes import json_endpoint
from mlledger.services.gateway.ui import api, events, registry, runs, tables

STATIC = Path(__file__).parent / "static"


async def _index(request: Request) -> Response:
    return FileResponse(STATIC / "index.html", headers={"cache-control": "no-cache"})


def routes() -> list[BaseRoute]:
    """Routes to add to the gateway's application."""
    return [
        Route("/", _index),
        Route("/ui-api/metrics/sampled", json_endpoint(api.sampled_history), methods=["GET", "POST"]),
        Route("/ui-api/runs/compare", json_endpoint(runs.compare), methods=["POST"]),
        Route("/ui-api/runs/{run_id}/lineage", json_endpoint(runs.lineage), methods=["GET"]),
        Route("/ui-api/models/{name}/timeline", json_endpoint(registry.timeline), methods=["GET"]),
        Route("/ui-api/models/{name}/as-of", json_endpoint(registry.as_of), methods=["GET"]),
        Route("/ui-api/models/{name}/versions/{version}", json_endpoint(registry.version_page), methods=["GET"]),
        Route("/ui-api/artifacts/table", json_endpoint(tables.parquet_preview), methods=["GET"]),
        Route("/ui-api/events", events.stream, methods=["GET"]),
        Mount("/ui", StaticFiles(directory=STATIC), name="ui"),
    ]

"""The UI's routes: the page at `/`, its static assets under `/ui/`, its JSON under `/ui-api/`."""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from mlledger.services.gateway.routes import json_endpoint
from mlledger.services.gateway.ui import api, events

STATIC = Path(__file__).parent / "static"


async def _index(request: Request) -> Response:
    return FileResponse(STATIC / "index.html", headers={"cache-control": "no-cache"})


def routes() -> list[BaseRoute]:
    """Routes to add to the gateway's application."""
    return [
        Route("/", _index),
        Route("/ui-api/metrics/sampled", json_endpoint(api.sampled_history), methods=["GET"]),
        Route("/ui-api/events", events.stream, methods=["GET"]),
        Mount("/ui", StaticFiles(directory=STATIC), name="ui"),
    ]

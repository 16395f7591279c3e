"""Running the gateway: uvicorn serving the application until interrupted."""

from __future__ import annotations

import uvicorn

from mlledger.services.gateway.app import build


def serve(host: str, port: int, tracking: str, registry: str = "", artifacts: str = "", *,
          log_level: str = "warning", workers: int = 1, auth: bool = False) -> None:
    """Serve MLflow's REST API on host:port in front of the services (blocks until stopped)."""
    app = build(tracking, registry, artifacts, auth=auth)
    config = uvicorn.Config(app, host=host, port=port, log_level=log_level, access_log=False,
                            timeout_graceful_shutdown=5, workers=workers)
    uvicorn.Server(config).run()

"""Running the gateway: uvicorn serving the application until interrupted."""

from __future__ import annotations

import uvicorn

from mlledger.services.core.rate_limit import RateLimit
from mlledger.services.gateway.app import build


def serve(host: str, port: int, tracking: str, registry: str = "", artifacts: str = "", *,
          log_level: str = "warning", workers: int = 1, cert_file: str = "", key_file: str = "",
          limit: RateLimit | None = None, auth: bool = False) -> None:
    """Serve MLflow's REST API on host:port in front of the services (blocks until stopped); HTTPS when
    given a certificate and key; every request must carry a credential when `auth` is on."""
    app = build(tracking, registry, artifacts, limit=limit, auth=auth)
    config = uvicorn.Config(app, host=host, port=port, log_level=log_level, access_log=False,
                            timeout_graceful_shutdown=5, workers=workers, ssl_certfile=cert_file or None,
                            ssl_keyfile=key_file or None)
    uvicorn.Server(config).run()

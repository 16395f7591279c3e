"""Prometheus metrics and structured access logs for both protocols of the scoring server.

With several worker processes, `serve` sets PROMETHEUS_MULTIPROC_DIR before the workers start,
so each records into shared files and any worker's /metrics reports the whole server.
"""

from __future__ import annotations

import os
import time

import structlog
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

#: Latency buckets from 0.5 ms: most small models answer in a few milliseconds.
_BUCKETS = (0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

REQUESTS = Counter("mlledger_scoring_requests_total", "Scoring server requests answered.",
                   ["protocol", "endpoint", "status"])
ERRORS = Counter("mlledger_scoring_errors_total", "Scoring server requests answered with an error.",
                 ["protocol", "endpoint", "status"])
LATENCY = Histogram("mlledger_scoring_request_duration_seconds", "Time to answer a scoring server request.",
                    ["protocol", "endpoint"], buckets=_BUCKETS)

_access = structlog.get_logger(component="access")


def record(protocol: str, endpoint: str, status: int | str, started: float, access_log: bool, **fields: object) -> None:
    """Count one answered request, observe its latency and write its access-log line."""
    elapsed = time.perf_counter() - started
    REQUESTS.labels(protocol, endpoint, str(status)).inc()
    if status not in (200, "OK"):
        ERRORS.labels(protocol, endpoint, str(status)).inc()
    LATENCY.labels(protocol, endpoint).observe(elapsed)
    if access_log:
        _access.info("request", protocol=protocol, endpoint=endpoint, status=status,
                     duration_ms=round(elapsed * 1000, 3), **fields)


def exposition() -> tuple[bytes, str]:
    """The Prometheus text exposition of this server (all workers when there are several)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(), CONTENT_TYPE_LATEST

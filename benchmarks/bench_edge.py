"""Edge benchmark: what TLS, mutual TLS and the per-principal rate limit add to a call.

    python benchmarks/bench_edge.py [--quick] [--calls 2000]

Starts three real stacks (plain; mutual TLS with a certificate authority made here; plain with a
rate limit high enough never to refuse), then times sequential GetExperiment calls through the
SDK's channel on each and prints p50/p99 latency per call and the difference to plain. A second
figure times the rate limiter's admission step alone (a token taken from a bucket), in process.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mlledger.services.core.context import RequestContext
from mlledger.services.core.rate_limit import RateLimit, RateLimiter
from mlledger.testing import running_stack, start_infrastructure
from mlledger.tls import ClientTls
from mlledger.v1 import tracking_pb2, tracking_pb2_grpc
from tests.security.certs import Authority


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def _latencies(address: str, tls: ClientTls, calls: int) -> list[float]:
    with tls.channel(address) as channel:
        stub = tracking_pb2_grpc.TrackingServiceStub(channel)
        request = tracking_pb2.GetExperimentRequest(experiment_id="0")
        metadata = [("x-mlledger-actor", "bench")]
        for _ in range(50):
            stub.GetExperiment(request, metadata=metadata, timeout=30)
        times = []
        for _ in range(calls):
            started = time.perf_counter()
            stub.GetExperiment(request, metadata=metadata, timeout=30)
            times.append((time.perf_counter() - started) * 1e6)
    return times


def admission_cost(calls: int = 200_000) -> float:
    """Microseconds per admission (one token taken) with 1,000 principals."""
    limiter = RateLimiter(RateLimit(rate=1e9, burst=1e9))
    contexts = [RequestContext(actor=f"user-{i}", method="/mlledger.v1.TrackingService/GetRun") for i in range(1000)]
    started = time.perf_counter()
    for i in range(calls):
        limiter.admit(contexts[i % 1000])
    return (time.perf_counter() - started) / calls * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer calls")
    parser.add_argument("--calls", type=int, default=2000)
    args = parser.parse_args()
    calls = 300 if args.quick else args.calls
    directory = Path(tempfile.mkdtemp(prefix="mlledger-bench-pki-"))
    ca = Authority(directory)
    server, client = ca.issue("services", hosts=("localhost", "127.0.0.1")), ca.issue("bench", client=True)
    mtls_env = {"MLLEDGER_TLS_CERT": str(server.cert), "MLLEDGER_TLS_KEY": str(server.key),
                "MLLEDGER_TLS_CLIENT_CA": str(ca.ca_file), "MLLEDGER_TLS_CA": str(ca.ca_file)}
    mtls = ClientTls(enabled=True, ca_file=str(ca.ca_file), cert_file=str(client.cert), key_file=str(client.key))
    setups = [("plain", {}, ClientTls()), ("mutual TLS", mtls_env, mtls),
              ("rate limit on", {"MLLEDGER_RATE_LIMIT": "1000000/s"}, ClientTls())]
    infra = start_infrastructure()
    results: dict[str, list[float]] = {}
    try:
        for name, env, tls in setups:
            with running_stack(infra, services=("tracking",), extra_env=env) as stack:
                results[name] = _latencies(stack.tracking_uri, tls, calls)
    finally:
        infra.stop()
    base = statistics.median(results["plain"])
    print(f"GetExperiment, {calls} sequential calls per setup (microseconds per call)")
    for name, times in results.items():
        p50, p99 = statistics.median(times), _percentile(times, 0.99)
        print(f"  {name:14s} p50 {p50:8.0f}   p99 {p99:8.0f}   p50 vs plain {p50 - base:+7.0f}")
    print(f"rate limiter admission alone: {admission_cost():.2f} us per call (1,000 principals)")


if __name__ == "__main__":
    main()

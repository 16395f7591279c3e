"""Authentication benchmark: what checking the caller adds to each call.

    python benchmarks/bench_auth.py [--quick]

Prints, against a real PostgreSQL (embedded, free port):
  - the identity step alone (`CallGuard.admit`, what the server interceptor runs before a
    handler), per call, for an API token and for a JWT whose key set and verification are
    cached, with and without a role check; and the first verification of a new JWT
  - end to end: GetExperiment through the SDK against a stack with authentication off and one
    with it on (API token), and the difference
Target: under 50 µs added per call with an API token and with a cached JWKS.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

ISSUER, AUDIENCE = "https://issuer.bench", "mlledger-bench"


def _issuer(directory: Path) -> Callable[[str], str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    jwk.update(kid="k1", alg="RS256")
    (directory / "jwks.json").write_text(json.dumps({"keys": [jwk]}))

    def token(subject: str) -> str:
        now = int(time.time())
        return jwt.encode({"sub": subject, "iss": ISSUER, "aud": AUDIENCE, "iat": now, "exp": now + 3600}, key,
                          algorithm="RS256", headers={"kid": "k1"})
    return token


async def _per_call(fn: Callable[[], Awaitable[object]], n: int) -> tuple[float, float, float]:
    """(mean, median, p99) microseconds of `fn`."""
    for _ in range(min(n // 10, 500)):
        await fn()
    samples = []
    for _ in range(n):
        started = time.perf_counter_ns()
        await fn()
        samples.append((time.perf_counter_ns() - started) / 1000)
    samples.sort()
    return statistics.fmean(samples), samples[len(samples) // 2], samples[int(len(samples) * 0.99)]


async def _identity_step(database_url: str, jwks: Path, token_for: Callable[[str], str], n: int) -> None:
    from mlledger.services.auth.api import AuthApi
    from mlledger.services.auth.component import AuthComponent
    from mlledger.services.core.config import Settings
    from mlledger.services.eventstore.database import open_pool
    from mlledger.v1 import auth_pb2, tracking_pb2

    os.environ.update(MLLEDGER_AUTH_JWKS=str(jwks), MLLEDGER_AUTH_JWT_ISSUER=ISSUER,
                      MLLEDGER_AUTH_JWT_AUDIENCE=AUDIENCE)
    pool = await open_pool(database_url, name="bench")
    component = await AuthComponent.start(Settings(service="bench", database_url=database_url, auth=True), pool)
    try:
        api = AuthApi(component.settings, component.store, component.directory, component.access, component.grants)
        secret = (await api.CreateToken(auth_pb2.CreateTokenRequest(name="bench", principal="bench-user"),
                                        None)).secret  # type: ignore[arg-type]
        guard = component.guard
        assert guard is not None
        search = "/mlledger.v1.TrackingService/SearchExperiments"
        get = "/mlledger.v1.TrackingService/GetExperiment"
        request = tracking_pb2.GetExperimentRequest(experiment_id="1")
        bearer_jwt = token_for("bench-jwt-user")
        rows = []
        for label, method, credential in (("API token, authentication only", search, secret),
                                          ("API token + READ check on an experiment", get, secret),
                                          ("JWT (cached JWKS), authentication only", search, bearer_jwt),
                                          ("JWT (cached JWKS) + READ check", get, bearer_jwt)):
            metadata = (("authorization", f"Bearer {credential}"), ("x-correlation-id", "c"))
            rows.append((label, await _per_call(lambda m=method, md=metadata: guard.admit(m, md, request), n)))
        fresh = [token_for(f"user-{i}") for i in range(200)]
        first = iter(fresh)
        rows.append(("JWT first seen (RS256 verify, JWKS cached)", await _per_call(
            lambda: guard.admit(search, (("authorization", f"Bearer {next(first)}"),), request), 150)))
        print("identity step per call (CallGuard.admit), microseconds:")
        print(f"  {'':48} {'mean':>8} {'median':>8} {'p99':>8}")
        for label, (mean, median, p99) in rows:
            print(f"  {label:48} {mean:8.1f} {median:8.1f} {p99:8.1f}")
    finally:
        await component.stop()
        await pool.close()


def _end_to_end(n: int, infra: object) -> None:
    """Two stacks at once (authentication off and on), called alternately so both see the same load."""
    import mlledger
    from mlledger.testing import running_stack

    with running_stack(infra) as plain, running_stack(infra, auth=True) as guarded:  # type: ignore[arg-type]
        with mlledger.Client(plain.tracking_uri) as off, guarded.client() as on:
            ids = {off: off.create_experiment("bench"), on: on.create_experiment("bench")}
            samples: dict[object, list[float]] = {off: [], on: []}
            for i in range(n + 200):
                for client in (off, on) if i % 2 else (on, off):
                    started = time.perf_counter_ns()
                    client.get_experiment(ids[client])
                    if i >= 200:
                        samples[client].append((time.perf_counter_ns() - started) / 1000)
    results = {}
    for label, client in (("off", off), ("on", on)):
        ordered = sorted(samples[client])
        results[label] = (statistics.fmean(ordered), ordered[len(ordered) // 2])
    print(f"end to end, GetExperiment through the SDK ({n} calls each, alternating), microseconds:")
    print(f"  authentication off: mean {results['off'][0]:8.1f}  median {results['off'][1]:8.1f}")
    print(f"  authentication on:  mean {results['on'][0]:8.1f}  median {results['on'][1]:8.1f}")
    print(f"  added:              mean {results['on'][0] - results['off'][0]:8.1f}  "
          f"median {results['on'][1] - results['off'][1]:8.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer calls")
    args = parser.parse_args()
    from mlledger.testing import start_infrastructure

    os.environ.pop("MLLEDGER_TOKEN", None)
    os.environ["MLLEDGER_CREDENTIALS_FILE"] = "/nonexistent"
    print(f"load: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f} on {os.cpu_count()} cores")
    infra = start_infrastructure()
    work = Path(tempfile.mkdtemp(prefix="bench-auth-"))
    try:
        token_for = _issuer(work)
        asyncio.run(_identity_step(infra.new_database("bench_auth"), work / "jwks.json", token_for,
                                   2_000 if args.quick else 20_000))
        _end_to_end(500 if args.quick else 3_000, infra)
    finally:
        infra.stop()
        shutil.rmtree(infra.data_dir, ignore_errors=True)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

"""Recovery after a PostgreSQL restart: how soon writes go through again, and how soon health says SERVING.

    python benchmarks/bench_recovery.py [--rounds 3] [--writers 8] [--crash]

Starts a private PostgreSQL and a tracking service; 8 writers create experiments continuously
(retrying UNAVAILABLE like the SDK). Each round stops PostgreSQL (or crashes it with --crash),
keeps it down 2 s, starts it again, and prints the seconds from "PostgreSQL accepts connections"
to every writer's first successful write, and to health SERVING.
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
import uuid
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from mlledger.services.stack.ports import free_port
from mlledger.services.stack.postgres import EmbeddedPostgres
from mlledger.testing import Infrastructure, running_stack, start_infrastructure
from mlledger.v1 import tracking_pb2, tracking_pb2_grpc


class Writers:
    """Threads that write continuously and record when each write succeeded."""

    def __init__(self, address: str, count: int) -> None:
        self.successes: list[list[float]] = [[] for _ in range(count)]
        self.stopping = threading.Event()
        self.channel = grpc.insecure_channel(address)
        self.threads = [threading.Thread(target=self._write, args=(i,), daemon=True) for i in range(count)]
        for thread in self.threads:
            thread.start()

    def _write(self, index: int) -> None:
        stub = tracking_pb2_grpc.TrackingServiceStub(self.channel)
        delay = 0.05
        while not self.stopping.is_set():
            try:
                stub.CreateExperiment(tracking_pb2.CreateExperimentRequest(name=uuid.uuid4().hex), timeout=30)
                self.successes[index].append(time.monotonic())
                delay = 0.05
            except grpc.RpcError:
                time.sleep(delay)
                delay = min(delay * 2, 1.0)

    def first_after(self, moment: float) -> list[float]:
        return [min((t for t in times if t >= moment), default=float("nan")) - moment for times in self.successes]

    def stop(self) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join()
        self.channel.close()


def _serving_after(address: str, moment: float) -> float:
    with grpc.insecure_channel(address) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        while stub.Check(health_pb2.HealthCheckRequest(), timeout=10).status != health_pb2.HealthCheckResponse.SERVING:
            time.sleep(0.05)
    return time.monotonic() - moment


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--crash", action="store_true", help="SIGKILL PostgreSQL instead of a fast shutdown")
    args = parser.parse_args()
    shared = start_infrastructure()
    root = Path(tempfile.mkdtemp(prefix="mlledger-bench-recovery-"))
    postgres = EmbeddedPostgres(root / "pg", free_port(), log_file=root / "pg.log")
    postgres.start()
    try:
        infra = Infrastructure(postgres.url, shared.nats_url, shared.data_dir)
        with running_stack(infra, services=("tracking",)) as stack:
            writers = Writers(stack.tracking_uri, args.writers)
            time.sleep(2)
            for round_number in range(1, args.rounds + 1):
                if args.crash:
                    postgres.kill()
                    (postgres.data_dir / "postmaster.pid").unlink(missing_ok=True)
                else:
                    postgres.stop()
                time.sleep(2)
                postgres.start()
                back = time.monotonic()
                serving = _serving_after(stack.tracking_uri, back)
                time.sleep(15)
                firsts = sorted(writers.first_after(back))
                print(f"round {round_number}: health SERVING after {serving:.2f} s; first write per writer after "
                      f"{firsts[0]:.2f} s (fastest) .. {firsts[-1]:.2f} s (slowest)")
            writers.stop()
    finally:
        postgres.stop()
        shared.stop()


if __name__ == "__main__":
    main()

"""A run survives its tracking service crashing: every point arrives exactly once."""

from __future__ import annotations

import threading

import mlledger
from mlledger._batcher import MetricBatcher
from mlledger.testing import running_stack


def test_points_logged_through_a_crash_arrive_exactly_once(mlledger_infrastructure):
    """Points logged before, during and after a tracking crash are all stored, none twice."""
    with running_stack(mlledger_infrastructure, services=("tracking",)) as stack:
        client = mlledger.Client(stack.tracking_uri, retry_seconds=0.2)  # outages reach the batcher
        run_id = client.create_run().info.run_id
        outages = []

        def deliver(run: str, columns, request_id: str) -> None:
            try:
                client.log_metric_columns(run, columns, request_id=request_id)
            except mlledger.errors.Unavailable:
                outages.append(request_id)
                raise

        batcher = MetricBatcher(deliver, interval=0.05, batch_points=500, retry_seconds=120)
        try:
            for step in range(3000):
                batcher.add(run_id, "loss", float(step), step, 1_700_000_000_000 + step)
            stack.kill("tracking")
            for step in range(3000, 6000):  # logging goes on while the service is down
                batcher.add(run_id, "loss", float(step), step, 1_700_000_000_000 + step)
            restart = threading.Timer(1.0, stack.start, args=("tracking",))
            restart.start()
            for step in range(6000, 9000):
                batcher.add(run_id, "loss", float(step), step, 1_700_000_000_000 + step)
            restart.join()
            batcher.flush(timeout=120)
            values, _, steps = client.get_metric_history_columns(run_id, "loss")
            assert steps == list(range(9000))
            assert values == [float(step) for step in range(9000)]
            assert outages, "the sender never saw the service down"
        finally:
            batcher.close(timeout=5)
            client.close()

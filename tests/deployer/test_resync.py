"""The deployer converges with no event at all: it looks at the registry again every `resync` seconds."""

from __future__ import annotations

import asyncio
import threading
import uuid
from pathlib import Path

import mlledger
from mlledger.services.deployer.controller import Deployer, Watch
from mlledger.services.deployer.scoring import free_port
from mlledger.services.deployer.targets import LocalTarget
from mlledger.testing import TestStack

from .helpers import answers, log_constant, scoring_processes, wait_for


class _Deaf:
    """A subscription whose events never arrive, as when a connection drops them on the way."""

    def close(self) -> None:
        pass


def test_lost_events_only_delay_a_deployment(mlledger_stack: TestStack, tmp_path: Path) -> None:
    """With every registry event lost, a promotion made after the deployer started still serves."""
    mlledger.set_tracking_uri(mlledger_stack.tracking_uri)
    mlledger.set_experiment(f"deployer-resync-{uuid.uuid4().hex[:8]}")
    name = f"resync-{uuid.uuid4().hex[:8]}"
    one = log_constant(name, 3.0)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with mlledger.Client(mlledger_stack.tracking_uri, actor="deployer-tests") as client:
        deployer = Deployer(client, Watch(name, stage="Production"), LocalTarget("127.0.0.1", port, tmp_path),
                            resync=0.5)
        loop = asyncio.new_event_loop()
        stop = asyncio.Event()
        looked = threading.Event()
        original = deployer.reconcile

        async def counted() -> None:
            await original()
            looked.set()

        deployer.reconcile = counted  # type: ignore[method-assign]
        thread = threading.Thread(target=lambda: loop.run_until_complete(
            deployer.run(stop, subscribe=lambda *args, **kwargs: _Deaf())), daemon=True)
        thread.start()
        try:
            assert looked.wait(60), "the deployer never looked at the registry"
            assert answers(url) is None  # nothing in Production yet
            client.transition_model_version_stage(name, one, "Production")
            wait_for(lambda: answers(url) == 3.0, timeout=120)
            assert deployer.serving == one
        finally:
            loop.call_soon_threadsafe(stop.set)
            thread.join(60)
    wait_for(lambda: scoring_processes(name) == [], timeout=60)

"""The deployer's loop: learn the desired version from the registry, follow registry events, and
make the target serve that version, recording each deployment as events in the registry's log.

It is level-triggered: an event only says "look again", and what to serve is always read from
the registry. So a deployer that restarts (after a crash mid-switch too) converges to what the
registry says now, and a burst of events deploys only the last version they lead to. It also
looks again every `resync` seconds with no event at all, so an event lost on the way (a dropped
NATS connection, a consumer cleaned up while the deployer was busy) delays a deployment but
never strands it.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import structlog

from mlledger import errors, transport
from mlledger.services.deployer.scoring import DeploymentError
from mlledger.services.deployer.targets import Target
from mlledger.v1 import deployments_pb2 as pb, deployments_pb2_grpc

log = structlog.get_logger("mlledger.deployer")

#: Registry event types after which the desired version may have changed.
TRIGGERS = ("model_version.stage_transitioned", "alias.set", "alias.deleted", "model_version.ready",
            "model_version.deleted", "registered_model.renamed")


@dataclass(frozen=True)
class Watch:
    """What the deployer follows: one model's stage, or one of its aliases."""

    model: str
    stage: str | None = None
    alias: str | None = None

    def __post_init__(self) -> None:
        if (self.stage is None) == (self.alias is None):
            raise errors.InvalidArgument("stage", "give exactly one of a stage and an alias")

    def describe(self) -> str:
        return f"stage:{self.stage}" if self.stage else f"alias:{self.alias}"

    def deployment(self, target: str) -> str:
        """The deployment's name, the stream its events are in ("deployment/<name>")."""
        return f"{self.model}@{self.stage or self.alias}-{target}"

    def concerns(self, payload: Any) -> bool:
        """Whether an event's payload is about this model (and alias, for alias events)."""
        if getattr(payload, "name", self.model) != self.model and getattr(payload, "new_name", "") != self.model:
            return False
        return not (self.alias and hasattr(payload, "alias")) or payload.alias == self.alias


class Deployer:
    """Keeps `target` serving the version the registry puts in the watched stage or alias."""

    def __init__(self, client: Any, watch: Watch, target: Target, *, resync: float = 30.0) -> None:
        self.client = client
        self.watch = watch
        self.target = target
        #: Seconds between looks at the registry when no event arrives.
        self.resync = resync
        self.name = watch.deployment(target.name)
        self.serving: int | None = None
        #: Versions that failed here; not retried until the deployer restarts (their files do not change).
        self.refused: set[int] = set()
        self._transport = transport.Transport(client.tracking_uri)
        self._stub = deployments_pb2_grpc.DeploymentServiceStub(self._transport.channel("registry"))

    # -- reading the registry, recording events -------------------------------------------

    def desired(self) -> int | None:
        """The version the watched stage (the highest in it) or alias names now; None when none does."""
        try:
            if self.watch.stage:
                versions = self.client.get_latest_versions(self.watch.model, [self.watch.stage])
                return max((int(v.version) for v in versions), default=None)
            return int(self.client.get_model_version_by_alias(self.watch.model, self.watch.alias).version)
        except errors.NotFound:
            return None

    def record(self, **event: Any) -> None:
        try:
            self._transport.call(self._stub.RecordDeployment, pb.RecordDeploymentRequest(**event), write=True)
        except errors.MlledgerError as exc:
            # The deployment itself stands; the record is what is lost, and the log says so.
            log.error("deployment event not recorded", error=str(exc), event=list(event))

    # -- the loop ------------------------------------------------------------------------------

    async def run(self, stop: asyncio.Event, *, subscribe: Any = None) -> None:
        """Serve the desired version, then follow events until `stop` is set."""
        import mlledger.events

        loop = asyncio.get_running_loop()
        wake = asyncio.Event()

        def on_event(event: Any) -> None:
            if event.type in TRIGGERS and self.watch.concerns(event.payload):
                loop.call_soon_threadsafe(wake.set)

        # Subscribed before the first look at the registry, so no change between the two is missed.
        subscription = (subscribe or mlledger.events.subscribe)(
            "mlledger.registry.>", types=TRIGGERS, from_now=True, tracking_uri=self.client.tracking_uri,
            callback=on_event)
        await self.target.open()
        log.info("deployer watching", model=self.watch.model, watch=self.watch.describe(),
                 target=self.target.name, endpoint=self.target.endpoint)
        try:
            wake.set()
            stopping = asyncio.ensure_future(stop.wait())
            while not stop.is_set():
                waking = asyncio.ensure_future(wake.wait())
                await asyncio.wait([waking, stopping], timeout=self.resync, return_when=asyncio.FIRST_COMPLETED)
                waking.cancel()
                if stop.is_set():
                    break
                wake.clear()
                await self.reconcile()
        finally:
            subscription.close()
            await self.target.close()
            self._transport.close()

    async def reconcile(self) -> None:
        """Deploy the desired version unless it serves already or failed here before."""
        try:
            want = await asyncio.to_thread(self.desired)
        except errors.MlledgerError as exc:
            log.warning("registry not answering; keeping the current version", error=str(exc))
            return
        if want is None or want == self.serving or want in self.refused:
            return
        await self.deploy(want)

    async def deploy(self, version: int) -> None:
        began = time.monotonic()
        previous = self.serving or 0
        common: dict[str, Any] = {"deployment": self.name, "model_name": self.watch.model, "version": version}
        await asyncio.to_thread(self.record, started=pb.DeploymentStarted(
            **common, previous_version=previous, watch=self.watch.describe(), target=self.target.name))
        log.info("deployment started", version=version, previous_version=previous)
        try:
            model_dir = await asyncio.to_thread(self._download, version) if self.target.needs_model else None
            retire = await self.target.deploy(self.watch.model, version, model_dir)
        except Exception as exc:  # noqa: BLE001 - any failure refuses the version, the old one keeps serving
            step = exc.step if isinstance(exc, DeploymentError) else "start"
            self.refused.add(version)
            log.error("deployment failed; the previous version keeps serving", version=version, step=step,
                      error=str(exc), serving=previous)
            await asyncio.to_thread(self.record, failed=pb.DeploymentFailed(
                **common, serving_version=previous, step=step, error=str(exc)[:4000]))
            return
        self.serving = version
        seconds = time.monotonic() - began
        if previous and version < previous:
            await asyncio.to_thread(self.record, rolled_back=pb.DeploymentRolledBack(
                **common, from_version=previous, endpoint=self.target.endpoint, seconds=seconds))
            log.info("deployment rolled back", version=version, from_version=previous, seconds=round(seconds, 2))
        else:
            await asyncio.to_thread(self.record, succeeded=pb.DeploymentSucceeded(
                **common, previous_version=previous, endpoint=self.target.endpoint, seconds=seconds))
            log.info("deployment succeeded", version=version, previous_version=previous, seconds=round(seconds, 2))
        if retire is not None:
            await retire()

    def _download(self, version: int) -> Path:
        from mlledger.models import download_model

        try:
            return download_model(f"models:/{self.watch.model}/{version}", client=self.client)
        except Exception as exc:  # reported as the failed step
            raise DeploymentError("download", f"{type(exc).__name__}: {exc}") from exc

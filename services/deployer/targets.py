"""Where a deployer puts a version: a scoring server behind the local stable port, or Kubernetes."""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
import sys
from pathlib import Path
from collections.abc import Awaitable, Callable
from typing import Protocol

import httpx

from mlledger.services.deployer import scoring
from mlledger.services.deployer.proxy import Backend, SwitchingProxy
from mlledger.services.deployer.scoring import DeploymentError, ScoringServer


#: Drains and stops what a switch replaced (run after the switch has been recorded).
Retire = Callable[[], Awaitable[None]]


class Target(Protocol):
    """Puts one version into serving, or raises DeploymentError leaving the current one serving."""

    name: str
    #: Whether `deploy` needs the version downloaded (the local target) or only its name (k8s).
    needs_model: bool

    @property
    def endpoint(self) -> str: ...

    async def open(self) -> None: ...

    async def deploy(self, model_name: str, version: int, model_dir: Path | None) -> Retire | None:
        """Switch to `version`; returns what drains and stops the replaced one, if anything."""

    async def close(self) -> None: ...


class LocalTarget:
    """Scoring servers on free internal ports behind a proxy on the stable port."""

    name = "local"
    needs_model = True

    def __init__(self, host: str, port: int, log_dir: Path, *, health_timeout: float = 120.0,
                 warm_up_timeout: float = 60.0, drain_timeout: float = 30.0) -> None:
        self.proxy = SwitchingProxy(host, port)
        self.log_dir = log_dir
        self.health_timeout, self.warm_up_timeout, self.drain_timeout = health_timeout, warm_up_timeout, drain_timeout
        self.current: ScoringServer | None = None
        self._http: httpx.AsyncClient | None = None

    @property
    def endpoint(self) -> str:
        return f"http://{self.proxy.host}:{self.proxy.port}"

    async def open(self) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self._http = httpx.AsyncClient()
        await self.proxy.start()

    async def deploy(self, model_name: str, version: int, model_dir: Path | None) -> Retire | None:
        from mlledger.models import load_serving_input_example

        assert model_dir is not None and self._http is not None
        try:
            example = load_serving_input_example(model_dir)
        except (OSError, ValueError) as exc:
            raise DeploymentError("warm-up", f"unreadable serving input example: {exc}") from exc
        try:
            server = scoring.start(model_dir, model_name, version, self.log_dir)
        except OSError as exc:
            raise DeploymentError("start", str(exc)) from exc
        try:
            await scoring.wait_ready(server, self._http, self.health_timeout)
            await scoring.warm_up(server, self._http, example, self.warm_up_timeout)
        except BaseException:
            await server.stop(grace=2.0)
            raise
        old_server, self.current = self.current, server
        old_backend = self.proxy.switch(Backend(server.url, version))
        if old_server is None:
            return None

        async def retire() -> None:
            # New requests already go to the new server; let the old one finish its own.
            if old_backend is not None:
                await self.proxy.drain(old_backend, self.drain_timeout)
            await old_server.stop()
        return retire

    async def close(self) -> None:
        await self.proxy.stop()
        if self.current is not None:
            await self.current.stop()
        if self._http is not None:
            await self._http.aclose()


def _kube_name(model_name: str) -> str:
    return re.sub(r"[^a-z0-9-]+", "-", model_name.lower()).strip("-")[:63].rstrip("-") or "model"


class KubernetesTarget:
    """One Deployment and Service per model (stable name); a new version is a rolling update of the
    Deployment, whose readiness probe keeps the old pods serving until the new ones answer."""

    name = "k8s"
    needs_model = False

    def __init__(self, model_name: str, out_dir: Path | None, image: str, replicas: int = 2,
                 rollout_timeout: float = 300.0) -> None:
        self.kube_name = _kube_name(model_name)
        self.out_dir, self.image, self.replicas, self.rollout_timeout = out_dir, image, replicas, rollout_timeout
        self.applied = False

    @property
    def endpoint(self) -> str:
        return f"service/{self.kube_name}"

    async def open(self) -> None:
        if self.out_dir is not None:
            self.out_dir.mkdir(parents=True, exist_ok=True)

    def manifests(self, model_name: str, version: int) -> str:
        from mlledger.models.packaging import kubernetes_manifests

        image = self.image.format(name=self.kube_name, version=version)
        return kubernetes_manifests(f"models:/{model_name}/{version}", name=self.kube_name, image=image,
                                    replicas=self.replicas)

    async def deploy(self, model_name: str, version: int, model_dir: Path | None) -> Retire | None:
        text = self.manifests(model_name, version)
        if self.out_dir is not None:
            (self.out_dir / f"{self.kube_name}.yaml").write_text(text)
        else:
            sys.stdout.write(text)
            sys.stdout.flush()
        if await asyncio.to_thread(cluster_answers):
            await asyncio.to_thread(self._apply, text)
            self.applied = True
        return None  # the rolling update retires the old pods itself

    def _apply(self, text: str) -> None:
        for command, stdin in ((["kubectl", "apply", "-f", "-"], text),
                               (["kubectl", "rollout", "status", f"deployment/{self.kube_name}",
                                 f"--timeout={int(self.rollout_timeout)}s"], None)):
            done = subprocess.run(command, input=stdin, capture_output=True, text=True, check=False)
            if done.returncode != 0:
                if "rollout" in command:
                    # The new pods never became ready; the old ones still serve: go back to them.
                    subprocess.run(["kubectl", "rollout", "undo", f"deployment/{self.kube_name}"],
                                   capture_output=True, check=False)
                raise DeploymentError("health" if "rollout" in command else "start",
                                      f"{' '.join(command)}: {done.stderr.strip() or done.stdout.strip()}")

    async def close(self) -> None:
        return None


def cluster_answers() -> bool:
    """Whether kubectl is installed and a cluster answers it within a few seconds."""
    if shutil.which("kubectl") is None:
        return False
    done = subprocess.run(["kubectl", "version", "--request-timeout=3s"], capture_output=True, check=False)
    return done.returncode == 0

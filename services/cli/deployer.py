"""`mlledger deployer`: keep the version in a stage or alias of a model serving, by itself."""

from __future__ import annotations

from pathlib import Path

import click


@click.command(short_help="Serve the version in a stage or alias; follow its moves with no failed request.")
@click.option("--model", "model", required=True, help="Registered model name.")
@click.option("--stage", default=None, help="Watch this stage, e.g. Production.")
@click.option("--alias", default=None, help="Watch this alias, e.g. champion.")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(0, 65535),
              help="The stable port clients call (local target).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address of the stable port (local target).")
@click.option("--target", type=click.Choice(["local", "k8s"]), default="local", show_default=True)
@click.option("--manifests-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="k8s: write the manifests here (default: print them).")
@click.option("--image", default="{name}:{version}", show_default=True,
              help="k8s: the image of a version ({name}, {version} are filled in); build it with `models build-docker`.")
@click.option("--replicas", default=2, show_default=True, type=click.IntRange(1), help="k8s: pods per version.")
@click.option("--work-dir", type=click.Path(file_okay=False, path_type=Path), default=Path(".mlledger-deployer"),
              show_default=True, help="Scoring servers' logs (local target).")
@click.option("--health-timeout", default=120.0, show_default=True, type=float,
              help="Seconds a new scoring server has to become ready.")
@click.option("--resync", default=30.0, show_default=True, type=click.FloatRange(min=0.1),
              help="Seconds between looks at the registry when no event arrives (a lost event only delays).")
@click.option("--tracking-uri", envvar="MLLEDGER_TRACKING_URI", default=None, help="The deployment's address.")
def deployer(model: str, stage: str | None, alias: str | None, port: int, host: str, target: str,
             manifests_dir: Path | None, image: str, replicas: int, work_dir: Path, health_timeout: float,
             resync: float, tracking_uri: str | None) -> None:
    """Serve the version of MODEL in --stage (or --alias) and follow the registry: when another
    version enters the stage or the alias moves, start it, check it (health and a warm-up request
    with the model's serving input example), switch traffic, then drain and stop the old one.
    Every deployment is recorded as events (docs/deployer.md). Runs until SIGINT or SIGTERM."""
    import asyncio
    import signal

    import mlledger
    from mlledger.services.deployer.controller import Deployer, Watch
    from mlledger.services.deployer.targets import KubernetesTarget, LocalTarget

    if (stage is None) == (alias is None):
        raise click.UsageError("give exactly one of --stage and --alias")
    if stage is not None:
        from mlledger.vocabulary import STAGES, stage_by_name, stage_name

        number = stage_by_name(stage)
        if number is None:
            raise click.BadParameter(f"expected one of {', '.join(STAGES)}", param_hint="--stage")
        stage = stage_name(number)
    watch = Watch(model, stage=stage, alias=alias)
    chosen = (LocalTarget(host, port, work_dir / "logs", health_timeout=health_timeout) if target == "local"
              else KubernetesTarget(model, manifests_dir, image, replicas))

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        with mlledger.Client(tracking_uri, actor="deployer") as client:
            await Deployer(client, watch, chosen, resync=resync).run(stop)

    try:
        asyncio.run(main())
    except OSError as exc:
        raise click.ClickException(str(exc)) from exc

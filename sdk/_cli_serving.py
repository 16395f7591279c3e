"""`mlledger models serve | build-docker | k8s`: serve a model, package it as an image, deploy it."""

from __future__ import annotations

from pathlib import Path

import click


@click.command("serve", short_help="Serve a model over REST (MLflow and V2) and gRPC (V2).")
@click.option("-m", "--model-uri", required=True, help="runs:/, models:/ or a local path.")
@click.option("-h", "--host", default="127.0.0.1", show_default=True, envvar="MLLEDGER_SERVE_HOST")
@click.option("-p", "--port", default=5000, show_default=True, type=int, help="HTTP port (MLflow and V2 REST).")
@click.option("--grpc-port", default=8081, show_default=True, type=int, help="gRPC port (V2); -1 turns gRPC off.")
@click.option("-w", "--workers", default=1, show_default=True, type=click.IntRange(1), help="Worker processes.")
@click.option("-t", "--timeout", default=60.0, show_default=True, type=click.FloatRange(min=0, min_open=True),
              help="Seconds a request may take before it is answered 504.")
@click.option("--grace", default=30.0, show_default=True, type=float,
              help="Seconds to finish requests in flight after SIGTERM.")
@click.option("--model-name", default=None, help="The name V2 clients use (default: from the URI).")
@click.option("--model-version", default=None, help="The version V2 clients see (default: from the URI).")
@click.option("--no-access-log", is_flag=True, help="Do not log one line per request.")
@click.option("--log-format", type=click.Choice(["auto", "json", "console"]), default="auto", show_default=True)
def serve_command(model_uri: str, host: str, port: int, grpc_port: int, workers: int, timeout: float,
                  grace: float, model_name: str | None, model_version: str | None, no_access_log: bool,
                  log_format: str) -> None:
    """Serve a model: MLflow's scoring protocol (/invocations, /ping, /health, /version), the Open
    Inference Protocol over REST (/v2/...) and gRPC, and Prometheus metrics on /metrics."""
    from mlledger.models.serving import ServeOptions, serve

    serve(ServeOptions(model_uri=model_uri, host=host, port=port, grpc_port=None if grpc_port < 0 else grpc_port,
                       workers=workers, timeout=timeout, grace=grace, model_name=model_name,
                       model_version=model_version, access_log=not no_access_log, log_format=log_format))


@click.command("build-docker", short_help="Write a container build context for a model; build it if Docker answers.")
@click.option("-m", "--model-uri", required=True, help="runs:/, models:/ or a local path.")
@click.option("-n", "--name", "image", required=True, help="Image name and tag, e.g. fraud:3.")
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help="Folder for the build context (default: ./<image>-build).")
@click.option("--no-build", is_flag=True, help="Only write the context.")
def build_docker_command(model_uri: str, image: str, output: Path | None, no_build: bool) -> None:
    """Write a Dockerfile with the model, its pinned requirements and the scoring server, then
    build it with `docker build` when a Docker engine answers."""
    from mlledger.models.packaging import build_image, docker_available, write_build_context

    context = write_build_context(model_uri, output or Path(f"{image.replace(':', '-').replace('/', '-')}-build"))
    click.echo(f"wrote the build context to {context.resolve()}")
    command = f"docker build -t {image} {context}"
    if no_build or not docker_available():
        click.echo(f"no Docker engine answered; build the image with:\n  {command}")
        return
    build_image(context, image)
    click.echo(f"built image {image}")


@click.command("k8s", short_help="Write a Kubernetes Deployment and Service for a model's image.")
@click.option("-m", "--model-uri", required=True, help="The model the image serves (names the deployment).")
@click.option("-n", "--name", default=None, help="Deployment name (default: from the model URI).")
@click.option("-i", "--image", default=None, help="Container image (default: <name>:latest).")
@click.option("-r", "--replicas", default=2, show_default=True, type=click.IntRange(1))
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help="File to write (default: print to stdout).")
def k8s_command(model_uri: str, name: str | None, image: str | None, replicas: int, output: Path | None) -> None:
    """Write a Deployment (rolling update with maxUnavailable 0, probes on the health endpoints,
    resource requests) and a Service exposing the HTTP and gRPC ports."""
    from mlledger.models.packaging import kubernetes_manifests

    text = kubernetes_manifests(model_uri, name=name, image=image, replicas=replicas)
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text)
        click.echo(f"wrote {output}", err=True)


def register(group: click.Group) -> None:
    """Add the serving and packaging commands to the `mlledger models` group."""
    for command in (serve_command, build_docker_command, k8s_command):
        group.add_command(command)

"""A container build context for one model: the model, pinned requirements, and the scoring server.

The context holds `Dockerfile`, `model/` (the model directory), `requirements.txt` (the model's
own pinned requirements), `constraints.txt` (the serving environment's packages pinned to the
versions installed here) and `wheels/` (mlledger itself, built from its source tree when this
installation has one). The image runs as a non-root user and serves REST on 8080 and gRPC on 8081.
"""

from __future__ import annotations

import importlib.metadata
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

HTTP_PORT = 8080
GRPC_PORT = 8081
MODEL_DIR = "/opt/ml/model"
USER_ID = 10001


def entry_command(workers: int = 2) -> list[str]:
    """The image's CMD: the scoring server on both ports for the model baked into the image."""
    return ["mlledger", "models", "serve", "-m", MODEL_DIR, "--host", "0.0.0.0", "-p", str(HTTP_PORT),
            "--grpc-port", str(GRPC_PORT), "-w", str(workers), "--log-format", "json"]


def write_build_context(model_uri: str, output: Path, workers: int = 2) -> Path:
    """Write the build context for `model_uri` into `output` (replacing it) and return its path."""
    from mlledger.models import download_model

    source = download_model(model_uri)
    output = Path(output)
    if output.exists():
        shutil.rmtree(output)
    shutil.copytree(source, output / "model", ignore=shutil.ignore_patterns(".complete"))
    requirements = _model_requirements(output / "model")
    (output / "requirements.txt").write_text("".join(f"{line}\n" for line in requirements))
    pinned_by_model = {_name(line) for line in requirements}
    constraints = [pin for pin in _serving_pins() if _name(pin) not in pinned_by_model]
    (output / "constraints.txt").write_text("".join(f"{line}\n" for line in constraints))
    wheel = _mlledger_wheel(output / "wheels")
    (output / "Dockerfile").write_text(dockerfile(_python_version(output / "model"), wheel, workers))
    (output / ".dockerignore").write_text("**/__pycache__\n")
    return output


def dockerfile(python_version: str, wheel: str | None, workers: int = 2) -> str:
    """The Dockerfile text: pinned base image, dependencies first (cached layer), model last."""
    install = f"./wheels/{wheel}" if wheel else f"mlledger=={importlib.metadata.version('mlledger')}"
    probe = (f"import sys, urllib.request; sys.exit(0 if urllib.request.urlopen("
             f"'http://127.0.0.1:{HTTP_PORT}/ping', timeout=2).status == 200 else 1)")
    return "\n".join([
        "# Built by `mlledger models build-docker`: one model behind mlledger's scoring server.",
        f"FROM python:{python_version}-slim-bookworm",
        "ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1",
        f"RUN groupadd --system --gid {USER_ID} mlledger \\",
        f" && useradd --system --uid {USER_ID} --gid mlledger --home-dir /opt/ml --shell /usr/sbin/nologin mlledger",
        "WORKDIR /opt/ml",
        "COPY requirements.txt constraints.txt ./",
        "COPY wheels/ ./wheels/",
        f"RUN pip install -r requirements.txt -c constraints.txt {install}",
        f"COPY --chown={USER_ID}:{USER_ID} model/ {MODEL_DIR}/",
        f"USER {USER_ID}:{USER_ID}",
        f"EXPOSE {HTTP_PORT} {GRPC_PORT}",
        f"HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 CMD {json.dumps(['python', '-c', probe])}",
        "STOPSIGNAL SIGTERM",
        f"CMD {json.dumps(entry_command(workers))}",
        "",
    ])


def docker_available() -> bool:
    """Whether a Docker engine answers (the client alone is not enough)."""
    if shutil.which("docker") is None:
        return False
    try:
        done = subprocess.run(["docker", "info", "--format", "{{.ServerVersion}}"], capture_output=True, timeout=15)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def build_image(context: Path, image: str) -> None:
    """`docker build -t image context`; raises CalledProcessError when the build fails."""
    subprocess.run(["docker", "build", "-t", image, str(context)], check=True)


def _model_requirements(model_dir: Path) -> list[str]:
    path = model_dir / "requirements.txt"
    if not path.is_file():
        return []
    lines = [line.strip() for line in path.read_text().splitlines()]
    # mlflow pins in MLflow-written models are dropped: the image serves with mlledger.
    return [line for line in lines if line and not line.startswith("#") and _name(line) != "mlflow"]


def _serving_pins() -> list[str]:
    """mlledger's runtime requirements pinned to the versions installed in this environment."""
    pins = []
    for requirement in importlib.metadata.requires("mlledger") or []:
        if "extra ==" in requirement:
            continue
        name = _name(requirement)
        try:
            pins.append(f"{name}=={importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            continue
    return sorted(set(pins))


def _name(requirement: str) -> str:
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
    return re.sub(r"[-_.]+", "-", match.group(1)).lower() if match else requirement


def _python_version(model_dir: Path) -> str:
    """The Python the model was saved with (python_env.yaml), else this interpreter's."""
    path = model_dir / "python_env.yaml"
    if path.is_file():
        version = str((yaml.safe_load(path.read_text()) or {}).get("python") or "")
        if re.fullmatch(r"\d+\.\d+\.\d+", version):
            return version
    return ".".join(str(part) for part in sys.version_info[:3])


def _mlledger_wheel(folder: Path) -> str | None:
    """Build mlledger's wheel into `folder` when this installation runs from a source tree."""
    import mlledger

    root = Path(mlledger.__file__).resolve().parent.parent
    folder.mkdir(parents=True, exist_ok=True)
    if not (root / "pyproject.toml").is_file():
        return None
    base = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(folder)]
    for isolation in (["--no-build-isolation"], []):
        done = subprocess.run([*base, *isolation, str(root)], capture_output=True, text=True)
        if done.returncode == 0:
            break
    else:
        raise RuntimeError(f"could not build mlledger's wheel from {root}:\n{done.stderr}")
    wheels = sorted(p.name for p in folder.glob("mlledger-*.whl"))
    return wheels[-1] if wheels else None

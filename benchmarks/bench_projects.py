"""Cost of running a project through `mlledger run`, against a real stack started for the run.

    python benchmarks/bench_projects.py           # full run
    python benchmarks/bench_projects.py --quick   # fewer repetitions

Prints: the overhead of `mlledger run` over running the same command directly, with the
environment already cached (target < 300 ms), split into the CLI's start-up and the in-process
work of `mlledger.projects.run` (fetch, checks, run creation, output upload, status); and the
time to create a fresh environment (virtualenv without and with pip, and uv when installed).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import mlledger
import mlledger.projects
from mlledger.projects._environments import PythonSpec, python_environment, uv_executable
from mlledger.testing import running_stack

COMMAND = "python -c 'print(42)'"
PYTHON = ".".join(map(str, sys.version_info[:2]))


def _project(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "MLproject").write_text(f"name: bench\npython_env: python_env.yaml\nentry_points:\n"
                                    f"  main:\n    parameters:\n      n: {{type: int, default: 1}}\n"
                                    f"    command: \"{COMMAND}\"\n")
    (root / "python_env.yaml").write_text(f"python: \"{PYTHON}\"\n")
    return root


def _wall(argv: list[str], env: dict[str, str], cpu: list[float] | None = None) -> float:
    """Wall seconds of one run; appends the CPU seconds of the process tree to `cpu` when given."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(argv, env=env, check=True, capture_output=True)
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if cpu is not None:
        cpu.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return elapsed


def _median_ms(samples: list[float]) -> str:
    return f"{statistics.median(samples) * 1000:7.1f} ms (min {min(samples) * 1000:.1f}, max {max(samples) * 1000:.1f})"


def bench_overhead(project: Path, env: dict[str, str], repeats: int) -> None:
    """`mlledger run` (cached virtualenv) against `bash -c COMMAND` inside the same environment."""
    cli = [sys.executable, "-m", "mlledger", "run", str(project), "--env-manager", "virtualenv"]
    subprocess.run(cli, env=env, check=True, capture_output=True)  # creates the environment once
    env_dir = next(path for path in Path(env["MLLEDGER_ENV_ROOT"]).iterdir() if path.is_dir())
    direct_env = {**env, "PATH": f"{env_dir / 'bin'}{os.pathsep}{env['PATH']}", "VIRTUAL_ENV": str(env_dir)}
    direct, through, startup, direct_cpu, through_cpu = [], [], [], [], []
    for _ in range(repeats):
        direct.append(_wall(["bash", "-c", COMMAND], direct_env, direct_cpu))
        through.append(_wall(cli, env, through_cpu))
        startup.append(_wall([sys.executable, "-m", "mlledger", "--version"], env))
    overhead = statistics.median(through) - statistics.median(direct)
    print(f"  command run directly           {_median_ms(direct)}")
    print(f"  the same through `mlledger run` {_median_ms(through)}")
    print(f"  `mlledger --version` (start-up) {_median_ms(startup)}")
    verdict = "met" if overhead < 0.300 else "MISSED"
    print(f"  overhead of `mlledger run`      {overhead * 1000:7.1f} ms   (target < 300 ms: {verdict})")
    cpu = statistics.median(through_cpu) - statistics.median(direct_cpu)
    print(f"  CPU time it adds (client side)  {cpu * 1000:7.1f} ms   (what a quiet machine's wall time approaches)")


def bench_api(project: Path, experiment: str, repeats: int) -> None:
    """In-process `mlledger.projects.run` minus the same command run directly: the work besides start-up."""
    env_dir = None
    direct, through = [], []
    for _ in range(repeats):
        started = time.perf_counter()
        submitted = mlledger.projects.run(str(project), env_manager="virtualenv", experiment_name=experiment)
        through.append(time.perf_counter() - started)
        assert submitted.get_status() == "FINISHED"
        env_dir = env_dir or next(p for p in Path(os.environ["MLLEDGER_ENV_ROOT"]).iterdir() if p.is_dir())
        direct.append(_wall(["bash", "-c", COMMAND],
                            {**os.environ, "PATH": f"{env_dir / 'bin'}{os.pathsep}{os.environ['PATH']}"}))
    print(f"  mlledger.projects.run (in process) {_median_ms(through)}")
    print(f"  of which beyond the command         {(statistics.median(through) - statistics.median(direct)) * 1000:7.1f} ms")


def bench_fresh_environments(project: Path) -> None:
    """Seconds to create a new environment (a fresh cache each time)."""
    cases = [("virtualenv", PythonSpec(PYTHON)), ("virtualenv", PythonSpec(PYTHON, ("pip",)))]
    if uv_executable():
        cases += [("uv", PythonSpec(PYTHON)), ("uv", PythonSpec(PYTHON, ("pip",)))]
    for manager, spec in cases:
        with tempfile.TemporaryDirectory() as root:
            os.environ["MLLEDGER_ENV_ROOT"] = root
            started = time.perf_counter()
            environment = python_environment(spec, manager, project, lambda _message: None)
            elapsed = time.perf_counter() - started
            assert environment.created
            started = time.perf_counter()
            python_environment(spec, manager, project, lambda _message: None)
            reuse = time.perf_counter() - started
        label = f"{manager}, {'pip' if spec.build_dependencies else 'no packages'}"
        print(f"  fresh {label:<24} {elapsed:6.2f} s   (reused: {reuse * 1000:.1f} ms)")
    if not uv_executable():
        print("  (uv is not installed here: `pip install uv` makes creation faster)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    repeats = 5 if args.quick else 15
    print(f"load average now: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (others may be using the machine)")
    with running_stack() as stack, tempfile.TemporaryDirectory() as work:
        project = _project(Path(work) / "project")
        env_root = Path(work) / "envs"
        os.environ["MLLEDGER_ENV_ROOT"] = str(env_root)
        env = {**os.environ, "MLLEDGER_TRACKING_URI": stack.tracking_uri, "MLLEDGER_EXPERIMENT_NAME": "bench"}
        print(f"`mlledger run` with a cached environment ({repeats} runs each, medians):")
        bench_overhead(project, env, repeats)
        mlledger.set_tracking_uri(stack.tracking_uri)
        bench_api(project, "bench-api", repeats)
        print("creating a fresh environment:")
        bench_fresh_environments(project)


if __name__ == "__main__":
    main()

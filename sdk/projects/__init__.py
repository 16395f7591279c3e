"""Projects: run an MLproject's entry point reproducibly, as a tracked run, locally or on Kubernetes.

    import mlledger.projects

    submitted = mlledger.projects.run("https://host/org/repo.git", entry_point="train",
                                      parameters={"alpha": 0.5}, env_manager="virtualenv")
    submitted.run_id, submitted.get_status()

The format is MLflow's (`MLproject`, `python_env.yaml`, `conda.yaml`, `docker_env`), so existing
projects run unchanged. See docs/projects.md.
"""

from mlledger.projects._api import run
from mlledger.projects._errors import EnvironmentUnavailable, ExecutionError, ParameterError, ProjectSpecError
from mlledger.projects._kubernetes import KubernetesSubmittedRun, render_job
from mlledger.projects._local import LocalSubmittedRun
from mlledger.projects._spec import EntryPoint, Parameter, Project, load_project
from mlledger.projects._submitted import SubmittedRun

__all__ = [
    "EntryPoint",
    "EnvironmentUnavailable",
    "ExecutionError",
    "KubernetesSubmittedRun",
    "LocalSubmittedRun",
    "Parameter",
    "ParameterError",
    "Project",
    "ProjectSpecError",
    "SubmittedRun",
    "load_project",
    "render_job",
    "run",
]

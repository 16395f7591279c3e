"""mlledger: experiment tracking, model registry and artifacts on event-sourced gRPC services.

The fluent API mirrors MLflow's names, so a training script ports by changing its import:

    import mlledger
    with mlledger.start_run():
        mlledger.log_metric("quality", 2.0, step=1)

`mlledger.Client` exposes every call of every service with plain Python types.
"""

__version__ = "0.1.0"

from mlledger import errors
from mlledger.client import Client

# -- tracking (fluent API) --
from mlledger._entities import (
    Dataset, DatasetInput, Experiment, ExperimentTag, Metric, PagedList, Param, Run, RunData, RunInfo, RunInputs,
    RunStatus, RunTag, ViewType,
)
from mlledger._fluent import (
    ActiveRun, active_run, end_run, flush, get_tracking_uri, last_active_run, set_experiment, set_tracking_uri,
    start_run,
)
from mlledger._fluent_data import (
    create_experiment, delete_run, delete_tag, get_experiment, get_experiment_by_name, get_run, log_input,
    log_metric, log_metrics, log_param, log_params, search_runs, set_tag, set_tags,
)

# -- artifacts (fluent API) --
from mlledger._artifact_transfer import FileInfo
from mlledger._fluent_artifacts import (
    download_artifacts, list_artifacts, log_artifact, log_artifacts, log_dict, log_figure, log_image, log_text,
)

# -- registry (fluent API) --
from mlledger._fluent_registry import register_model, resolve_model_uri
from mlledger._registry_entities import (
    ModelEvent, ModelLineage, ModelVersion, RegisteredModel, ResolvedModel, StageChange,
)


__all__ = [
    "ActiveRun",
    "Client",
    "Dataset",
    "DatasetInput",
    "Experiment",
    "ExperimentTag",
    "FileInfo",
    "Metric",
    "ModelEvent",
    "ModelLineage",
    "ModelVersion",
    "PagedList",
    "Param",
    "RegisteredModel",
    "ResolvedModel",
    "Run",
    "RunData",
    "RunInfo",
    "RunInputs",
    "RunStatus",
    "RunTag",
    "StageChange",
    "ViewType",
    "__version__",
    "active_run",
    "create_experiment",
    "delete_run",
    "delete_tag",
    "download_artifacts",
    "end_run",
    "errors",
    "events",
    "flush",
    "get_experiment",
    "get_experiment_by_name",
    "get_run",
    "get_tracking_uri",
    "last_active_run",
    "list_artifacts",
    "log_artifact",
    "log_artifacts",
    "log_dict",
    "log_figure",
    "log_image",
    "log_input",
    "log_metric",
    "log_metrics",
    "log_param",
    "log_params",
    "log_text",
    "register_model",
    "resolve_model_uri",
    "search_runs",
    "set_experiment",
    "set_tag",
    "set_tags",
    "set_tracking_uri",
    "start_run",
]


def __getattr__(name: str) -> object:
    # The event stream (mlledger.events.subscribe) pulls in the NATS client: imported on first use,
    # so `import mlledger` and every `mlledger` command start quickly.
    if name == "events":
        import importlib

        return importlib.import_module("mlledger.events")
    raise AttributeError(f"module 'mlledger' has no attribute {name!r}")

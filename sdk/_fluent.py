"""The fluent tracking API: MLflow's module-level functions over one process-wide client.

Each thread has its own stack of active runs (nested runs sit on top of their parent).
Metric points go through a background batcher; params, tags and inputs are sent at once.
At interpreter exit pending points are delivered and active runs are ended (FAILED when the
program died of an uncaught exception, else FINISHED).
"""

from __future__ import annotations

import atexit
import logging
import os
import sys
import threading
from collections.abc import Mapping
from types import TracebackType
from typing import Any

from mlledger import errors
from mlledger._batcher import Columns, MetricBatcher
from mlledger._entities import Experiment, Run, RunData, RunInfo, RunInputs, RunTag
from mlledger._run_source import source_tags
from mlledger.transport import DEFAULT_TRACKING_URI, TRACKING_URI_ENV, normalize_address
from mlledger.client import Client

logger = logging.getLogger("mlledger")

EXPERIMENT_ID_ENV = "MLLEDGER_EXPERIMENT_ID"
EXPERIMENT_NAME_ENV = "MLLEDGER_EXPERIMENT_NAME"
RUN_ID_ENV = "MLLEDGER_RUN_ID"
METRIC_RETRY_SECONDS_ENV = "MLLEDGER_METRIC_RETRY_SECONDS"
DESCRIPTION_TAG = "mlledger.note.content"
_TERMINAL = ("FINISHED", "FAILED", "KILLED")


class ActiveRun:
    """The run `start_run` began: use it as a context manager to end it (FAILED on an exception)."""

    def __init__(self, run: Run) -> None:
        self._run = run
        self.run_id = run.info.run_id

    @property
    def info(self) -> RunInfo:
        """The run's metadata as of its start."""
        return self._run.info

    @property
    def data(self) -> RunData:
        """The run's data as of its start."""
        return self._run.data

    @property
    def inputs(self) -> RunInputs:
        return self._run.inputs

    def __repr__(self) -> str:
        return f"<ActiveRun: run_id={self.run_id!r}, experiment_id={self.info.experiment_id!r}>"

    def __enter__(self) -> ActiveRun:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        status = "FINISHED" if exc_type is None else "FAILED"
        try:
            _end_through(self.run_id, status)
        except errors.MlledgerError:
            if exc_type is None:
                raise
            logger.exception("ending run %s after an error also failed", self.run_id)


class _State:
    """The process-wide configuration and the per-thread run stacks."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.tracking_uri: str | None = None
        self.client: Client | None = None
        self.batcher: MetricBatcher | None = None
        self.experiment_id: str | None = None
        self.last_run_id: str | None = None
        self.local = threading.local()
        self.exit_hook = False


_state = _State()


def _stack() -> list[ActiveRun]:
    stack = getattr(_state.local, "runs", None)
    if stack is None:
        stack = _state.local.runs = []
    return stack


def _client() -> Client:
    client = _state.client
    if client is None:
        with _state.lock:
            if _state.client is None:
                _state.client = Client(_state.tracking_uri)
            client = _state.client
    return client


def _batcher() -> MetricBatcher:
    batcher = _state.batcher
    if batcher is None:
        with _state.lock:
            if _state.batcher is None:
                client = _client()
                retry = float(os.environ.get(METRIC_RETRY_SECONDS_ENV, "120"))
                _state.batcher = MetricBatcher(
                    lambda run_id, columns, request_id: _deliver(client, run_id, columns, request_id),
                    retry_seconds=retry)
                _register_exit_hook()
            batcher = _state.batcher
    return batcher


# -- configuration ---------------------------------------------------------------------------

def set_tracking_uri(uri: str) -> None:
    """Point the fluent API at the tracking service at `uri` ("host:port"); pending metrics go first."""
    address = normalize_address(uri)
    with _state.lock:
        old_batcher, old_client = _state.batcher, _state.client
        _state.tracking_uri, _state.client, _state.batcher, _state.experiment_id = address, None, None, None
    try:
        if old_batcher is not None:
            old_batcher.close()
    finally:
        if old_client is not None:
            old_client.close()


def get_tracking_uri() -> str:
    """Where the fluent API sends calls: set_tracking_uri, else MLLEDGER_TRACKING_URI, else 127.0.0.1:50051."""
    return normalize_address(_state.tracking_uri or os.environ.get(TRACKING_URI_ENV) or DEFAULT_TRACKING_URI)


def set_experiment(experiment_name: str | None = None, experiment_id: str | None = None) -> Experiment:
    """Make an experiment the active one for new runs, creating it by name when it does not exist."""
    if (experiment_name is None) == (experiment_id is None):
        raise errors.InvalidArgument("experiment_name", "give exactly one of experiment_name and experiment_id")
    client = _client()
    if experiment_id is not None:
        experiment = client.get_experiment(experiment_id)
    else:
        assert experiment_name is not None
        experiment = client.get_experiment_by_name(experiment_name) or _create_by_name(client, experiment_name)
    if experiment.lifecycle_stage != "active":
        raise errors.FailedPrecondition(f"experiment {experiment.name!r} is deleted; restore it first",
                                        subject=f"experiment/{experiment.experiment_id}")
    _state.experiment_id = experiment.experiment_id
    return experiment


def _deliver(client: Client, run_id: str, columns: dict[str, Columns], request_id: str) -> None:
    """Send one batch for the metric batcher (which needs no count back)."""
    client.log_metric_columns(run_id, columns, request_id=request_id)


def _create_by_name(client: Client, name: str) -> Experiment:
    try:
        return client.get_experiment(client.create_experiment(name))
    except errors.AlreadyExists:  # another process created it first
        experiment = client.get_experiment_by_name(name)
        if experiment is None:
            raise
        return experiment


def _experiment_id() -> str:
    if _state.experiment_id:
        return _state.experiment_id
    if os.environ.get(EXPERIMENT_ID_ENV):
        return os.environ[EXPERIMENT_ID_ENV]
    if os.environ.get(EXPERIMENT_NAME_ENV):
        return set_experiment(os.environ[EXPERIMENT_NAME_ENV]).experiment_id
    return ""  # the service's default experiment "0"


# -- runs ------------------------------------------------------------------------------------

def start_run(run_id: str | None = None, experiment_id: str | None = None, run_name: str | None = None,
              nested: bool = False, tags: Mapping[str, Any] | None = None,
              description: str | None = None, parent_run_id: str | None = None) -> ActiveRun:
    """Start a new run (or resume `run_id`) and make it active; nested runs need nested=True."""
    stack = _stack()
    if stack and not nested:
        raise errors.FailedPrecondition(
            f"run {stack[-1].run_id} is already active; end it with end_run() or start this one with nested=True",
            subject=f"run/{stack[-1].run_id}")
    parent = parent_run_id or (stack[-1].run_id if stack else None)
    run_id = run_id or (os.environ.get(RUN_ID_ENV) if not stack else None)
    if run_id:
        run = _resume(run_id, experiment_id, tags, description)
    else:
        all_tags = {**source_tags(_client()._transport.actor), **(tags or {})}
        if description is not None:
            all_tags[DESCRIPTION_TAG] = description
        run = _client().create_run(experiment_id or _experiment_id(), tags=all_tags, run_name=run_name,
                                   parent_run_id=parent)
    active = ActiveRun(run)
    stack.append(active)
    _register_exit_hook()
    return active


def _resume(run_id: str, experiment_id: str | None, tags: Mapping[str, Any] | None,
            description: str | None) -> Run:
    client = _client()
    run = client.get_run(run_id)
    if run.info.lifecycle_stage != "active":
        raise errors.FailedPrecondition(f"run {run_id} is deleted; restore it before resuming it",
                                        subject=f"run/{run_id}")
    if experiment_id is not None and str(experiment_id) != run.info.experiment_id:
        raise errors.InvalidArgument("experiment_id", f"run {run_id} belongs to experiment {run.info.experiment_id}, "
                                                      f"not {experiment_id}")
    extra = {**(tags or {}), **({DESCRIPTION_TAG: description} if description is not None else {})}
    if extra:
        client.log_batch(run_id, tags=[RunTag(key, str(value)) for key, value in extra.items()])
    if run.info.status != "RUNNING":
        client.update_run(run_id, status="RUNNING")
    return client.get_run(run_id)


def active_run() -> ActiveRun | None:
    """The innermost active run of this thread, or None."""
    stack = _stack()
    return stack[-1] if stack else None


def last_active_run() -> Run | None:
    """The active run, else the run this process ended last (fetched fresh), else None."""
    run = active_run()
    run_id = run.run_id if run is not None else _state.last_run_id
    return _client().get_run(run_id) if run_id else None


def end_run(status: str = "FINISHED") -> None:
    """End the innermost active run after delivering its pending metrics; no-op when none is active."""
    if status not in _TERMINAL:
        raise errors.InvalidArgument("status", f"a run ends FINISHED, FAILED or KILLED, not {status!r}")
    stack = _stack()
    if not stack:
        return
    run = stack[-1]
    delivery_error: errors.MlledgerError | None = None
    try:
        flush()
    except errors.MlledgerError as exc:
        delivery_error = exc
    try:
        _client().set_terminated(run.run_id, status)
    finally:
        if stack and stack[-1] is run:
            stack.pop()
        _state.last_run_id = run.run_id
    if delivery_error is not None:
        raise delivery_error


def _end_through(run_id: str, status: str) -> None:
    """End runs from the top of the stack down to and including `run_id` (children left open first)."""
    stack = _stack()
    if not any(run.run_id == run_id for run in stack):
        return
    while stack:
        top = stack[-1].run_id
        end_run(status)
        if top == run_id:
            return


def flush(timeout: float | None = None) -> None:
    """Deliver every metric point logged so far; raises a delivery failure if one happened."""
    if _state.batcher is not None:
        _state.batcher.flush(timeout)


def _get_or_start_run() -> str:
    stack = _stack()
    return stack[-1].run_id if stack else start_run().run_id


# -- exit ------------------------------------------------------------------------------------

def _register_exit_hook() -> None:
    with _state.lock:
        if not _state.exit_hook:
            atexit.register(_at_exit)
            _state.exit_hook = True


def _at_exit() -> None:
    """Deliver pending metrics and end this thread's active runs as the interpreter exits."""
    died = getattr(sys, "last_exc", None) or getattr(sys, "last_value", None)
    status = "FAILED" if died is not None and not hasattr(sys, "ps1") else "FINISHED"
    stack = _stack()
    while stack:
        try:
            end_run(status)
        except Exception:  # nothing can be raised to anyone at exit
            logger.exception("could not end run at exit")
    if _state.batcher is not None:
        try:
            _state.batcher.close()
        except Exception:
            logger.exception("metric points could not be delivered at exit")

"""Plain Python results of the tracking calls, shaped like MLflow's entities.

Times are milliseconds since the Unix epoch (None when unset), statuses are upper-case
strings ("RUNNING", "FINISHED", ...), lifecycle stages lower-case ("active", "deleted"),
and metrics, params and tags of a run are dicts, as in MLflow.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from google.protobuf import timestamp_pb2

from mlledger import timestamps
from mlledger.vocabulary import RUN_STATUS_NAMES


def millis(timestamp: timestamp_pb2.Timestamp, present: bool = True) -> int | None:
    """A protobuf Timestamp as milliseconds since the epoch (None when not set)."""
    return timestamps.millis(timestamp) if present else None


def _time(message: Any, name: str) -> int | None:
    return millis(getattr(message, name), message.HasField(name))


def _stage(value: int) -> str:
    return {1: "active", 2: "deleted"}.get(value, "active")


_RUN_STATUS = RUN_STATUS_NAMES
#: Run statuses by name, as the wire enum numbers them.
RUN_STATUS_NUMBERS: dict[str, int] = {name: number for number, name in _RUN_STATUS.items()}


class ViewType:
    """Which runs or experiments a search returns, by lifecycle stage (MLflow's names)."""

    ACTIVE_ONLY = 1
    DELETED_ONLY = 2
    ALL = 3


class RunStatus:
    """The statuses a run can have."""

    RUNNING = "RUNNING"
    SCHEDULED = "SCHEDULED"
    FINISHED = "FINISHED"
    FAILED = "FAILED"
    KILLED = "KILLED"

    @staticmethod
    def is_terminated(status: str) -> bool:
        """True for FINISHED, FAILED and KILLED."""
        return status in ("FINISHED", "FAILED", "KILLED")


class Metric(NamedTuple):
    """One metric point (a named tuple: histories hold many, and tuples are cheap to make)."""

    key: str
    value: float
    timestamp: int
    step: int = 0

    @classmethod
    def from_proto(cls, message: Any) -> Metric:
        return cls(message.key, message.value, message.timestamp_ms, message.step)

    @classmethod
    def many(cls, key: str, values: Iterable[float], timestamps: Iterable[int], steps: Iterable[int]) -> list[Metric]:
        """Points of one key from columns."""
        new = tuple.__new__
        return [new(cls, (key, value, timestamp, step)) for value, timestamp, step in zip(values, timestamps, steps)]


@dataclass(frozen=True)
class Param:
    """A hyper-parameter of a run."""

    key: str
    value: str


@dataclass(frozen=True)
class RunTag:
    """A key/value label on a run."""

    key: str
    value: str


@dataclass(frozen=True)
class ExperimentTag:
    """A key/value label on an experiment."""

    key: str
    value: str


@dataclass(frozen=True)
class Experiment:
    """A named group of runs."""

    experiment_id: str
    name: str
    artifact_location: str = ""
    lifecycle_stage: str = "active"
    tags: dict[str, str] = field(default_factory=dict)
    creation_time: int | None = None
    last_update_time: int | None = None

    @classmethod
    def from_proto(cls, message: Any) -> Experiment:
        return cls(
            experiment_id=message.experiment_id, name=message.name, artifact_location=message.artifact_location,
            lifecycle_stage=_stage(message.lifecycle_stage), tags={tag.key: tag.value for tag in message.tags},
            creation_time=_time(message, "creation_time"), last_update_time=_time(message, "last_update_time"),
        )


@dataclass(frozen=True)
class RunInfo:
    """Metadata of a run."""

    run_id: str
    experiment_id: str
    run_name: str
    status: str
    start_time: int | None
    end_time: int | None
    artifact_uri: str
    lifecycle_stage: str
    user_id: str
    parent_run_id: str = ""

    @property
    def run_uuid(self) -> str:
        """MLflow's older name for run_id."""
        return self.run_id

    @classmethod
    def from_proto(cls, message: Any) -> RunInfo:
        return cls(
            run_id=message.run_id, experiment_id=message.experiment_id, run_name=message.run_name,
            status=_RUN_STATUS.get(message.status, "RUNNING"), start_time=_time(message, "start_time"),
            end_time=_time(message, "end_time"), artifact_uri=message.artifact_uri,
            lifecycle_stage=_stage(message.lifecycle_stage), user_id=message.user_id,
            parent_run_id=message.parent_run_id,
        )


@dataclass(frozen=True)
class RunData:
    """What a run logged: the latest value of each metric, its params and its tags."""

    metrics: dict[str, float] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_proto(cls, message: Any) -> RunData:
        return cls(
            metrics={metric.key: metric.value for metric in message.metrics},
            params={param.key: param.value for param in message.params},
            tags={tag.key: tag.value for tag in message.tags},
        )


@dataclass(frozen=True)
class Dataset:
    """A dataset a run used: what it is called, a digest of its content and where it came from."""

    name: str
    digest: str
    source_type: str = ""
    source: str = ""
    schema: str = ""
    profile: str = ""

    @classmethod
    def from_proto(cls, message: Any) -> Dataset:
        return cls(message.name, message.digest, message.source_type, message.source, message.schema,
                   message.profile)


@dataclass(frozen=True)
class DatasetInput:
    """One use of a dataset by a run: the dataset, its role ("training", "evaluation") and tags."""

    dataset: Dataset
    context: str = ""
    tags: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_proto(cls, message: Any) -> DatasetInput:
        return cls(Dataset.from_proto(message.dataset), message.context,
                   {tag.key: tag.value for tag in message.tags})


@dataclass(frozen=True)
class RunInputs:
    """The inputs of a run."""

    dataset_inputs: list[DatasetInput] = field(default_factory=list)

    @classmethod
    def from_proto(cls, message: Any) -> RunInputs:
        return cls([DatasetInput.from_proto(item) for item in message.dataset_inputs])


@dataclass(frozen=True)
class Run:
    """A run: its metadata, its logged data and its inputs."""

    info: RunInfo
    data: RunData = field(default_factory=RunData)
    inputs: RunInputs = field(default_factory=RunInputs)

    @classmethod
    def from_proto(cls, message: Any) -> Run:
        return cls(RunInfo.from_proto(message.info), RunData.from_proto(message.data),
                   RunInputs.from_proto(message.inputs))


class PagedList(list):  # type: ignore[type-arg]
    """One page of results; `token` fetches the next page (None on the last page)."""

    def __init__(self, items: list[Any], token: str | None) -> None:
        super().__init__(items)
        self.token = token or None

"""The tracking calls of `mlledger.Client`: experiments, runs, params, metrics, tags, inputs."""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, cast

from mlledger import _tracking_wire as wire
from mlledger import errors
from mlledger._batcher import Columns
from mlledger._entities import DatasetInput, Experiment, Metric, PagedList, Param, Run, RunInfo, RunTag, ViewType
from mlledger.transport import Transport
from mlledger.v1 import tracking_pb2 as pb
from mlledger.v1 import tracking_pb2_grpc


class TrackingCalls:
    """Every tracking RPC with plain Python types (mixed into mlledger.Client)."""

    _transport: Transport
    _tracking_stub_cache: tracking_pb2_grpc.TrackingServiceStub | None = None

    @property
    def _tracking(self) -> tracking_pb2_grpc.TrackingServiceStub:
        if self._tracking_stub_cache is None:
            self._tracking_stub_cache = tracking_pb2_grpc.TrackingServiceStub(self._transport.channel("tracking"))
        return self._tracking_stub_cache

    # -- experiments -------------------------------------------------------------------------

    def create_experiment(self, name: str, artifact_location: str | None = None,
                          tags: Mapping[str, Any] | None = None) -> str:
        """Create an experiment; returns its id (ALREADY_EXISTS when the name is taken)."""
        request = pb.CreateExperimentRequest(name=name, artifact_location=artifact_location or "", tags=wire.tags(tags))
        return str(self._transport.call(self._tracking.CreateExperiment, request).experiment_id)

    def get_experiment(self, experiment_id: str) -> Experiment:
        """The experiment with this id (also a deleted one); raises NotFound."""
        request = pb.GetExperimentRequest(experiment_id=str(experiment_id))
        return Experiment.from_proto(self._transport.call(self._tracking.GetExperiment, request, write=False).experiment)

    def get_experiment_by_name(self, name: str) -> Experiment | None:
        """The experiment with this name, or None when there is none (as in MLflow)."""
        request = pb.GetExperimentByNameRequest(name=name)
        try:
            response = self._transport.call(self._tracking.GetExperimentByName, request, write=False)
        except errors.NotFound:
            return None
        return Experiment.from_proto(response.experiment)

    def search_experiments(self, view_type: int = ViewType.ACTIVE_ONLY, max_results: int = 1000,
                           filter_string: str = "", order_by: Sequence[str] | None = None,
                           page_token: str | None = None) -> PagedList:
        """One page of experiments matching `filter_string` (e.g. "name LIKE 'nlp-%'")."""
        request = pb.SearchExperimentsRequest(filter=filter_string or "", order_by=list(order_by or ()),
                                              view_type=cast(pb.ViewType, view_type), page_size=max_results,
                                              page_token=page_token or "")
        response = self._transport.call(self._tracking.SearchExperiments, request, write=False)
        return PagedList([Experiment.from_proto(item) for item in response.experiments], response.next_page_token)

    def rename_experiment(self, experiment_id: str, new_name: str) -> Experiment:
        """Give an experiment a new (unique) name."""
        request = pb.UpdateExperimentRequest(experiment_id=str(experiment_id), new_name=new_name)
        return Experiment.from_proto(self._transport.call(self._tracking.UpdateExperiment, request).experiment)

    def delete_experiment(self, experiment_id: str) -> None:
        """Soft-delete an experiment (restorable)."""
        self._transport.call(self._tracking.DeleteExperiment, pb.DeleteExperimentRequest(experiment_id=str(experiment_id)))

    def restore_experiment(self, experiment_id: str) -> None:
        """Restore a soft-deleted experiment."""
        request = pb.RestoreExperimentRequest(experiment_id=str(experiment_id))
        self._transport.call(self._tracking.RestoreExperiment, request)

    def set_experiment_tag(self, experiment_id: str, key: str, value: Any) -> None:
        """Set (add or overwrite) a tag on an experiment."""
        request = pb.SetExperimentTagRequest(experiment_id=str(experiment_id), key=key, value=str(value))
        self._transport.call(self._tracking.SetExperimentTag, request)

    def delete_experiment_tag(self, experiment_id: str, key: str) -> None:
        """Remove a tag from an experiment."""
        request = pb.DeleteExperimentTagRequest(experiment_id=str(experiment_id), key=key)
        self._transport.call(self._tracking.DeleteExperimentTag, request)

    # -- runs --------------------------------------------------------------------------------

    def create_run(self, experiment_id: str | None = None, start_time: int | None = None,
                   tags: Mapping[str, Any] | None = None, run_name: str | None = None,
                   parent_run_id: str | None = None) -> Run:
        """Create a RUNNING run (in the default experiment "0" when none is given)."""
        request = pb.CreateRunRequest(experiment_id=str(experiment_id or ""), run_name=run_name or "",
                                      start_time=wire.timestamp(start_time), tags=wire.tags(tags),
                                      parent_run_id=parent_run_id or "")
        return Run.from_proto(self._transport.call(self._tracking.CreateRun, request).run)

    def get_run(self, run_id: str) -> Run:
        """The run with this id, with its latest metrics, params, tags and inputs; raises NotFound."""
        response = self._transport.call(self._tracking.GetRun, pb.GetRunRequest(run_id=run_id), write=False)
        return Run.from_proto(response.run)

    def update_run(self, run_id: str, status: str | None = None, name: str | None = None,
                   end_time: int | None = None) -> RunInfo:
        """Change a run's status, name or end time (None leaves a field unchanged)."""
        request = pb.UpdateRunRequest(run_id=run_id, status=cast(pb.RunStatus, wire.status_number(status) if status else 0),
                                      end_time=wire.timestamp(end_time))
        if name is not None:
            request.run_name = name
        return RunInfo.from_proto(self._transport.call(self._tracking.UpdateRun, request).run_info)

    def set_terminated(self, run_id: str, status: str = "FINISHED", end_time: int | None = None) -> RunInfo:
        """End a run with a terminal status (FINISHED, FAILED or KILLED); end time defaults to now."""
        return self.update_run(run_id, status=status, end_time=end_time or int(time.time() * 1000))

    def delete_run(self, run_id: str) -> None:
        """Soft-delete a run: it refuses writes until restored."""
        self._transport.call(self._tracking.DeleteRun, pb.DeleteRunRequest(run_id=run_id))

    def restore_run(self, run_id: str) -> None:
        """Restore a soft-deleted run."""
        self._transport.call(self._tracking.RestoreRun, pb.RestoreRunRequest(run_id=run_id))

    def search_runs(self, experiment_ids: Sequence[str] | str | None = None, filter_string: str = "",
                    run_view_type: int = ViewType.ACTIVE_ONLY, max_results: int = 1000,
                    order_by: Sequence[str] | None = None, page_token: str | None = None) -> PagedList:
        """One page of runs matching `filter_string` (e.g. "metrics.acc > 0.9 AND params.lr = '0.01'")."""
        if isinstance(experiment_ids, str):
            experiment_ids = [experiment_ids]
        request = pb.SearchRunsRequest(
            experiment_ids=[str(item) for item in experiment_ids or ()], filter=filter_string or "",
            run_view_type=cast(pb.ViewType, run_view_type), max_results=max_results, order_by=list(order_by or ()),
            page_token=page_token or "")
        response = self._transport.call(self._tracking.SearchRuns, request, write=False)
        return PagedList([Run.from_proto(run) for run in response.runs], response.next_page_token)

    # -- run data ----------------------------------------------------------------------------

    def log_param(self, run_id: str, key: str, value: Any) -> Any:
        """Log a param (immutable: a different value for a logged key is INVALID_ARGUMENT); returns value."""
        self._transport.call(self._tracking.LogParam, pb.LogParamRequest(run_id=run_id, key=key, value=str(value)))
        return value

    def log_metric(self, run_id: str, key: str, value: float, timestamp: int | None = None,
                   step: int | None = None) -> None:
        """Log one metric point now (synchronously; the fluent API batches in the background)."""
        request = pb.LogMetricRequest(run_id=run_id, key=key, value=float(value), step=int(step or 0),
                                      timestamp_ms=int(timestamp if timestamp is not None else time.time() * 1000))
        self._transport.call(self._tracking.LogMetric, request)

    def log_batch(self, run_id: str, metrics: Iterable[Metric] = (), params: Iterable[Param] = (),
                  tags: Iterable[RunTag] = ()) -> None:
        """Log metrics, params and tags atomically: one invalid item rejects them all."""
        request = pb.LogBatchRequest(run_id=run_id, metrics=wire.metrics_to_series(metrics),
                                     params=[pb.Param(key=p.key, value=str(p.value)) for p in params],
                                     tags=wire.tags(tags))
        self._transport.call(self._tracking.LogBatch, request)

    def log_metric_columns(self, run_id: str, columns: Mapping[str, Columns], *,
                           request_id: str | None = None) -> int:
        """Log many points in columns, key -> (values, timestamps_ms, steps); returns the points stored.

        Columns may be lists, numpy arrays or array.array; a retry with the same `request_id`
        stores nothing twice.
        """
        request = pb.LogBatchRequest(run_id=run_id, metrics=wire.columns_to_series(columns))
        metadata = self._transport.metadata(write=True, request_id=request_id)
        return int(self._transport.call(self._tracking.LogBatch, request, metadata=metadata).metric_points)

    def stream_metrics(self, run_id: str, batches: Sequence[Mapping[str, Columns]]) -> int:
        """Send several column batches over one stream (each stored atomically); returns the points stored.

        A retry after UNAVAILABLE resends the stream and the service skips batches it already stored.
        """
        stub_call = self._tracking.StreamMetrics
        metadata = self._transport.metadata(write=True)

        def attempt() -> pb.StreamMetricsResponse:
            requests = (pb.LogBatchRequest(run_id=run_id, metrics=wire.columns_to_series(batch)) for batch in batches)
            response: pb.StreamMetricsResponse = stub_call(requests, metadata=metadata, timeout=600)
            return response

        return self._transport.retrying(attempt).metric_points

    def set_tag(self, run_id: str, key: str, value: Any) -> None:
        """Set (add or overwrite) a tag on a run."""
        self._transport.call(self._tracking.SetTag, pb.SetTagRequest(run_id=run_id, key=key, value=str(value)))

    def delete_tag(self, run_id: str, key: str) -> None:
        """Remove a tag from a run."""
        self._transport.call(self._tracking.DeleteTag, pb.DeleteTagRequest(run_id=run_id, key=key))

    def log_inputs(self, run_id: str, datasets: Sequence[DatasetInput]) -> None:
        """Record the datasets a run consumed (logging the same input again is a no-op)."""
        inputs = [pb.DatasetInput(dataset=pb.Dataset(**vars(item.dataset)), context=item.context,
                                  tags=wire.tags(item.tags)) for item in datasets]
        self._transport.call(self._tracking.LogInputs, pb.LogInputsRequest(run_id=run_id, datasets=inputs))

    # -- metric history ----------------------------------------------------------------------

    def get_metric_history(self, run_id: str, key: str) -> list[Metric]:
        """Every point of one metric of a run, ordered by (step, timestamp)."""
        return [metric for page in self._history_pages(run_id, key) for metric in wire.series_to_metrics(page, key)]

    def get_metric_history_columns(self, run_id: str, key: str) -> tuple[list[float], list[int], list[int]]:
        """Every point of one metric as columns (values, timestamps_ms, steps): cheapest for long histories."""
        values: list[float] = []
        timestamps: list[int] = []
        steps: list[int] = []
        for page in self._history_pages(run_id, key):
            values.extend(page.values)
            timestamps.extend(page.timestamps_ms)
            steps.extend(page.steps)
        return values, timestamps, steps

    def get_metric_history_bulk(self, run_ids: Sequence[str], key: str,
                                max_points_per_run: int = 2500) -> dict[str, list[Metric]]:
        """One metric of several runs (1 to 100), each down-sampled to at most `max_points_per_run`."""
        request = pb.GetMetricHistoryBulkRequest(run_ids=list(run_ids), metric_key=key,
                                                 max_points_per_run=max_points_per_run)
        response = self._transport.call(self._tracking.GetMetricHistoryBulk, request, write=False)
        return {history.run_id: wire.series_to_metrics(history.series, key) for history in response.histories}

    def _history_pages(self, run_id: str, key: str) -> Iterable[pb.MetricSeries]:
        token = ""
        while True:
            request = pb.GetMetricHistoryRequest(run_id=run_id, metric_key=key, page_token=token, columnar=True)
            response = self._transport.call(self._tracking.GetMetricHistory, request, write=False)
            yield response.series
            token = response.next_page_token
            if not token:
                return

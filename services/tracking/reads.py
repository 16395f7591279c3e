"""Read use cases: experiments, runs, searches and metric histories, with paging and limits."""

from __future__ import annotations

from psycopg_pool import AsyncConnectionPool

from mlledger import errors
from mlledger.services.core import paging
from mlledger.services.eventstore.database import translated
from mlledger.services.tracking import bucketing, domain, metrics
from mlledger.services.tracking.queries import Queries
from mlledger.services.tracking.schema import DEFAULT_EXPERIMENT_ID
from mlledger.v1 import tracking_pb2 as pb


class TrackingReads:
    """Answers the read RPCs from the read models."""

    def __init__(self, pool: AsyncConnectionPool, queries: Queries) -> None:
        self.pool = pool
        self.queries = queries

    async def experiment(self, experiment_id: str) -> pb.Experiment:
        domain.check_id("experiment_id", experiment_id)
        async with translated(), self.pool.connection() as conn:
            found = await self.queries.experiment(conn, experiment_id)
        if found is None:
            raise errors.NotFound("experiment", experiment_id)
        return found

    async def experiment_by_name(self, name: str) -> pb.Experiment:
        domain.check_name("name", name, required=True)
        async with translated(), self.pool.connection() as conn:
            found = await self.queries.experiment_by_name(conn, name)
        if found is None:
            raise errors.NotFound("experiment", name)
        return found

    async def search_experiments(self, request: pb.SearchExperimentsRequest) -> pb.SearchExperimentsResponse:
        limit = domain.page_size("page_size", request.page_size)
        offset = paging.read_offset(request.page_token)
        async with translated(), self.pool.connection() as conn:
            found = await self.queries.search_experiments(
                conn, request.filter, list(request.order_by), domain.view_stages(request.view_type), limit, offset)
        token = paging.offset_token(offset + limit) if len(found) > limit else ""
        return pb.SearchExperimentsResponse(experiments=found[:limit], next_page_token=token)

    async def run(self, run_id: str) -> pb.Run:
        domain.check_id("run_id", run_id)
        async with translated(), self.pool.connection() as conn:
            found = await self.queries.runs(conn, [run_id])
        if not found:
            raise errors.NotFound("run", run_id)
        return found[0]

    async def search_runs(self, request: pb.SearchRunsRequest) -> pb.SearchRunsResponse:
        experiment_ids = list(request.experiment_ids) or [DEFAULT_EXPERIMENT_ID]
        if len(experiment_ids) > domain.MAX_SEARCH_EXPERIMENTS:
            raise errors.InvalidArgument(
                "experiment_ids", f"at most {domain.MAX_SEARCH_EXPERIMENTS} experiments, got {len(experiment_ids)}")
        limit = domain.page_size("max_results", request.max_results)
        offset = paging.read_offset(request.page_token)
        async with translated(), self.pool.connection() as conn:
            found = await self.queries.search_runs(
                conn, experiment_ids, request.filter, list(request.order_by),
                domain.view_stages(request.run_view_type), limit, offset)
        token = paging.offset_token(offset + limit) if len(found) > limit else ""
        return pb.SearchRunsResponse(runs=found[:limit], next_page_token=token)

    async def metric_history(self, request: pb.GetMetricHistoryRequest) -> pb.GetMetricHistoryResponse:
        domain.check_key("metric_key", request.metric_key)
        limit = domain.page_size("page_size", request.page_size, domain.MAX_HISTORY_PAGE, domain.MAX_HISTORY_PAGE)
        offset = paging.read_offset(request.page_token)
        await self.run(request.run_id)
        async with translated(), self.pool.connection() as conn:
            points = (await self.queries.metric_points(conn, [request.run_id], request.metric_key))[request.run_id]
        page = metrics.Points(points.steps[offset:offset + limit], points.timestamps[offset:offset + limit],
                              points.values[offset:offset + limit])
        response = pb.GetMetricHistoryResponse()
        if offset + limit < len(points):
            response.next_page_token = paging.offset_token(offset + limit)
        if request.columnar:
            metrics.fill_series(response.series, request.metric_key, page)
        else:
            response.metrics.extend(metrics.to_metrics(request.metric_key, page))
        return response

    async def metric_history_bulk(self, request: pb.GetMetricHistoryBulkRequest) -> pb.GetMetricHistoryBulkResponse:
        run_ids = list(request.run_ids)
        if not run_ids or len(run_ids) > domain.MAX_BULK_RUNS:
            raise errors.InvalidArgument("run_ids", f"give 1 to {domain.MAX_BULK_RUNS} run ids, got {len(run_ids)}")
        for index, run_id in enumerate(run_ids):
            domain.check_id(f"run_ids[{index}]", run_id)
        domain.check_key("metric_key", request.metric_key)
        limit = domain.page_size("max_points_per_run", request.max_points_per_run, domain.DEFAULT_BULK_POINTS,
                                 domain.MAX_BULK_POINTS)
        if limit < 2:
            raise errors.InvalidArgument("max_points_per_run", "must be at least 2 (the first and last point)")
        by_time = request.axis == pb.HISTORY_AXIS_TIME
        start = request.window_start if request.HasField("window_start") else None
        end = request.window_end if request.HasField("window_end") else None
        steps = None if by_time else (start, end)
        async with translated(), self.pool.connection() as conn:
            points = await self.queries.metric_points(conn, run_ids, request.metric_key, steps)
        reduce = bucketing.min_max if request.sampling == pb.HISTORY_SAMPLING_MIN_MAX else metrics.downsample
        response = pb.GetMetricHistoryBulkResponse()
        for run_id in run_ids:
            shown = bucketing.window(bucketing.on_axis(points[run_id], by_time), by_time, start, end)
            entry = response.histories.add(run_id=run_id, total_points=len(shown))
            metrics.fill_series(entry.series, request.metric_key, reduce(shown, limit))
        return response

"""gRPC handlers of mlledger.v1.TrackingService: decode, call the read or write side, encode."""

from __future__ import annotations

from collections.abc import AsyncIterator

from typing import TypeAlias

import grpc

from mlledger.services.core import context as request_context
from mlledger.services.tracking import domain
from mlledger.services.tracking.experiments import ExperimentCommands
from mlledger.services.tracking.reads import TrackingReads
from mlledger.services.tracking.runs import RunCommands
from mlledger.v1 import tracking_pb2 as pb
from mlledger.v1 import tracking_pb2_grpc

Context: TypeAlias = grpc.aio.ServicerContext


class TrackingApi(tracking_pb2_grpc.TrackingServiceServicer):
    """The tracking service's RPCs."""

    def __init__(self, experiments: ExperimentCommands, runs: RunCommands, reads: TrackingReads) -> None:
        self.experiments = experiments
        self.runs = runs
        self.reads = reads

    async def CreateExperiment(self, request: pb.CreateExperimentRequest, context: Context) -> pb.CreateExperimentResponse:
        return await self.experiments.create(request)

    async def GetExperiment(self, request: pb.GetExperimentRequest, context: Context) -> pb.GetExperimentResponse:
        return pb.GetExperimentResponse(experiment=await self.reads.experiment(request.experiment_id))

    async def GetExperimentByName(self, request: pb.GetExperimentByNameRequest,
                                  context: Context) -> pb.GetExperimentByNameResponse:
        return pb.GetExperimentByNameResponse(experiment=await self.reads.experiment_by_name(request.name))

    async def SearchExperiments(self, request: pb.SearchExperimentsRequest,
                                context: Context) -> pb.SearchExperimentsResponse:
        return await self.reads.search_experiments(request)

    async def UpdateExperiment(self, request: pb.UpdateExperimentRequest, context: Context) -> pb.UpdateExperimentResponse:
        return await self.experiments.rename(request)

    async def DeleteExperiment(self, request: pb.DeleteExperimentRequest, context: Context) -> pb.DeleteExperimentResponse:
        return await self.experiments.delete(request)

    async def RestoreExperiment(self, request: pb.RestoreExperimentRequest,
                                context: Context) -> pb.RestoreExperimentResponse:
        return await self.experiments.restore(request)

    async def SetExperimentTag(self, request: pb.SetExperimentTagRequest, context: Context) -> pb.SetExperimentTagResponse:
        return await self.experiments.set_tag(request)

    async def DeleteExperimentTag(self, request: pb.DeleteExperimentTagRequest,
                                  context: Context) -> pb.DeleteExperimentTagResponse:
        return await self.experiments.delete_tag(request)

    async def CreateRun(self, request: pb.CreateRunRequest, context: Context) -> pb.CreateRunResponse:
        return await self.runs.create(request)

    async def GetRun(self, request: pb.GetRunRequest, context: Context) -> pb.GetRunResponse:
        return pb.GetRunResponse(run=await self.reads.run(request.run_id))

    async def UpdateRun(self, request: pb.UpdateRunRequest, context: Context) -> pb.UpdateRunResponse:
        return await self.runs.update(request)

    async def DeleteRun(self, request: pb.DeleteRunRequest, context: Context) -> pb.DeleteRunResponse:
        await self.runs.set_stage(request.run_id, deleted=True)
        return pb.DeleteRunResponse()

    async def RestoreRun(self, request: pb.RestoreRunRequest, context: Context) -> pb.RestoreRunResponse:
        await self.runs.set_stage(request.run_id, deleted=False)
        return pb.RestoreRunResponse()

    async def SetTag(self, request: pb.SetTagRequest, context: Context) -> pb.SetTagResponse:
        domain.check_key("key", request.key)
        domain.check_value("value", request.value, domain.MAX_TAG_VALUE)
        await self.runs.log_batch(pb.LogBatchRequest(run_id=request.run_id, tags=[pb.Tag(key=request.key,
                                                                                         value=request.value)]))
        return pb.SetTagResponse()

    async def DeleteTag(self, request: pb.DeleteTagRequest, context: Context) -> pb.DeleteTagResponse:
        return await self.runs.delete_tag(request)

    async def LogParam(self, request: pb.LogParamRequest, context: Context) -> pb.LogParamResponse:
        domain.check_key("key", request.key)
        domain.check_value("value", request.value, domain.MAX_PARAM_VALUE)
        param = pb.Param(key=request.key, value=request.value)
        await self.runs.log_batch(pb.LogBatchRequest(run_id=request.run_id, params=[param]), param_field="")
        return pb.LogParamResponse()

    async def LogMetric(self, request: pb.LogMetricRequest, context: Context) -> pb.LogMetricResponse:
        domain.check_key("key", request.key)
        series = pb.MetricSeries(key=request.key, values=[request.value], steps=[request.step],
                                 timestamps_ms=[request.timestamp_ms or domain.now_ms()])
        await self.runs.log_batch(pb.LogBatchRequest(run_id=request.run_id, metrics=[series]))
        return pb.LogMetricResponse()

    async def LogBatch(self, request: pb.LogBatchRequest, context: Context) -> pb.LogBatchResponse:
        return await self.runs.log_batch(request)

    async def StreamMetrics(self, request_iterator: AsyncIterator[pb.LogBatchRequest],
                            context: Context) -> pb.StreamMetricsResponse:
        # Each message commits on its own; a retried stream with the same request id skips the
        # batches that already committed because each gets its own derived idempotency key.
        base = request_context.current().request_id
        totals = pb.StreamMetricsResponse()
        index = 0
        async for request in request_iterator:
            stored = await self.runs.log_batch(request, field_prefix=f"batches[{index}].",
                                               request_id=f"{base}:{index}" if base else "")
            totals.batches += 1
            totals.metric_points += stored.metric_points
            totals.params += stored.params
            totals.tags += stored.tags
            index += 1
        return totals

    async def GetMetricHistory(self, request: pb.GetMetricHistoryRequest, context: Context) -> pb.GetMetricHistoryResponse:
        return await self.reads.metric_history(request)

    async def GetMetricHistoryBulk(self, request: pb.GetMetricHistoryBulkRequest,
                                   context: Context) -> pb.GetMetricHistoryBulkResponse:
        return await self.reads.metric_history_bulk(request)

    async def LogInputs(self, request: pb.LogInputsRequest, context: Context) -> pb.LogInputsResponse:
        return await self.runs.log_inputs(request)

    async def SearchRuns(self, request: pb.SearchRunsRequest, context: Context) -> pb.SearchRunsResponse:
        return await self.reads.search_runs(request)

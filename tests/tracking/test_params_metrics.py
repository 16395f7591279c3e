"""Params, metrics and batches: immutability, atomicity, NaN/inf, histories, streaming and limits."""

from __future__ import annotations

import math

import grpc
import pytest

from mlledger.v1 import tracking_pb2 as pb
from tests.tracking.conftest import rpc_error, series


def test_param_is_immutable(tracking, run_id):
    """Re-logging a param's value is fine; a different value is INVALID_ARGUMENT naming key and both values."""
    tracking.LogParam(pb.LogParamRequest(run_id=run_id, key="lr", value="0.01"))
    tracking.LogParam(pb.LogParamRequest(run_id=run_id, key="lr", value="0.01"))
    error = rpc_error(tracking.LogParam, pb.LogParamRequest(run_id=run_id, key="lr", value="0.02"))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "'lr'" in error.details() and "'0.01'" in error.details() and "'0.02'" in error.details()
    params = tracking.GetRun(pb.GetRunRequest(run_id=run_id)).run.data.params
    assert [(p.key, p.value) for p in params] == [("lr", "0.01")]


def test_batch_with_one_bad_item_stores_nothing(tracking, run_id):
    """A batch whose last param conflicts with a logged one is rejected whole: no metric, tag or param stored."""
    tracking.LogParam(pb.LogParamRequest(run_id=run_id, key="fixed", value="1"))
    before = tracking.GetRun(pb.GetRunRequest(run_id=run_id)).run
    bad = pb.LogBatchRequest(run_id=run_id, metrics=[series("m", [1.0, 2.0])], tags=[pb.Tag(key="t", value="v")],
                             params=[pb.Param(key="new", value="x"), pb.Param(key="fixed", value="2")])
    error = rpc_error(tracking.LogBatch, bad)
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT and error.details().startswith("params[1].value:")
    assert tracking.GetRun(pb.GetRunRequest(run_id=run_id)).run == before
    history = tracking.GetMetricHistory(pb.GetMetricHistoryRequest(run_id=run_id, metric_key="m"))
    assert not history.metrics


@pytest.mark.parametrize(("batch", "field"), [
    (pb.LogBatchRequest(metrics=[pb.MetricSeries(key="m", values=[1, 2], timestamps_ms=[1])]), "metrics[0].timestamps_ms"),
    (pb.LogBatchRequest(metrics=[pb.MetricSeries(key="m", values=[1], timestamps_ms=[1], steps=[1, 2])]), "metrics[0].steps"),
    (pb.LogBatchRequest(metrics=[series("ok", [1]), series("", [1])]), "metrics[1].key"),
    (pb.LogBatchRequest(metrics=[series("k" * 251, [1])]), "metrics[0].key"),
    (pb.LogBatchRequest(params=[pb.Param(key="p", value="v" * 6001)]), "params[0].value"),
    (pb.LogBatchRequest(params=[pb.Param(key="p", value="1"), pb.Param(key="p", value="2")]), "params[1].value"),
    (pb.LogBatchRequest(tags=[pb.Tag(key="t", value="v" * 8001)]), "tags[0].value"),
    (pb.LogBatchRequest(params=[pb.Param(key=f"p{i}", value="1") for i in range(1001)]), "params"),
    (pb.LogBatchRequest(tags=[pb.Tag(key=f"t{i}", value="1") for i in range(1001)]), "tags"),
])
def test_invalid_batches_name_the_field(tracking, run_id, batch, field):
    """Each malformed item or exceeded limit is INVALID_ARGUMENT naming the field, and nothing is stored."""
    batch.run_id = run_id
    before = tracking.GetRun(pb.GetRunRequest(run_id=run_id)).run
    error = rpc_error(tracking.LogBatch, batch)
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT and error.details().startswith(f"{field}:")
    assert tracking.GetRun(pb.GetRunRequest(run_id=run_id)).run == before


def test_point_limit_per_batch(tracking, run_id):
    """More than 1,000,000 metric points in one request is rejected naming "metrics"."""
    big = [pb.MetricSeries(key=f"m{i}", values=[0.0] * 500_001, timestamps_ms=[1] * 500_001) for i in range(2)]
    error = rpc_error(tracking.LogBatch, pb.LogBatchRequest(run_id=run_id, metrics=big))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT and error.details().startswith("metrics:")


def test_nan_and_infinities_round_trip(tracking, run_id):
    """NaN, +inf and -inf come back as logged, in history and as the latest value."""
    values = [math.inf, -math.inf, math.nan]
    tracking.LogBatch(pb.LogBatchRequest(run_id=run_id, metrics=[series("odd", values, steps=[0, 1, 2])]))
    history = tracking.GetMetricHistory(pb.GetMetricHistoryRequest(run_id=run_id, metric_key="odd", columnar=True))
    got = list(history.series.values)
    assert got[:2] == [math.inf, -math.inf] and math.isnan(got[2])
    latest = tracking.GetRun(pb.GetRunRequest(run_id=run_id)).run.data.metrics
    assert [m.key for m in latest] == ["odd"] and math.isnan(latest[0].value) and latest[0].step == 2


def test_history_is_ordered_and_latest_follows_step(tracking, run_id):
    """History is ordered by (step, timestamp) across batches; Run.data.metrics holds the highest-step point."""
    tracking.LogBatch(pb.LogBatchRequest(run_id=run_id, metrics=[series("acc", [0.3, 0.1], steps=[3, 1])]))
    tracking.LogMetric(pb.LogMetricRequest(run_id=run_id, key="acc", value=0.2, step=2, timestamp_ms=5))
    tracking.LogMetric(pb.LogMetricRequest(run_id=run_id, key="acc", value=0.0, step=0, timestamp_ms=99))
    history = tracking.GetMetricHistory(pb.GetMetricHistoryRequest(run_id=run_id, metric_key="acc"))
    assert [(m.step, m.value) for m in history.metrics] == [(0, 0.0), (1, 0.1), (2, 0.2), (3, 0.3)]
    latest = tracking.GetRun(pb.GetRunRequest(run_id=run_id)).run.data.metrics
    assert [(m.key, m.value, m.step) for m in latest] == [("acc", 0.3, 3)]


def test_history_pages_and_columnar_form_agree(tracking, run_id):
    """Paging the row form returns the same points, in order, as one columnar read."""
    values = [float(i) for i in range(25)]
    tracking.LogBatch(pb.LogBatchRequest(run_id=run_id, metrics=[series("loss", values, steps=list(range(25)))]))
    request = pb.GetMetricHistoryRequest(run_id=run_id, metric_key="loss", page_size=10)
    paged = []
    while True:
        reply = tracking.GetMetricHistory(request)
        paged += [m.value for m in reply.metrics]
        if not reply.next_page_token:
            break
        request.page_token = reply.next_page_token
    whole = tracking.GetMetricHistory(pb.GetMetricHistoryRequest(run_id=run_id, metric_key="loss", columnar=True))
    assert paged == list(whole.series.values) == values
    assert list(whole.series.steps) == list(range(25)) and not whole.metrics


def test_history_of_unknown_run(tracking):
    """History of an unknown run is NOT_FOUND; a bad page token is INVALID_ARGUMENT on page_token."""
    request = pb.GetMetricHistoryRequest(run_id="a" * 32, metric_key="m")
    assert rpc_error(tracking.GetMetricHistory, request).code() == grpc.StatusCode.NOT_FOUND


def test_bad_page_token(tracking, run_id):
    """A page token the service did not issue is INVALID_ARGUMENT on page_token."""
    error = rpc_error(tracking.GetMetricHistory, pb.GetMetricHistoryRequest(run_id=run_id, metric_key="m",
                                                                           page_token="garbage"))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT and error.details().startswith("page_token:")


def test_bulk_history_downsamples_per_run(tracking, experiment_id):
    """Bulk history returns each run in request order, down-sampled to the limit with first and last points."""
    run_ids = [tracking.CreateRun(pb.CreateRunRequest(experiment_id=experiment_id)).run.info.run_id for _ in range(2)]
    tracking.LogBatch(pb.LogBatchRequest(run_id=run_ids[0], metrics=[
        series("loss", [float(i) for i in range(1000)], steps=list(range(1000)))]))
    tracking.LogBatch(pb.LogBatchRequest(run_id=run_ids[1], metrics=[series("loss", [5.0, 6.0], steps=[0, 1])]))
    reply = tracking.GetMetricHistoryBulk(pb.GetMetricHistoryBulkRequest(
        run_ids=[run_ids[1], run_ids[0]], metric_key="loss", max_points_per_run=50))
    short, long = reply.histories
    assert (short.run_id, list(short.series.values), short.total_points) == (run_ids[1], [5.0, 6.0], 2)
    assert long.run_id == run_ids[0] and long.total_points == 1000 and len(long.series.values) <= 50
    assert (long.series.steps[0], long.series.steps[-1]) == (0, 999)
    error = rpc_error(tracking.GetMetricHistoryBulk, pb.GetMetricHistoryBulkRequest(metric_key="loss"))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT and error.details().startswith("run_ids:")


def test_stream_metrics_commits_each_batch(tracking, run_id):
    """StreamMetrics stores every message as one batch and answers with the totals."""
    batches = [pb.LogBatchRequest(run_id=run_id, metrics=[series("s", [float(i)] * 100, steps=[i] * 100)])
               for i in range(5)]
    batches[0].params.append(pb.Param(key="p", value="1"))
    reply = tracking.StreamMetrics(iter(batches))
    assert (reply.batches, reply.metric_points, reply.params, reply.tags) == (5, 500, 1, 0)
    history = tracking.GetMetricHistory(pb.GetMetricHistoryRequest(run_id=run_id, metric_key="s", columnar=True))
    assert len(history.series.values) == 500


def test_stream_metrics_stops_at_a_bad_batch(tracking, run_id):
    """A bad message fails the stream naming its index; batches before it stay stored, it stores nothing."""
    good = pb.LogBatchRequest(run_id=run_id, metrics=[series("s", [1.0])])
    bad = pb.LogBatchRequest(run_id=run_id, metrics=[series("s", [2.0]), pb.MetricSeries(key="", values=[1])])
    error = rpc_error(tracking.StreamMetrics, iter([good, bad]))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT and error.details().startswith("batches[1].metrics[1].key:")
    history = tracking.GetMetricHistory(pb.GetMetricHistoryRequest(run_id=run_id, metric_key="s"))
    assert [m.value for m in history.metrics] == [1.0]


def test_log_batch_is_idempotent_with_request_id(tracking, run_id):
    """Retrying a LogBatch with the same x-mlledger-request-id stores its points once."""
    batch = pb.LogBatchRequest(run_id=run_id, metrics=[series("once", [1.0, 2.0])])
    metadata = [("x-mlledger-request-id", f"retry-{run_id}")]
    tracking.LogBatch(batch, metadata=metadata)
    tracking.LogBatch(batch, metadata=metadata)
    history = tracking.GetMetricHistory(pb.GetMetricHistoryRequest(run_id=run_id, metric_key="once"))
    assert len(history.metrics) == 2


def test_large_batch_is_stored_whole(tracking, run_id):
    """A 120,000-point batch (several events internally) reads back complete, in order, with the right latest value."""
    count = 120_000
    values = [float(i) for i in range(count)]
    tracking.LogBatch(pb.LogBatchRequest(run_id=run_id, metrics=[
        pb.MetricSeries(key="big", values=values, timestamps_ms=[7] * count, steps=range(count))]))
    history = tracking.GetMetricHistory(pb.GetMetricHistoryRequest(run_id=run_id, metric_key="big", columnar=True))
    assert list(history.series.values) == values
    latest = tracking.GetRun(pb.GetRunRequest(run_id=run_id)).run.data.metrics
    assert [(m.key, m.value, m.step) for m in latest] == [("big", count - 1.0, count - 1)]


def test_creation_tags_total_size_is_limited(tracking, experiment_id):
    """Tags given to CreateRun may total at most 256 KiB; more is INVALID_ARGUMENT on tags."""
    tags = [pb.Tag(key=f"t{i}", value="v" * 8000) for i in range(40)]
    error = rpc_error(tracking.CreateRun, pb.CreateRunRequest(experiment_id=experiment_id, tags=tags))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT and error.details().startswith("tags:")


def test_bulk_history_min_max_buckets_in_a_window(tracking, experiment_id):
    """MIN_MAX sampling keeps each bucket's extremes; a window on steps or time cuts before counting."""
    run_id = tracking.CreateRun(pb.CreateRunRequest(experiment_id=experiment_id)).run.info.run_id
    values = [float(i % 10) for i in range(10_000)]
    values[5_000] = 99.0
    for part in range(2):  # two chunks, so the step range also narrows which chunks are read
        rows = range(part * 5_000, (part + 1) * 5_000)
        tracking.LogBatch(pb.LogBatchRequest(run_id=run_id, metrics=[series(
            "loss", [values[i] for i in rows], steps=list(rows), timestamps=[1_000_000 + i for i in rows])]))
    reply = tracking.GetMetricHistoryBulk(pb.GetMetricHistoryBulkRequest(
        run_ids=[run_id], metric_key="loss", max_points_per_run=200, sampling=pb.HISTORY_SAMPLING_MIN_MAX))
    whole = reply.histories[0]
    assert whole.total_points == 10_000 and len(whole.series.values) <= 200
    assert 99.0 in whole.series.values and (whole.series.steps[0], whole.series.steps[-1]) == (0, 9_999)
    reply = tracking.GetMetricHistoryBulk(pb.GetMetricHistoryBulkRequest(
        run_ids=[run_id], metric_key="loss", max_points_per_run=200, sampling=pb.HISTORY_SAMPLING_MIN_MAX,
        window_start=6_000, window_end=6_099))
    assert reply.histories[0].total_points == 100 and list(reply.histories[0].series.steps) == list(range(6_000, 6_100))
    reply = tracking.GetMetricHistoryBulk(pb.GetMetricHistoryBulkRequest(
        run_ids=[run_id], metric_key="loss", max_points_per_run=1000, axis=pb.HISTORY_AXIS_TIME,
        window_start=1_004_990, window_end=1_005_010))
    window = reply.histories[0]
    assert window.total_points == 21 and list(window.series.timestamps_ms) == list(range(1_004_990, 1_005_011))
    assert 99.0 in window.series.values

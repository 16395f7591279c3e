"""The mlledger services.

    eventstore/  the event log on PostgreSQL, read-model projection, the outbox relay to JetStream
    core/        what every gRPC service shares: settings, logging, request context, error mapping, server
    stack/       embedded PostgreSQL and NATS, and the supervisor behind `mlledger up`
    tracking/    experiments, runs, params, metrics, tags, datasets, search
    artifacts/   files of runs and models, streamed over gRPC, on local disk or S3
    registry/    registered models, versions, stages, aliases, history
"""

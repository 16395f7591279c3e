"""Embedded PostgreSQL and NATS servers, and the supervisor behind `mlledger up`."""

"""Shared fixtures: one real PostgreSQL and NATS for the session (see mlledger.testing)."""

pytest_plugins = ["mlledger.testing"]

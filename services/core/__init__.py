"""Scaffolding every mlledger gRPC service shares: settings, logging, request context, errors, server."""

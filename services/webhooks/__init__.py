"""Webhooks: definitions event-sourced in the registry log, and the subscriber that delivers events."""

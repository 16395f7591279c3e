"""The tracking service."""

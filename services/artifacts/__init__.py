"""The artifacts service."""

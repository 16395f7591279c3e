"""The web UI: static pages served at `/` and the JSON endpoints under `/ui-api/` they read."""

"""The auditor: an append-only, hash-chained audit log of every event, and its verification."""

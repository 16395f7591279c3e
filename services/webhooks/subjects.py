"""NATS subject patterns: matching one subject, and merging the webhooks' patterns into filters.

A JetStream consumer may filter on several patterns at once only if no two of them overlap
(no subject matches both), so the dispatcher's filters are the webhooks' patterns with every
overlapping pair replaced by one pattern covering both. A filter broader than needed costs an
event that no webhook matches in the end; it never loses one.
"""

from __future__ import annotations

from collections.abc import Iterable

#: More filters than this are merged into the prefix's catch-all (NATS limits a consumer's filters).
MAX_FILTERS = 64


def matches(pattern: str, subject: str) -> bool:
    """NATS wildcard matching: `*` is one token, a final `>` one or more."""
    want, have = pattern.split("."), subject.split(".")
    for i, token in enumerate(want):
        if token == ">":
            return len(have) > i
        if i >= len(have) or (token != "*" and token != have[i]):
            return False
    return len(want) == len(have)


def overlap(a: str, b: str) -> bool:
    """Whether some subject matches both patterns."""
    left, right = a.split("."), b.split(".")
    for x, y in zip(left, right):
        if ">" in (x, y):
            return True
        if x != y and "*" not in (x, y):
            return False
    return len(left) == len(right)


def generalize(a: str, b: str) -> str:
    """The narrowest pattern of this form covering both: tokens they share are kept, others become
    `*`, and if their lengths differ (or either ends in `>`) the rest becomes `>`."""
    left, right = a.split("."), b.split(".")
    merged: list[str] = []
    for x, y in zip(left, right):
        if ">" in (x, y):
            return ".".join([*merged, ">"])
        merged.append(x if x == y else "*")
    if len(left) == len(right):
        return ".".join(merged)
    return ".".join([*merged[:-1], ">"])


def covering_filters(patterns: Iterable[str], catch_all: str) -> list[str]:
    """Non-overlapping patterns that together match every subject any of `patterns` matches."""
    filters = sorted(set(patterns))
    merged = True
    while merged:
        merged = False
        for i, a in enumerate(filters):
            for b in filters[i + 1:]:
                if overlap(a, b):
                    filters = sorted({generalize(a, b), *(f for f in filters if f not in (a, b))})
                    merged = True
                    break
            if merged:
                break
    return filters if len(filters) <= MAX_FILTERS else [catch_all]

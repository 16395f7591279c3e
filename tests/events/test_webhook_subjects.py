"""The dispatcher's subject filters: the webhooks' patterns merged so that none overlaps another."""

from __future__ import annotations

import itertools

from mlledger.services.webhooks.subjects import covering_filters, generalize, matches, overlap

SUBJECTS = [f"p.{service}.{kind}.{verb}" for service in ("tracking", "registry", "artifacts")
            for kind in ("run", "model_version", "webhook") for verb in ("created", "deleted")] + ["p.x", "p.x.y"]


def _check(patterns: list[str]) -> list[str]:
    filters = covering_filters(patterns, "p.>")
    for a, b in itertools.combinations(filters, 2):
        assert not overlap(a, b), (a, b)
    for subject in SUBJECTS:
        if any(matches(pattern, subject) for pattern in patterns):
            assert any(matches(f, subject) for f in filters), subject
    return filters


def test_disjoint_patterns_are_kept_as_they_are():
    """Patterns no subject matches twice are the filters themselves."""
    patterns = ["p.registry.model_version.created", "p.tracking.run.*", "p.registry.webhook.>"]
    assert _check(patterns) == sorted(patterns)


def test_a_pattern_covered_by_another_disappears():
    """A narrower pattern inside a broader one leaves only the broader one."""
    assert _check(["p.>", "p.tracking.run.created", "p.registry.webhook.>"]) == ["p.>"]
    assert _check(["p.registry.>", "p.registry.webhook.>"]) == ["p.registry.>"]


def test_overlapping_patterns_merge_into_one_covering_both():
    """Patterns overlapping without one covering the other become one pattern covering both."""
    assert _check(["p.*.run.created", "p.tracking.>"]) == ["p.*.>"]
    assert _check(["p.*.run.created", "p.tracking.*.created", "p.artifacts.run.deleted"]) == [
        "p.*.*.created", "p.artifacts.run.deleted"]
    assert _check(["p.x.*", "p.x.>"]) == ["p.x.>"]
    assert _check(["p.x", "p.x.>"]) == ["p.x", "p.x.>"]  # ">" is at least one token: they never meet


def test_overlap_and_generalize_agree_with_matching():
    """Two patterns overlap exactly when some subject matches both; the merge matches all either does."""
    patterns = ["p.>", "p.*", "p.x", "p.x.>", "p.*.y", "p.tracking.run.*", "p.*.run.created", "p.registry.>",
                "p.*.*.deleted", "p.x.y"]
    for a, b in itertools.product(patterns, repeat=2):
        both = [s for s in SUBJECTS if matches(a, s) and matches(b, s)]
        if both:
            assert overlap(a, b), (a, b)
        merged = generalize(a, b)
        assert all(matches(merged, s) for s in SUBJECTS if matches(a, s) or matches(b, s)), (a, b, merged)

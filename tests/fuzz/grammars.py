"""Hypothesis strategies for the search filter languages: strings built from each grammar, then mutated.

Two grammars are in the services: the tracking filter (SearchRuns, SearchExperiments: AND/OR/NOT,
parentheses, comparisons, LIKE/ILIKE, IN lists, IS NULL; services/tracking/filter_parser.py) and
the registry filter (SearchRegisteredModels, SearchModelVersions: conditions joined by AND;
services/registry/search.py), each with its `order_by` keys. Well-formed strings reach the SQL
compilers and the database; mutations (cut, repeated, spliced with hostile tokens) reach every
error path of the parsers.
"""

from __future__ import annotations

from hypothesis import strategies as st

_TRACKING_ENTITIES = ["metrics", "metric", "params", "param", "tags", "tag", "attributes", "attribute", "attr",
                      "run", "datasets", "dataset", "Metrics", "nosuch"]
_TRACKING_ATTRIBUTES = ["status", "run_name", "start_time", "end_time", "artifact_uri", "user_id", "run_id",
                        "lifecycle_stage", "name", "creation_time", "last_update_time", "experiment_id", "digest",
                        "context", "bogus", "params"]
_REGISTRY_ATTRIBUTES = ["name", "run_id", "source", "version_number", "creation_timestamp", "last_updated_timestamp",
                        "description", "bogus"]
_KEYS = ["a", "lr", "loss", "team", "x.y", "a-b/c:d", "_", "0", "ключ", "k" * 300]
_QUOTED_KEYS = ["`team name`", "`a``b`", '"quoted key"', "``", '""', "`é²`", "`" + "w" * 300 + "`"]
_STRINGS = ["", "a", "0.1", "x%", "%", "_", "%_%", "a\\%", "a\\\\", "\\", "it''s", "²", "ᾞ", "\u202e", "a" * 600,
            "FAILED", "RUNNING", "FINISHED", "ACTIVE", "DELETED", "NaN", "9" * 30, "null", "'", '"']
_NUMBERS = ["0", "1", "-1", "+3", ".5", "1.", "1e308", "1e999", "-1e999", "nan", "-inf", "Infinity", "9" * 40,
            "9223372036854775807", "9223372036854775808", "-9223372036854775809", "0.000001", "1E-400"]
_TOKENS = [")", "(", "'", '"', "`", "\\", " AND ", " OR ", "NOT ", " IN (", ",", "=", "!=", "<>", " IS NULL",
           " LIKE ", "%", "\x00", "é", "²", "..", ".", "metrics.", "tags.`", "\n", "\t", ";", "--", "/*", "0x10"]
_COMPARATORS = ["=", "==", "!=", "<>", "<", "<=", ">", ">="]


def _keyword(word: str) -> st.SearchStrategy[str]:
    return st.sampled_from([word, word.lower(), word.title()])


def _string_literal() -> st.SearchStrategy[str]:
    def quote(body: str, double: bool) -> str:
        if double:
            return '"' + body.replace("\\", "\\\\").replace('"', '\\"') + '"'
        return "'" + body.replace("'", "''") + "'"
    return st.builds(quote, st.one_of(st.sampled_from(_STRINGS), st.text(max_size=12)), st.booleans())


def _tracking_field() -> st.SearchStrategy[str]:
    qualified = st.builds(lambda e, k: f"{e}.{k}", st.sampled_from(_TRACKING_ENTITIES),
                          st.sampled_from(_KEYS + _QUOTED_KEYS))
    return st.one_of(qualified, st.sampled_from(_TRACKING_ATTRIBUTES))


def _tracking_comparison() -> st.SearchStrategy[str]:
    value = st.one_of(_string_literal(), st.sampled_from(_NUMBERS))
    compare = st.builds(lambda f, op, v: f"{f} {op} {v}", _tracking_field(), st.sampled_from(_COMPARATORS), value)
    like = st.builds(lambda f, neg, op, v: f"{f} {neg}{op} {v}", _tracking_field(),
                     st.sampled_from(["", "NOT ", "not "]), st.sampled_from(["LIKE", "ILIKE", "like"]), _string_literal())
    in_list = st.builds(lambda f, neg, vs, comma: f"{f} {neg}IN ({', '.join(vs)}{',' if comma else ''})",
                        _tracking_field(), st.sampled_from(["", "NOT "]), st.lists(value, min_size=1, max_size=4),
                        st.booleans())
    is_null = st.builds(lambda f, neg: f"{f} IS {neg}NULL", _tracking_field(), st.sampled_from(["", "NOT "]))
    return st.one_of(compare, like, in_list, is_null)


def tracking_filters() -> st.SearchStrategy[str]:
    """Well-formed tracking filters: comparisons combined with AND, OR, NOT and parentheses."""
    def extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        both = st.tuples(inner, inner)
        return st.one_of(
            st.builds(lambda pair, op: f"{pair[0]} {op} {pair[1]}", both, st.one_of(_keyword("AND"), _keyword("OR"))),
            st.builds(lambda e, n: f"{n} {e}", inner, _keyword("NOT")),
            inner.map(lambda e: f"({e})"),
        )
    return st.recursive(_tracking_comparison(), extend, max_leaves=8)


def _registry_condition() -> st.SearchStrategy[str]:
    field = st.one_of(st.sampled_from(_REGISTRY_ATTRIBUTES),
                      st.sampled_from(_KEYS + _QUOTED_KEYS).map(lambda k: f"tags.{k}"))
    value = st.one_of(_string_literal(), st.sampled_from(_NUMBERS))
    return st.builds(lambda f, op, v: f"{f} {op} {v}", field, st.sampled_from(["=", "!=", "LIKE", "ILIKE", "like"]),
                     value)


def registry_filters() -> st.SearchStrategy[str]:
    """Well-formed registry filters: conditions joined by AND."""
    return st.lists(_registry_condition(), min_size=1, max_size=5).map(" AND ".join)


def tracking_order_by() -> st.SearchStrategy[list[str]]:
    key = st.builds(lambda f, d: f"{f}{d}", _tracking_field(), st.sampled_from(["", " ASC", " DESC", " desc", " up"]))
    return st.lists(key, max_size=3)


def registry_order_by() -> st.SearchStrategy[list[str]]:
    key = st.builds(lambda f, d: f"{f}{d}", st.sampled_from(_REGISTRY_ATTRIBUTES),
                    st.sampled_from(["", " ASC", " DESC", " sideways"]))
    return st.lists(key, max_size=3)


@st.composite
def mutated(draw: st.DrawFn, base: st.SearchStrategy[str]) -> str:
    """A string of `base`, then up to three edits: a slice cut, a slice repeated, a hostile token spliced in."""
    text = draw(base)
    for _ in range(draw(st.integers(0, 3))):
        if not text:
            text = draw(st.sampled_from(_TOKENS))
            continue
        start = draw(st.integers(0, len(text)))
        end = draw(st.integers(start, min(len(text), start + 12)))
        edit = draw(st.sampled_from(["cut", "repeat", "splice", "case"]))
        if edit == "cut":
            text = text[:start] + text[end:]
        elif edit == "repeat":
            text = text[:end] + text[start:end] * draw(st.integers(1, 50)) + text[end:]
        elif edit == "splice":
            text = text[:start] + draw(st.sampled_from(_TOKENS)) + text[start:]
        else:
            text = text[:start] + text[start:end].swapcase() + text[end:]
    return text

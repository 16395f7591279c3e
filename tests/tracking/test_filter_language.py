"""The filter language parsed and compiled without a database (pure unit tests)."""

from __future__ import annotations

import pytest

from mlledger import errors
from mlledger.services.tracking.filter_parser import BoolOp, Comparison, Field, Not, parse_filter, parse_order_by
from mlledger.services.tracking.filter_sql import RUNS, Compiler


def test_conjunction_of_every_entity():
    """An MLflow-style AND of metric, param, tag and attribute comparisons parses into one flat AND."""
    node = parse_filter("metrics.acc > 0.9 and params.lr = '0.01' and tags.team != 'x' and attributes.status = 'FINISHED'")
    assert isinstance(node, BoolOp) and node.op == "AND"
    assert [(c.field.entity, c.field.key, c.op, c.value) for c in node.operands] == [
        ("metric", "acc", ">", 0.9), ("param", "lr", "=", "0.01"), ("tag", "team", "!=", "x"),
        ("attribute", "status", "=", "FINISHED")]


def test_precedence_not_and_or_parentheses():
    """AND binds tighter than OR, NOT applies to the following operand, parentheses regroup."""
    node = parse_filter("metrics.a < 1 or metrics.b < 2 and not (tags.c = 'x' or tags.d = 'y')")
    assert isinstance(node, BoolOp) and node.op == "OR"
    right = node.operands[1]
    assert isinstance(right, BoolOp) and right.op == "AND"
    assert isinstance(right.operands[1], Not) and isinstance(right.operands[1].operand, BoolOp)


@pytest.mark.parametrize(("text", "op", "value"), [
    ("tags.a LIKE 'x%'", "LIKE", "x%"),
    ("tags.a not ilike 'X%'", "NOT ILIKE", "X%"),
    ("params.a IN ('1', '2',)", "IN", ("1", "2")),
    ("params.a NOT IN ('1')", "NOT IN", ("1",)),
    ("metrics.a IS NULL", "IS NULL", None),
    ("metrics.a is not null", "IS NOT NULL", None),
    ("metrics.a == -1.5e2", "=", -150.0),
    ("metrics.a <> 2", "!=", 2.0),
    ("tags.q = 'it''s'", "=", "it's"),
])
def test_operators(text, op, value):
    """Every operator form normalizes to one canonical operator with its parsed value."""
    node = parse_filter(text)
    assert isinstance(node, Comparison) and (node.op, node.value) == (op, value)


def test_backquoted_keys_and_aliases():
    """Backquoted keys keep spaces; metric./param./tag./attr./run. are aliases; bare names are attributes."""
    text = "metric.`val loss` < 1 and param.\"batch size\" = '8' and run.status = 'RUNNING' and end_time IS NULL"
    node = parse_filter(text)
    columns = [text.index(word) + 1 for word in ("metric.", "param.", "run.", "end_time")]
    assert [c.field for c in node.operands] == [  # type: ignore[union-attr]
        Field("metric", "val loss", columns[0]), Field("param", "batch size", columns[1]),
        Field("attribute", "status", columns[2]), Field("attribute", "end_time", columns[3])]


@pytest.mark.parametrize(("text", "column", "fragment"), [
    ("metrics.acc >", 14, "end of input"),
    ("metrics.acc > 0.9 and", 22, "end of input"),
    ("metrics.acc ~ 3", 13, "'~'"),
    ("metrics.acc > 0.9 andx metrics.b < 1", 19, "andx"),
    ("(metrics.a < 1", 15, "end of input"),
    ("metrics.a IN ()", 15, "')'"),
    ("foo.bar = 1", 1, "unknown entity 'foo'"),
])
def test_malformed_filters_name_the_column(text, column, fragment):
    """A syntax error is INVALID_ARGUMENT on field "filter" stating the 1-based column."""
    with pytest.raises(errors.InvalidArgument) as caught:
        parse_filter(text)
    assert caught.value.field == "filter"
    assert f"at column {column}" in caught.value.description and fragment in caught.value.description


@pytest.mark.parametrize(("text", "fragment", "column"), [
    ("metrics.a = 'x'", "numeric", 1),
    ("params.lr = 0.1", "quote the value", 1),
    ("metrics.a > 1 and attributes.nope = 'x'", "unknown attribute 'nope'", 19),
    ("attributes.start_time LIKE 'x'", "numeric", 1),
    ("datasets.color = 'red'", "unknown dataset field", 1),
])
def test_type_errors_name_the_column(text, fragment, column):
    """Comparing an operand with a value of the wrong type is rejected at the operand's column."""
    with pytest.raises(errors.InvalidArgument) as caught:
        Compiler("tracking", RUNS).condition(parse_filter(text))
    assert fragment in caught.value.description and f"at column {column}" in caught.value.description


def test_compiled_sql_keeps_values_as_parameters():
    """User values become parameters, never SQL text, even when they contain quotes and SQL."""
    hostile = "x'; DROP TABLE tracking.runs; --"
    compiled = Compiler("tracking", RUNS).condition(parse_filter(f"tags.t = '{hostile.replace(chr(39), chr(39) * 2)}'"))
    text = compiled.sql.as_string(None)
    assert "DROP" not in text and compiled.params == ["t", hostile]


def test_metric_filter_compiles_to_exists_on_latest_values():
    """A metric comparison is an EXISTS over latest_metrics with key and value parameters."""
    compiled = Compiler("tracking", RUNS).condition(parse_filter("metrics.acc >= 0.5"))
    assert '"tracking"."latest_metrics"' in compiled.sql.as_string(None)
    assert compiled.params == ["acc", 0.5]


def test_order_by_parses_direction():
    """Order keys default to ascending; DESC is case-insensitive; malformed keys name order_by[i]."""
    assert parse_order_by("metrics.`val loss` desc").ascending is False
    assert parse_order_by("params.lr").ascending is True
    with pytest.raises(errors.InvalidArgument) as caught:
        parse_order_by("metrics.acc sideways", "order_by[2]")
    assert caught.value.field == "order_by[2]" and "column 13" in caught.value.description

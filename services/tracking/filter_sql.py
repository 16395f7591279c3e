"""Compile a filter AST (filter_parser) into a parameterized SQL condition over a read model.

Every user-supplied value becomes a psycopg parameter and every identifier comes from the fixed
maps below (quoted with psycopg.sql), so no user text is ever pasted into SQL. Metrics compare
on their latest value; params, tags and datasets through EXISTS over indexed (key, value) tables.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from psycopg import sql

from mlledger import errors, limits
from mlledger.services.tracking.filter_parser import BoolOp, Comparison, Field, Node, Not, OrderKey

_COMPARATORS = {"=", "!=", "<", "<=", ">", ">="}
_LIKES = {"LIKE": "LIKE", "ILIKE": "ILIKE", "NOT LIKE": "NOT LIKE", "NOT ILIKE": "NOT ILIKE"}


@dataclass(frozen=True)
class Target:
    """What a filter runs over: the main table's alias and id column, its attributes and keyed tables."""

    alias: str
    id_column: str
    #: attribute name -> (column, "text" | "number")
    attributes: dict[str, tuple[str, str]]
    #: entity -> (table, value column kind); keyed tables have (id_column, key, value)
    keyed: dict[str, tuple[str, str]]
    #: dataset field name -> column of the run_inputs table (runs only)
    dataset_columns: dict[str, str] = field(default_factory=dict)


@dataclass
class Compiled:
    """SQL pieces with their parameters, in order of appearance."""

    sql: sql.Composable
    params: list[Any]


def _fail(field_name: str, message: str, where: Field) -> errors.InvalidArgument:
    return errors.InvalidArgument(field_name, f"{message} at column {where.column}")


class Compiler:
    """Turns filter and order-by ASTs into SQL for one `Target` in one schema."""

    def __init__(self, schema: str, target: Target, field_name: str = "filter") -> None:
        self.schema = schema
        self.target = target
        self.field_name = field_name

    def condition(self, node: Node | None) -> Compiled:
        """A boolean SQL expression (TRUE for an empty filter)."""
        params: list[Any] = []
        if node is None:
            return Compiled(sql.SQL("TRUE"), params)
        return Compiled(self._node(node, params), params)

    def _node(self, node: Node, params: list[Any]) -> sql.Composable:
        if isinstance(node, BoolOp):
            parts = [self._node(operand, params) for operand in node.operands]
            return sql.SQL("(") + sql.SQL(f" {node.op} ").join(parts) + sql.SQL(")")
        if isinstance(node, Not):
            return sql.SQL("(NOT ") + self._node(node.operand, params) + sql.SQL(")")
        return self._comparison(node, params)

    def _comparison(self, node: Comparison, params: list[Any]) -> sql.Composable:
        entity = node.field.entity
        if entity == "attribute":
            column, kind = self._attribute(node.field)
            return self._predicate(sql.Identifier(self.target.alias, column), kind, node, params)
        if entity == "dataset":
            return self._dataset(node, params)
        if entity not in self.target.keyed:
            raise _fail(self.field_name, f"{entity}s cannot be filtered here", node.field)
        table, kind = self.target.keyed[entity]
        outer = sql.Identifier(self.target.alias, self.target.id_column)
        base = sql.SQL("EXISTS (SELECT 1 FROM {table} k WHERE k.{id} = {outer} AND k.key = %s").format(
            table=sql.Identifier(self.schema, table), id=sql.Identifier(self.target.id_column), outer=outer)
        params.append(node.field.key)
        if node.op in ("IS NULL", "IS NOT NULL"):
            return sql.SQL("NOT " if node.op == "IS NULL" else "") + base + sql.SQL(")")
        return base + sql.SQL(" AND ") + self._predicate(sql.SQL("k.value"), kind, node, params) + sql.SQL(")")

    def _dataset(self, node: Comparison, params: list[Any]) -> sql.Composable:
        column = self.target.dataset_columns.get(node.field.key)
        if column is None:
            names = ", ".join(sorted(self.target.dataset_columns)) or "none here"
            raise _fail(self.field_name, f"unknown dataset field {node.field.key!r} (known: {names})", node.field)
        outer = sql.Identifier(self.target.alias, self.target.id_column)
        base = sql.SQL("EXISTS (SELECT 1 FROM {table} d WHERE d.run_id = {outer}").format(
            table=sql.Identifier(self.schema, "run_inputs"), outer=outer)
        if node.op in ("IS NULL", "IS NOT NULL"):
            return sql.SQL("NOT " if node.op == "IS NULL" else "") + base + sql.SQL(")")
        predicate = self._predicate(sql.Identifier("d", column), "text", node, params)
        return base + sql.SQL(" AND ") + predicate + sql.SQL(")")

    def _attribute(self, where: Field) -> tuple[str, str]:
        found = self.target.attributes.get(where.key)
        if found is None:
            names = ", ".join(sorted(self.target.attributes))
            raise _fail(self.field_name, f"unknown attribute {where.key!r} (known: {names})", where)
        return found

    def _predicate(self, column: sql.Composable, kind: str, node: Comparison, params: list[Any]) -> sql.Composable:
        op, value = node.op, node.value
        if op in ("IS NULL", "IS NOT NULL"):
            return column + sql.SQL(f" {op}")
        values = value if isinstance(value, tuple) else (value,)
        for item in values:
            self._check_type(kind, item, node.field)
        if op in _LIKES:
            if kind != "text":
                raise _fail(self.field_name, f"{op} needs a text operand, {node.field.key!r} is numeric", node.field)
            limits.check_like_pattern(self.field_name, str(value))
            params.append(value)
            return column + sql.SQL(f" {_LIKES[op]} %s")
        if op in ("IN", "NOT IN"):
            params.append(list(values))
            return sql.SQL("NOT (" if op == "NOT IN" else "(") + column + sql.SQL(" = ANY(%s))")
        if op not in _COMPARATORS:
            raise _fail(self.field_name, f"unsupported operator {op}", node.field)
        params.append(value)
        return column + sql.SQL(" <> %s" if op == "!=" else f" {op} %s")

    def _check_type(self, kind: str, value: object, where: Field) -> None:
        if kind == "number" and not isinstance(value, float):
            raise _fail(self.field_name, f"{where.entity} {where.key!r} is numeric: compare it with a number", where)
        if kind == "text" and not isinstance(value, str):
            raise _fail(self.field_name, f"{where.entity} {where.key!r} is text: quote the value", where)

    def order(self, keys: list[OrderKey], default: list[tuple[str, bool]]) -> tuple[sql.Composable, sql.Composable, list[Any]]:
        """(LEFT JOINs, ORDER BY list, params): keyed sort values joined once each, NULLs last, then `default`."""
        joins: list[sql.Composable] = []
        terms: list[sql.Composable] = []
        params: list[Any] = []
        for index, key in enumerate(keys):
            direction = sql.SQL(" ASC NULLS LAST" if key.ascending else " DESC NULLS LAST")
            if key.field.entity == "attribute":
                column, _ = self._attribute(key.field)
                terms.append(sql.Identifier(self.target.alias, column) + direction)
                continue
            alias = f"o{index}"
            joins.append(self._sort_join(key, alias, "LEFT JOIN"))
            params.append(key.field.key)
            terms.append(sql.Identifier(alias, "value") + direction)
        terms.extend(self._default_terms(default))
        return sql.SQL("").join(joins), sql.SQL(", ").join(terms), params

    def parts(self, keys: list[OrderKey], default: list[tuple[str, bool]]) -> list[Part]:
        """The order of `order()` as consecutive parts, each read with its own query.

        When the first sort key is keyed (a metric, param or tag), the rows that have it come first,
        sorted by its value, and the rows that lack it (its NULLs) after them, sorted by the other
        keys. Reading the first part through an inner join on the key lets PostgreSQL walk the
        key's (key, value) index in order and stop at the end of the page, where the single
        NULLS LAST left join had to join and sort every matching run. Any other order is one part.
        """
        if not keys or keys[0].field.entity == "attribute":
            joins, terms, params = self.order(keys, default)
            return [Part(joins, terms, params, Compiled(sql.SQL("TRUE"), []))]
        first, rest = keys[0], keys[1:]
        rest_joins, rest_terms, rest_params = self.order(rest, default)
        present = Part(
            joins=self._sort_join(first, "lead", "JOIN") + rest_joins,
            # The value is never NULL here: no NULLS LAST, so the order is the index's (either direction).
            terms=sql.Identifier("lead", "value") + sql.SQL(" ASC, " if first.ascending else " DESC, ") + rest_terms,
            params=[first.field.key, *rest_params],
            restriction=Compiled(sql.SQL("TRUE"), []))
        absent = Part(rest_joins, rest_terms, rest_params, self.condition(Comparison(first.field, "IS NULL", None)))
        return [present, absent]

    def _sort_join(self, key: OrderKey, alias: str, join: str) -> sql.Composable:
        """` <join> <keyed table> <alias>` on this row's value of `key` (its key name is the next parameter)."""
        if key.field.entity not in self.target.keyed:
            raise _fail(self.field_name, f"cannot order by {key.field.entity}s here", key.field)
        table, _ = self.target.keyed[key.field.entity]
        return sql.SQL(" {join} {table} {alias} ON {alias}.{id} = {outer} AND {alias}.key = %s").format(
            join=sql.SQL(join), table=sql.Identifier(self.schema, table), alias=sql.Identifier(alias),
            id=sql.Identifier(self.target.id_column), outer=sql.Identifier(self.target.alias, self.target.id_column))

    def _default_terms(self, default: list[tuple[str, bool]]) -> list[sql.Composable]:
        return [sql.Identifier(self.target.alias, column) + sql.SQL(" ASC" if ascending else " DESC")
                for column, ascending in default]


@dataclass
class Part:
    """One consecutive part of a sorted search (see `Compiler.parts`).

    Its rows are the search's matches that `joins` keep (an inner join keeps those having its key)
    and that meet `restriction`; `joins` bring the sort values (their key names are `params`,
    which come before every other parameter) and `terms` sort them.
    """

    joins: sql.Composable
    terms: sql.Composable
    params: list[Any]
    restriction: Compiled


RUNS = Target(
    alias="r",
    id_column="run_id",
    attributes={
        "run_id": ("run_id", "text"), "run_name": ("run_name", "text"), "status": ("status", "text"),
        "start_time": ("start_time", "number"), "end_time": ("end_time", "number"), "user_id": ("user_id", "text"),
        "artifact_uri": ("artifact_uri", "text"), "experiment_id": ("experiment_id", "text"),
        "lifecycle_stage": ("lifecycle_stage", "text"), "parent_run_id": ("parent_run_id", "text"),
    },
    keyed={"metric": ("latest_metrics", "number"), "param": ("params", "text"), "tag": ("run_tags", "text")},
    dataset_columns={"name": "name", "digest": "digest", "context": "context"},
)

EXPERIMENTS = Target(
    alias="e",
    id_column="experiment_id",
    attributes={
        "experiment_id": ("experiment_id", "text"), "name": ("name", "text"),
        "artifact_location": ("artifact_location", "text"), "lifecycle_stage": ("lifecycle_stage", "text"),
        "creation_time": ("creation_time", "number"), "last_update_time": ("last_update_time", "number"),
    },
    keyed={"tag": ("experiment_tags", "text")},
)

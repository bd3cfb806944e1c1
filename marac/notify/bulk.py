"""Column values converted in bulk: once per distinct value rather than once per row.

SQLAlchemy converts every value of every row through its column's type (UUIDs to and from text on
SQLite, datetimes to and from UTC text, enums to strings).  For the thousands of rows of a reminder
sweep most of those values repeat — the same area, agency, send time or deadline on row after row —
and the conversions cost more than the rest of the Python work on them.  Here the statement carries
untyped columns, so that SQLAlchemy passes values through as they are, and each column's own type
converts each distinct value once: what reaches the database, and what comes back, is exactly what
the typed statement would have given.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Dialect, Table, column, table, type_coerce
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.expression import TableClause
from sqlalchemy.types import NullType

_Process = Callable[[Any], Any] | None
_SAMPLE = 256  # values looked at to tell a column of distinct values (row ids)


def untyped(columns: Iterable[ColumnElement[Any]]) -> list[ColumnElement[Any]]:
    """The columns to select as the database returns them (see :func:`converted_rows`)."""
    return [type_coerce(col, NullType()).label(f"c{index}") for index, col in enumerate(columns)]


def converted_rows(
    columns: Sequence[ColumnElement[Any]], rows: Iterable[Sequence[Any]], dialect: Dialect
) -> list[tuple[Any, ...]]:
    """Rows selected with :func:`untyped` ``columns``, with each value as the column's type reads it."""
    by_column = list(zip(*rows, strict=True)) or [() for _ in columns]
    processed = []
    for col, values in zip(columns, by_column, strict=True):
        process: _Process = col.type.dialect_impl(dialect).result_processor(dialect, None)
        processed.append(values if process is None else _each_once(process, values))
    return list(zip(*processed, strict=True))


def untyped_table(typed: Table) -> TableClause:
    """``typed`` with untyped columns, to compile statements for rows prepared by :func:`bound_tuples`."""
    return table(typed.name, *(column(col.name) for col in typed.columns))


def bound_tuples(
    typed: Table, names: Sequence[str], rows: Sequence[Mapping[str, Any]], dialect: Dialect
) -> list[tuple[Any, ...]]:
    """``rows`` as tuples of the columns ``names`` of ``typed``, each value as its column's type would send
    it to the database: parameters for the driver's ``executemany`` of a statement compiled once."""
    values = []
    for name in names:
        process: _Process = typed.columns[name].type.dialect_impl(dialect).bind_processor(dialect)
        given = [row[name] for row in rows]
        values.append(given if process is None else _each_once(process, given))
    return list(zip(*values, strict=True))


def _each_once(process: Callable[[Any], Any], values: Sequence[Any]) -> list[Any]:
    sample = values[:_SAMPLE]
    if len(set(sample)) == len(sample) > 1:
        # Distinct values (row ids): remembering them would cost more than converting each.
        return [process(value) for value in values]
    done = {value: process(value) for value in set(values)}
    return [done[value] for value in values]

"""Record dataclasses <-> warehouse rows, derived from the dataclass fields.

A table's columns are the fields of its record type (same names), so adding a column is
one field in `schemas/records.py` plus its migration: the Arrow tables the loader inserts,
the SELECT lists that read records back and the export columns all follow from here.
Field metadata (`schemas.records.DERIVED`, `TIMESTAMP`, `NOT_EXPORTED`) marks the few
fields that are not a plain column.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import Field, fields
from functools import cache
from typing import TYPE_CHECKING, Any, TypeVar

from schemas.timestamps import parse_timestamp

if TYPE_CHECKING:
    import pyarrow as pa

R = TypeVar("R")

_ARROW_TYPES = {str: "string", bytes: "binary", int: "int32", float: "float64", bool: "bool_"}
"""Python annotation -> Arrow type (a `pyarrow` factory name, so reading records needs no
pyarrow); DuckDB casts Arrow to the column's SQL type on insert."""


def _kind(f: Field[Any]) -> str:
    return str(f.metadata.get("column", "plain"))


def _base_type(annotation: Any) -> type:
    """`str | None` -> str, `Literal["a", "b"]` -> str, `bytes` -> bytes."""
    origin = typing.get_origin(annotation)
    if origin is typing.Literal:
        return type(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return _base_type(args[0])
    return annotation


@cache
def _columns(cls: type) -> tuple[tuple[str, str, str], ...]:
    """(name, kind, Arrow type name) of each stored field of `cls`."""
    hints = typing.get_type_hints(cls)
    out = []
    for f in fields(cls):
        kind = _kind(f)
        if kind == "derived":
            continue
        arrow = "timestamp" if kind == "timestamp" else _ARROW_TYPES[_base_type(hints[f.name])]
        out.append((f.name, kind, arrow))
    return tuple(out)


def column_names(cls: type, *, exported_only: bool = False) -> list[str]:
    """The stored columns of a record type, in field order."""
    return [
        name for name, kind, _ in _columns(cls) if not (exported_only and kind == "internal")
    ]


def to_arrow(
    records: Sequence[Any],
    cls: type,
    *,
    extra: Mapping[str, pa.Array] | None = None,
    exclude: Iterable[str] = (),
) -> pa.Table:
    """An Arrow table of `records` with one column per stored field of `cls`, plus `extra`."""
    import pyarrow as pa

    skip = set(exclude)
    data: dict[str, pa.Array] = {}
    for name, kind, arrow in _columns(cls):
        if name in skip:
            continue
        values = [getattr(r, name) for r in records]
        if kind == "timestamp":
            data[name] = pa.array([parse_timestamp(v) for v in values], pa.timestamp("us"))
        else:
            data[name] = pa.array(values, getattr(pa, arrow)())
    data.update(extra or {})
    return pa.table(data)


def select_list(cls: type, *, alias: str = "", exclude: Iterable[str] = ()) -> str:
    """The SELECT list that reads `cls` back (timestamps as ISO strings, as records hold
    them), without the columns in `exclude`."""
    prefix = f"{alias}." if alias else ""
    skip = set(exclude)
    parts = []
    for name, kind, _ in _columns(cls):
        if name in skip:
            continue
        if kind == "timestamp":
            parts.append(f"strftime({prefix}{name}, '%Y-%m-%dT%H:%M:%S') AS {name}")
        else:
            parts.append(f"{prefix}{name}")
    return ", ".join(parts)


def from_rows(
    cls: Callable[..., R], names: Sequence[str], rows: Iterable[Sequence[Any]]
) -> list[R]:
    """Records from rows selected with `select_list` (columns matched by name, not position)."""
    return [cls(**dict(zip(names, row, strict=True))) for row in rows]

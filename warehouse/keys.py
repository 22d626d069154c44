"""Look rows up by key through the table's index, so a run's lookups cost what its keys cost.

DuckDB answers `key IN (constant, ...)` on a PRIMARY KEY column from the key's ART index
when few rows match (`index_scan_max_count`, 2048 by default); a join with a registered
table, or `IN (SELECT ...)`, scans the whole column instead. Measured on a 1M-row table
with a VARCHAR primary key (DuckDB 2.0.1, this machine): 100 keys as an IN-list 0.02 s,
as a join 0.31-0.43 s; at a million articles that scan is most of a small run's cost.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import duckdb
import pyarrow as pa

INDEX_LOOKUP_KEYS = 256
"""Up to this many keys a lookup goes through the index (an IN-list); more, one scan."""

KEYS = "{keys}"
"""The placeholder a lookup query puts where each IN-list goes (`WHERE doc_id IN {keys}`)."""


def _run(con: duckdb.DuckDBPyConnection, sql: str, keys: Sequence[Any], arrow: bool) -> Any:
    uses = sql.count(KEYS)
    if not uses:
        raise ValueError(f"lookup query has no {KEYS}: {sql}")
    if len(keys) <= INDEX_LOOKUP_KEYS:
        marks = "(" + ", ".join("?" * len(keys)) + ")" if keys else "(NULL)"
        query, params = sql.replace(KEYS, marks), list(keys) * uses
        if arrow:
            return con.sql(query, params=params).to_arrow_table()
        return con.execute(query, params).fetchall()
    con.register("_lookup_keys", pa.table({"k": pa.array(list(keys))}))
    try:
        query = sql.replace(KEYS, "(SELECT k FROM _lookup_keys)")
        return con.sql(query).to_arrow_table() if arrow else con.execute(query).fetchall()
    finally:
        con.unregister("_lookup_keys")


def lookup(con: duckdb.DuckDBPyConnection, sql: str, keys: Sequence[Any]) -> list[tuple[Any, ...]]:
    """The rows of `sql` for these keys; each `{keys}` in it stands for the key set
    (`WHERE doc_id IN {keys}`)."""
    rows: list[tuple[Any, ...]] = _run(con, sql, keys, arrow=False)
    return rows


def lookup_arrow(con: duckdb.DuckDBPyConnection, sql: str, keys: Sequence[Any]) -> pa.Table:
    """`lookup` as an Arrow table."""
    table: pa.Table = _run(con, sql, keys, arrow=True)
    return table

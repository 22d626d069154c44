"""The DuckDB layer: the only package that imports duckdb."""

from warehouse.api import BadQuery, Cluster, Member, Warehouse
from warehouse.db import (
    DEFAULT_DB,
    SCHEMA_VERSION,
    DatabaseLocked,
    DatabaseMissing,
    NotADuckDB,
    PresswashError,
    migrate,
    open_db,
    resolve_db,
    run_lock,
)

__all__ = [
    "DEFAULT_DB",
    "SCHEMA_VERSION",
    "BadQuery",
    "Cluster",
    "DatabaseLocked",
    "DatabaseMissing",
    "Member",
    "NotADuckDB",
    "PresswashError",
    "Warehouse",
    "migrate",
    "open_db",
    "resolve_db",
    "run_lock",
]

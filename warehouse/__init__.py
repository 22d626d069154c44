"""The DuckDB layer: the only package that imports duckdb.

Names are loaded on first use (PEP 562), so importing `warehouse.errors`, which the CLI
needs before it knows its command, does not import DuckDB.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

_HOMES = {
    "BadQuery": "warehouse.api",
    "Cluster": "warehouse.api",
    "Member": "warehouse.api",
    "Rows": "warehouse.api",
    "Warehouse": "warehouse.api",
    "DEFAULT_DB": "warehouse.db",
    "SCHEMA_VERSION": "warehouse.db",
    "check_writable": "warehouse.db",
    "migrate": "warehouse.db",
    "open_db": "warehouse.db",
    "resolve_db": "warehouse.db",
    "run_lock": "warehouse.db",
    "BadDatabasePath": "warehouse.errors",
    "DatabaseLocked": "warehouse.errors",
    "DatabaseMissing": "warehouse.errors",
    "DiskFull": "warehouse.errors",
    "NewerSchema": "warehouse.errors",
    "NotADuckDB": "warehouse.errors",
    "NotAWarehouse": "warehouse.errors",
    "PresswashError": "warehouse.errors",
    "StorageFailure": "warehouse.errors",
    "storage_failure": "warehouse.errors",
    "OutputUnwritable": "warehouse.outfile",
    "open_output": "warehouse.outfile",
}

__all__ = [
    "DEFAULT_DB",
    "SCHEMA_VERSION",
    "BadDatabasePath",
    "BadQuery",
    "Cluster",
    "DatabaseLocked",
    "DatabaseMissing",
    "DiskFull",
    "Member",
    "NewerSchema",
    "NotADuckDB",
    "NotAWarehouse",
    "OutputUnwritable",
    "PresswashError",
    "Rows",
    "StorageFailure",
    "Warehouse",
    "check_writable",
    "migrate",
    "open_db",
    "open_output",
    "resolve_db",
    "run_lock",
    "storage_failure",
]


def __getattr__(name: str) -> object:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'warehouse' has no attribute {name!r}")
    value = getattr(import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_HOMES))


if TYPE_CHECKING:
    from warehouse.api import BadQuery, Cluster, Member, Rows, Warehouse
    from warehouse.db import (
        DEFAULT_DB,
        SCHEMA_VERSION,
        check_writable,
        migrate,
        open_db,
        resolve_db,
        run_lock,
    )
    from warehouse.errors import (
        BadDatabasePath,
        DatabaseLocked,
        DatabaseMissing,
        DiskFull,
        NewerSchema,
        NotADuckDB,
        NotAWarehouse,
        PresswashError,
        StorageFailure,
        storage_failure,
    )
    from warehouse.outfile import OutputUnwritable, open_output

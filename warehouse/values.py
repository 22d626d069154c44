"""How a DuckDB value is shown as JSON and as text: one place for `sql` and `export`.

Values are data, never markup or Python reprs: lists, structs and maps print as JSON,
blobs as their size (a raw page is megabytes of bytes nobody reads in a terminal),
timestamps in ISO form.
"""

from __future__ import annotations

import json
import math
from datetime import date, datetime, time
from decimal import Decimal


def blob_size(value: bytes | bytearray | memoryview) -> str:
    """A blob as what a reader needs to know of it: `<1234 bytes>`."""
    return f"<{len(value)} bytes>"


def as_json(value: object) -> object:
    """A value ready for `json.dumps`: nested lists and objects, ISO dates, blob sizes.

    Args:
        value: anything DuckDB's Python client returns for a cell.
    """
    kind = type(value)
    if value is None or kind is str or kind is int or kind is bool:
        return value
    if isinstance(value, float) and kind is float:
        return value if math.isfinite(value) else str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return blob_size(value)
    if isinstance(value, list | tuple):
        return [as_json(v) for v in value]
    if isinstance(value, dict):
        return {str(k): as_json(v) for k, v in value.items()}
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return str(value)  # UUID, timedelta, intervals


def as_text(value: object) -> str:
    """A value as one cell of text: empty for NULL, JSON for nested values.

    Args:
        value: anything DuckDB's Python client returns for a cell.
    """
    if type(value) is str:  # the common cell first (a subclass goes below)
        return value
    kind = type(value)
    if value is None:
        return ""
    if kind is int or kind is float:
        return str(value)
    if kind is bool:
        return "true" if value else "false"
    if isinstance(value, bytes | bytearray | memoryview):
        return blob_size(value)
    if isinstance(value, list | tuple | dict):
        return json.dumps(as_json(value), ensure_ascii=False)
    return str(value)

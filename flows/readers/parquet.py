"""Parquet files of scraped pages, the way datasets are shared.

Rows hold `url` and `html` or `text` (string or binary), optional `title`, `date`
(string or timestamp) and `site`: the fields of scraper JSONL, checked the same way.
Each row is one unit at `dump.parquet#row-N` (N counts from 0, as Arrow and pandas
do). A bad row is a reject and the rest are kept; a row group that cannot be decoded
is one reject for its rows, and reading goes on with the next group. Rows are read
in small batches of only the columns we use, so memory stays flat on a large file.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any, BinaryIO

from cleaners.decode import Failure, decode
from flows.readers.base import Context, Record, Source, reject
from flows.readers.jsonl import record_document
from flows.readers.streams import is_seekable, spool

__all__ = ["read_parquet"]

BATCH_ROWS = 64
"""Rows per decoded batch: pages run to megabytes, so a batch stays a few MB."""

READ_BUFFER_BYTES = 2**20
"""Column chunks are read through a buffer this size instead of whole."""

FIELDS = ("url", "html", "text", "title", "date", "site")
"""The columns we read; any others are left on disk."""

_DAMAGE: tuple[type[BaseException], ...] = (
    OSError,
    ValueError,
    TypeError,
    KeyError,
    IndexError,
    NotImplementedError,
)
"""What pyarrow raises on a damaged file, with `pyarrow.ArrowException` (ArrowInvalid is
a ValueError, ArrowIOError an OSError, ...); pyarrow is imported only when needed."""


def _arrow_damage() -> tuple[type[BaseException], ...]:
    import pyarrow as pa

    return (pa.ArrowException, *_DAMAGE)


def read_parquet(stream: BinaryIO, source: Source, ctx: Context) -> Iterator[Record]:
    """Read a Parquet file's rows as scraper records, one row group at a time."""
    import pyarrow.parquet as pq  # imported here: only Parquet inputs pay for it

    damage = _arrow_damage()
    seekable = stream if is_seekable(stream) else spool(stream, ctx.limits.max_bytes)
    if seekable is None:
        detail = f"nested Parquet over {ctx.limits.max_bytes} bytes (read it unpacked)"
        yield reject(source, "too_large", detail, None)
        return
    try:
        parquet = pq.ParquetFile(seekable, buffer_size=READ_BUFFER_BYTES, pre_buffer=False)
        names = set(parquet.schema_arrow.names)
        sizes = [parquet.metadata.row_group(i).num_rows for i in range(parquet.num_row_groups)]
    except damage as exc:
        yield reject(source, "parse_error", f"unreadable Parquet: {exc}", None)
        return
    if not names & {"html", "text"}:
        columns = ", ".join(sorted(names)) or "none"
        detail = f"no 'html' or 'text' column (columns: {columns})"
        yield reject(source, "parse_error", detail, None)
        return
    columns = [name for name in FIELDS if name in names]
    first = 0
    for group, size in enumerate(sizes):
        yield from _row_group(parquet, group, first, size, columns, source, ctx, damage)
        first += size


def _row_group(
    parquet: Any,
    group: int,
    first: int,
    size: int,
    columns: list[str],
    source: Source,
    ctx: Context,
    damage: tuple[type[BaseException], ...],
) -> Iterator[Record]:
    """The rows of one row group; if it cannot be decoded, one reject for the rest of it."""
    row = first
    try:
        batches = parquet.iter_batches(
            batch_size=BATCH_ROWS, row_groups=[group], columns=columns, use_threads=False
        )
        for batch in batches:
            for values in batch.to_pylist():
                yield _row_record(values, source.fragment(f"row-{row}"), row, ctx)
                row += 1
    except damage as exc:
        last = first + size - 1
        span = f"row-{row}" if row == last else f"row-{row}-{last}"
        detail = f"row group {group} unreadable from row {row} (rows {row}..{last} lost): {exc}"
        yield reject(source.fragment(span), "parse_error", detail, None)


def _row_record(values: dict[str, Any], where: Source, row: int, ctx: Context) -> Record:
    """One row as a document, or the reject saying what is wrong with it."""
    label = f"row {row}"
    fields: dict[str, object] = {}
    for name, value in values.items():
        if isinstance(value, bytes | bytearray) and name in ("html", "text"):
            decoded = decode(bytes(value))
            if isinstance(decoded, Failure):
                data = _row_bytes(values)
                return reject(where, decoded.reason, f"{label}: {decoded.detail}", data, ctx)
            value = decoded[0]
        elif isinstance(value, dt.datetime | dt.date):
            value = value.isoformat()
        fields[name] = value
    data = _row_bytes(fields)
    for name in ("html", "text"):
        value = fields.get(name)
        if isinstance(value, str) and len(value) > ctx.limits.max_bytes:
            detail = f"{label}: '{name}' of {len(value)} characters > limit {ctx.limits.max_bytes}"
            return reject(where, "too_large", detail, None)
    return record_document(fields, data, where, ctx, label, "parquet", "utf-8")


def _row_bytes(fields: dict[str, Any]) -> bytes:
    """A row's canonical bytes (sorted-key JSON): its `raw_bytes`, so its `doc_id`."""
    text = json.dumps(fields, ensure_ascii=False, sort_keys=True, default=_plain)
    return text.encode("utf-8", "surrogatepass")


def _plain(value: object) -> str:
    """JSON for the odd cell type (bytes, decimals, nested values): its repr."""
    return repr(value)

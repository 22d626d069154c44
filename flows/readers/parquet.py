"""Parquet files of scraped pages, the way datasets are shared.

Rows hold `url` and `html` or `text` (string or binary), optional `title`, `date`
(string or timestamp) and `site`: the fields of scraper JSONL, checked the same way.
Each row is one unit at `dump.parquet#row-N` (N counts from 0, as Arrow and pandas
do). A bad row is a reject and the rest are kept; a row group that cannot be decoded
is one reject for its rows, and reading goes on with the next group. Rows are read
in small batches of only the columns we use, so memory stays flat on a large file.

A run reads a big file in pieces (`flows.readers.spans`): rows [first, stop) are found
from the footer's row-group sizes, and only their row groups are read. A piece reports
what a whole read would for its rows and nothing else: a damaged row group is reported
by the piece holding the row where decoding stopped, a file-level failure by the piece
at row 0, so the pieces of a file together give exactly the records of one read.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

from cleaners.decode import Failure, decode
from flows.readers.base import Context, Record, Source, reject
from flows.readers.jsonl import record_document
from flows.readers.streams import is_seekable, spool

__all__ = ["RowGroup", "read_parquet", "row_fragment", "row_groups"]

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


@dataclass(slots=True, frozen=True)
class RowGroup:
    """One row group as the footer describes it: its rows, and the uncompressed bytes of
    the columns we read (what a piece of it costs in memory)."""

    rows: int
    size: int


def row_groups(stream: BinaryIO) -> list[RowGroup] | None:
    """The row groups of a seekable Parquet stream, from its footer; None when the footer
    cannot be read or names no page column (the reader rejects such a file whole)."""
    import pyarrow.parquet as pq

    try:
        meta = pq.ParquetFile(stream).metadata
        names = [meta.schema.column(i).path for i in range(meta.num_columns)]
        wanted = [i for i, name in enumerate(names) if name in FIELDS]
        if not {names[i] for i in wanted} & {"html", "text"}:
            return None
        groups = []
        for g in range(meta.num_row_groups):
            group = meta.row_group(g)
            size = sum(group.column(i).total_uncompressed_size for i in wanted)
            groups.append(RowGroup(group.num_rows, size))
        return groups
    except _arrow_damage():
        return None


def row_fragment(first: int, last: int | None = None) -> str:
    """A row's address in the file (`row-6`), or a span of rows' (`row-2-3`)."""
    return f"row-{first}" if last is None or last == first else f"row-{first}-{last}"


def read_parquet(
    stream: BinaryIO, source: Source, ctx: Context, first: int = 0, stop: int | None = None
) -> Iterator[Record]:
    """Read a Parquet file's rows as scraper records, one row group at a time.

    Args:
        stream: the file, or a stream of it (spooled if it cannot seek).
        source: where it came from.
        ctx: the reading context.
        first: the first row to read (a piece of the file; see the module's docstring).
        stop: the row to stop before; None reads to the end.
    """
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
        if first == 0:
            yield reject(source, "parse_error", f"unreadable Parquet: {exc}", None)
        return
    if not names & {"html", "text"}:
        columns = ", ".join(sorted(names)) or "none"
        detail = f"no 'html' or 'text' column (columns: {columns})"
        if first == 0:
            yield reject(source, "parse_error", detail, None)
        return
    window = _Window(parquet, [name for name in FIELDS if name in names], first, stop)
    start = 0
    for group, size in enumerate(sizes):
        if start + size > first and (stop is None or start < stop):
            yield from _row_group(window, group, start, size, source, ctx, damage)
        start += size


@dataclass(slots=True, frozen=True)
class _Window:
    """The open file, the columns to read, and the rows [first, stop) this read yields."""

    parquet: Any
    columns: list[str]
    first: int
    stop: int | None


def _row_group(
    window: _Window,
    group: int,
    start: int,
    size: int,
    source: Source,
    ctx: Context,
    damage: tuple[type[BaseException], ...],
) -> Iterator[Record]:
    """The window's rows of one row group; if the group cannot be decoded, one reject for
    the rest of it, from the piece whose rows hold the row where decoding stopped.

    The group is always decoded from its start in the same batches, so every piece finds
    damage at the same row; batches wholly before the window are decoded, not converted.
    """
    row = start
    try:
        batches = window.parquet.iter_batches(
            batch_size=BATCH_ROWS, row_groups=[group], columns=window.columns, use_threads=False
        )
        for batch in batches:
            if row + batch.num_rows <= window.first:
                row += batch.num_rows
                continue
            for values in batch.to_pylist():
                if row >= window.first:
                    yield _row_record(values, source.fragment(row_fragment(row)), row, ctx)
                row += 1
                if window.stop is not None and row >= window.stop:
                    return
    except damage as exc:
        if row < window.first:
            return  # an earlier piece of the file reports it
        last = start + size - 1
        detail = f"row group {group} unreadable from row {row} (rows {row}..{last} lost): {exc}"
        yield reject(source.fragment(row_fragment(row, last)), "parse_error", detail, None)


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

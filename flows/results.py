"""Query results as text, streamed: table, csv, tsv, json and jsonl.

Rows arrive in chunks and leave in chunks, so a result of any length is printed in the
memory of one chunk. Cell text is data: nothing here interprets markup, and the table
format shows control characters as escapes, so a page's `[/button]` or a stray terminal
escape sequence prints as the characters it is.
"""

from __future__ import annotations

import csv
import json
import re
import unicodedata
from collections.abc import Iterator, Sequence
from typing import TextIO

from warehouse import Rows
from warehouse.values import as_json, as_text

FORMATS = ("table", "csv", "tsv", "json", "jsonl")

COLUMN_WIDTH = 40
"""Widest a table column gets: wide enough for a title, narrow enough that five fit."""

SHORT_COLUMN = 12
"""Columns up to this wide (counts, dates, codes) keep their width in a narrow terminal."""

NUMERIC_TYPES = re.compile(r"^(U?(TINY|SMALL|BIG|HUGE)?INT(EGER)?|FLOAT|DOUBLE|REAL|DECIMAL.*)$")
"""Column types whose cells are right-aligned in the table format."""

_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
_TSV_ESCAPES = {"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"}
_TSV_SPECIAL = re.compile(r"[\\\t\n\r]")


def write_rows(rows: Rows, fmt: str, out: TextIO, *, width: int | None = None) -> int:
    """Print a result in `fmt`; returns the number of rows printed.

    Args:
        rows: the streamed result (`Warehouse.query`).
        fmt: one of `FORMATS`.
        out: where the text goes.
        width: the terminal's width for the table format; None for no limit.
    """
    writer = {
        "table": _table,
        "csv": _csv,
        "tsv": _tsv,
        "json": _json,
        "jsonl": _jsonl,
    }[fmt]
    return writer(rows, out, width)


def _csv(rows: Rows, out: TextIO, width: int | None) -> int:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(rows.columns)
    n = 0
    for chunk in rows.chunks:
        writer.writerows([as_text(v) for v in row] for row in chunk)
        n += len(chunk)
    return n


def _tsv_cell(value: object) -> str:
    return _TSV_SPECIAL.sub(lambda m: _TSV_ESCAPES[m.group()], as_text(value))


def _tsv(rows: Rows, out: TextIO, width: int | None) -> int:
    out.write("\t".join(_tsv_cell(c) for c in rows.columns) + "\n")
    n = 0
    for chunk in rows.chunks:
        out.write("".join("\t".join(_tsv_cell(v) for v in row) + "\n" for row in chunk))
        n += len(chunk)
    return n


def _objects(rows: Rows) -> Iterator[list[str]]:
    for chunk in rows.chunks:
        yield [
            json.dumps(
                {c: as_json(v) for c, v in zip(rows.columns, row, strict=True)},
                ensure_ascii=False,
            )
            for row in chunk
        ]


def _jsonl(rows: Rows, out: TextIO, width: int | None) -> int:
    n = 0
    for lines in _objects(rows):
        out.write("".join(line + "\n" for line in lines))
        n += len(lines)
    return n


def _json(rows: Rows, out: TextIO, width: int | None) -> int:
    """One JSON array, one object per line, written as the rows arrive."""
    n = 0
    for lines in _objects(rows):
        out.write(("[" if n == 0 else ",\n") + ",\n".join(lines))
        n += len(lines)
    out.write("]\n" if n else "[]\n")
    return n


# -- the table format ------------------------------------------------------------------

def printable(text: str) -> str:
    """Text safe to show in a terminal cell: newlines, tabs and control characters
    (including bidi overrides) as visible escapes."""
    if not _UNPRINTABLE.search(text):
        return text
    return _UNPRINTABLE.sub(lambda m: _ESCAPES.get(m.group(), f"\\u{ord(m.group()):04x}"), text)


def cell_width(text: str) -> int:
    """Columns the text takes in a terminal: wide East Asian characters take two."""
    if text.isascii():
        return len(text)
    return sum(
        0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        for ch in text
    )


def fit(text: str, width: int) -> str:
    """Cut `text` to `width` terminal columns, marking a cut with an ellipsis."""
    if cell_width(text) <= width:
        return text
    out, used = [], 0
    for ch in text:
        w = cell_width(ch)
        if used + w > width - 1:
            break
        out.append(ch)
        used += w
    return "".join(out) + "…"


def column_widths(
    names: Sequence[str], cells: Sequence[Sequence[str]], budget: int | None
) -> list[int]:
    """Each column's width: short columns (counts, dates) whole, long ones share the rest.

    Args:
        names: the column names.
        cells: a sample of rows, already as text.
        budget: the terminal width, or None for no limit (each column still at most
            `COLUMN_WIDTH`).
    """
    wanted = [
        max(1, min(COLUMN_WIDTH, max([cell_width(name), *(cell_width(r[i]) for r in cells)])))
        for i, name in enumerate(names)
    ]
    if budget is None:
        return wanted
    room = budget - 2 * (len(names) - 1)  # two spaces between columns
    if sum(wanted) <= room:
        return wanted
    short = [w for w in wanted if w <= SHORT_COLUMN]
    long_idx = [i for i, w in enumerate(wanted) if w > SHORT_COLUMN]
    share = max(SHORT_COLUMN, (room - sum(short)) // max(len(long_idx), 1))
    return [min(w, share) if i in long_idx else w for i, w in enumerate(wanted)]


def _table(rows: Rows, out: TextIO, width: int | None) -> int:
    """Aligned columns under a rule; widths from the first chunk, later rows cut to fit.

    A single value (one column, one row) prints bare, so `$(presswash sql ...)` works.
    """
    if not rows.columns:
        return 0
    chunks = iter(rows.chunks)
    first = next(chunks, [])
    if len(rows.columns) == 1 and len(first) == 1:
        second = next(chunks, [])
        if not second:
            out.write(printable(as_text(first[0][0])) + "\n")
            return 1
        first = first + second
    cells = [[printable(as_text(v)) for v in row] for row in first]
    widths = column_widths(rows.columns, cells, width)
    right = [bool(NUMERIC_TYPES.match(t)) for t in rows.types]

    def line(values: Sequence[str]) -> str:
        parts = []
        for value, w, r in zip(values, widths, right, strict=True):
            text = fit(value, w)
            pad = " " * (w - cell_width(text))
            parts.append(pad + text if r else text + pad)
        return "  ".join(parts).rstrip() + "\n"

    out.write(line([printable(c) for c in rows.columns]))
    out.write("  ".join("─" * w for w in widths) + "\n")
    n = 0
    for chunk_cells in _cells_after(cells, chunks):
        out.write("".join(line(r) for r in chunk_cells))
        n += len(chunk_cells)
    return n


def _cells_after(
    first: list[list[str]], rest: Iterator[list[tuple[object, ...]]]
) -> Iterator[list[list[str]]]:
    yield first
    for chunk in rest:
        yield [[printable(as_text(v)) for v in row] for row in chunk]

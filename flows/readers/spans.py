"""Pieces of the inputs: what one clean task reads, and how pieces make a run's batches.

A batch ends inside a file where the file can be entered in the middle for little: a
Parquet file lists its row groups (rows, bytes) in its footer, so a big one becomes
pieces of rows [first, stop), each read from its own row groups
(`parquet.read_parquet`); a plain JSONL file is scanned once for its newlines, and
becomes pieces of lines, each read from the byte where its first line starts
(`jsonl.read_jsonl`). Every other file is one piece: WARC, WET, compressed files and
archives are read front to back, and a piece in the middle would read all before it
again.

A piece is addressed by path and unit range, so a worker anywhere (a Dask cluster on
shared storage) reads it by itself, and no document's bytes travel with the task.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from flows.readers.base import path_uri
from flows.readers.dispatch import open_regular
from flows.readers.jsonl import line_fragment, line_pieces
from flows.readers.parquet import RowGroup, row_fragment, row_groups
from flows.readers.sniff import SNIFF_BYTES, sniff_format

__all__ = ["BATCH_BYTES", "SPLIT_MIN_BYTES", "Span", "divide", "file_spans", "plan_batches"]

BATCH_BYTES = 64 * 2**20
"""Input bytes per batch at most (unless one unsplittable file is bigger): a batch is in
memory a few times over while it is cleaned and loaded (bytes, text, article, removed
lines), and 500 HTML pages of 200 KB would already be 100 MB."""

SPLIT_MIN_BYTES = 256 * 2**10
"""Files under this size are one piece without being opened: too small to need cutting,
and most inputs are, so the plan costs a `stat` for them."""


@dataclass(slots=True, frozen=True)
class Span:
    """A piece of an input file: the whole file, or the rows [first, stop) of a Parquet
    file, or the lines [first, stop) of a JSONL file (`stop` None: to its end; 0-based),
    with its weight in a batch."""

    path: str
    first: int = 0
    stop: int | None = None
    units: int = 1
    """Units it holds, for batching: the rows or lines of a file or piece, else one."""
    size: int = 0
    """Input bytes, for batching: the file's size, or its units' (uncompressed) size."""
    mark: tuple[int, int] | None = None
    """A piece of JSONL lines: (byte offset, line) of a line boundary at or before
    `first`, where reading starts; None for rows of a Parquet file and whole files."""

    @property
    def ends_file(self) -> bool:
        """Whether it is the last piece of its file (the whole file, or its last rows)."""
        return self.stop is None

    def sources(self) -> list[str]:
        """Where the warehouse stores its documents: the file's path for a whole file
        (every unit under it), else each row's `source_uri`."""
        if self.first == 0 and self.stop is None:
            return [self.path]
        uri = path_uri(self.path)
        stop = self.stop if self.stop is not None else self.first + self.units
        fragment = row_fragment if self.mark is None else line_fragment
        return [f"{uri}#{fragment(unit)}" for unit in range(self.first, stop)]

    def cut(self, n: int) -> tuple[Span, Span]:
        """Its first `n` units and the rest, as two pieces (a file of rows or lines, or
        a piece of one); the rest starts reading where this piece does."""
        size = self.size * n // max(self.units, 1)
        head = Span(self.path, self.first, self.first + n, n, size, self.mark)
        tail = Span(
            self.path, self.first + n, self.stop, self.units - n, self.size - size, self.mark
        )
        return head, tail


def plan_batches(
    files: Sequence[Path], max_units: int, max_bytes: int = BATCH_BYTES
) -> list[list[Span]]:
    """The run's batches, in file order: at most `max_units` units (a file is one, a row
    of a Parquet file one) and `max_bytes` of input each; a file that cannot be cut and
    is bigger than that is a batch of its own."""
    batches: list[list[Span]] = []
    batch: list[Span] = []
    units = size = 0
    for path in files:
        for span in file_spans(path, max_units, max_bytes):
            if batch and (units + span.units > max_units or size + span.size > max_bytes):
                batches.append(batch)
                batch, units, size = [], 0, 0
            batch.append(span)
            units += span.units
            size += span.size
    if batch:
        batches.append(batch)
    return batches


def file_spans(path: Path, max_units: int, max_bytes: int = BATCH_BYTES) -> list[Span]:
    """One file as pieces of at most `max_units` units and about `max_bytes`: a big
    Parquet file in pieces along its row groups, a big JSONL file in pieces of lines,
    anything else whole."""
    try:
        size = os.stat(path).st_size
    except OSError:  # the reader reports it
        return [Span(str(path))]
    found = _unit_pieces(path, max_units, max_bytes) if size >= SPLIT_MIN_BYTES else None
    if found is None:
        return [Span(str(path), size=size)]
    pieces, lines = found
    if len(pieces) == 1:
        mark = (0, 0) if lines else None  # a piece of lines can be cut for idle workers
        return [Span(str(path), units=max(pieces[0][1], 1), size=pieces[0][2], mark=mark)]
    spans = [
        Span(str(path), first, first + n, n, s, (offset, first) if lines else None)
        for first, n, s, offset in pieces
    ]
    last = spans[-1]
    spans[-1] = Span(last.path, last.first, None, last.units, last.size, last.mark)  # to the end
    return spans


def divide(spans: Sequence[Span], parts: int) -> list[list[Span]]:
    """One batch in up to `parts` runs of about equal units, in order, for that many
    workers; a piece of rows is cut where need be (a file read whole never is)."""
    share = -(-sum(s.units for s in spans) // max(parts, 1))
    out: list[list[Span]] = []
    part: list[Span] = []
    units = 0
    for span in spans:
        while units + span.units > share and span.units > 1:
            head, span = span.cut(share - units)
            out.append([*part, head])
            part, units = [], 0
        part.append(span)
        units += span.units
        if units >= share:
            out.append(part)
            part, units = [], 0
    if part:
        out.append(part)
    return out


def _unit_pieces(
    path: Path, max_units: int, max_bytes: int
) -> tuple[list[tuple[int, int, int, int]], bool] | None:
    """(first unit, units, bytes, byte offset) of each piece of a Parquet or plain JSONL
    file (sniffed as the reader will), and whether they are lines; None for any other."""
    try:
        with open_regular(path) as handle:
            fmt = sniff_format(handle.read(SNIFF_BYTES), path.name)
            handle.seek(0)
            if fmt == "parquet":
                groups = row_groups(handle)
                if groups is None:
                    return None
                return [(*p, 0) for p in _row_pieces(groups, max_units, max_bytes)], False
            if fmt == "jsonl":
                return list(line_pieces(handle, max_units, max_bytes)), True
            return None
    except OSError:  # the reader reports it
        return None


def _row_pieces(
    groups: Sequence[RowGroup], max_units: int, max_bytes: int
) -> Iterator[tuple[int, int, int]]:
    """(first row, rows, bytes) of each piece: whole row groups while they fit, and a
    group bigger than a piece cut into pieces of its own (each then decodes the group
    from its start up to its rows: the cost of cutting inside a group)."""
    first = units = size = 0
    row = 0
    for group in groups:
        per_row = group.size / group.rows if group.rows else 0.0
        if units and (units + group.rows > max_units or size + group.size > max_bytes):
            yield first, units, size
            first, units, size = row, 0, 0
        cap = min(max_units, int(max_bytes // per_row) if per_row else max_units)
        cap = max(cap, 1)
        left = group.rows
        while units == 0 and left > cap:
            yield row, cap, int(cap * per_row)
            row += cap
            left -= cap
            first = row
        units += left
        size += int(left * per_row)
        row += left
    if units or not row:
        yield first, units, size

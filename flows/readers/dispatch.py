"""Format -> reader, and the accounting around every read.

`read_file` opens a file, sniffs it (`sniff.sniff_format`), refuses a page over the
size limit from `stat` alone, and hands the stream to the reader for its format; a
container hands what it holds back here through `Context.read`. Every record passes
through `_counted`, so the tally adds up:

    tally.units == tally.documents + sum(tally.rejects.values()) + sum(tally.skipped.values())
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from flows.readers import archives, jsonl, pages, parquet, warc, wet
from flows.readers.base import Context, Reader, Record, Source, Tally, os_detail
from flows.readers.discover import discover, file_kind
from flows.readers.limits import CHUNK_BYTES, MAX_BYTES, MAX_HASH_BYTES, Budget, Limits, Refused
from flows.readers.sniff import COMPRESSIONS, CONTAINERS, SNIFF_BYTES, sniff_format
from flows.readers.streams import Prefixed, read_up_to
from schemas import Reject

__all__ = ["READERS", "iter_inputs", "read_file", "read_stream"]

READERS: dict[str, Reader] = {
    "html": pages.read_page,
    "text": pages.read_page,
    "empty": pages.read_empty,
    "binary": pages.read_binary,
    "warc": warc.read_warc,
    "wet": wet.read_wet,
    "jsonl": jsonl.read_jsonl,
    "parquet": parquet.read_parquet,
    **dict.fromkeys(COMPRESSIONS, archives.read_compressed),
    "zip": archives.read_zip,
    "tar": archives.read_tar,
}
"""Format (from `sniff_format`) -> reader(stream, source, context)."""

NESTING = frozenset({*COMPRESSIONS, "zip", "tar"})
"""Formats that open another level of containers: the nesting guard applies to them."""


def iter_inputs(
    paths: Sequence[str | Path],
    *,
    max_bytes: int = MAX_BYTES,
    limits: Limits | None = None,
    tally: Tally | None = None,
    follow_symlinks: bool = False,
) -> Iterator[Record]:
    """Discover and read every input: one RawDocument or Reject per unit, in order."""
    tally = tally if tally is not None else Tally()
    files, rejects = discover(paths, follow_symlinks=follow_symlinks)
    yield from _counted(rejects, tally)
    for path in files:
        yield from read_file(path, max_bytes=max_bytes, limits=limits, tally=tally)


def read_file(
    path: Path,
    *,
    max_bytes: int = MAX_BYTES,
    limits: Limits | None = None,
    tally: Tally | None = None,
    first: int = 0,
    stop: int | None = None,
    mark: tuple[int, int] | None = None,
) -> Iterator[Record]:
    """Read one file into its units. Never raises for a bad or vanished file.

    A page over the size limit is rejected from `stat` alone (plus a streamed hash),
    never loaded. Containers are streamed: the limit applies to each unit inside them.

    Args:
        path: a file, usually from `discover`.
        max_bytes: the per-unit size limit (ignored when `limits` is given).
        limits: all safety limits; defaults to `Limits(max_bytes=max_bytes)`.
        tally: updated with files, documents, rejects by reason, and skipped units.
        first: read only a piece of the file, from this unit on (`spans.Span`): a
            Parquet file's rows, or with `mark` a JSONL file's lines; a file that is
            no longer of that format is read whole by the piece at 0 and not at all
            by the others.
        stop: the unit that piece stops before; None: to the end.
        mark: for a piece of JSONL lines, (byte offset, line) where reading starts:
            a line boundary at or before `first`.
    """
    tally = tally if tally is not None else Tally()
    limits = limits or Limits(max_bytes=max_bytes)
    if first == 0:
        tally.files += 1
    ctx = Context(limits, tally, Budget(limits.max_unpacked_bytes), read_any)
    yield from _counted(_read_path(path, ctx, first, stop, mark), tally)


def read_stream(
    stream: BinaryIO, uri: str, *, limits: Limits | None = None, tally: Tally | None = None
) -> Iterator[Record]:
    """Read units from an open binary stream (stdin, an upload), as `read_file` would.

    Args:
        stream: readable binary stream, positioned at its start.
        uri: the `source_uri` to give its units; its last part hints the format.
        limits: all safety limits.
        tally: updated as records are yielded.
    """
    tally = tally if tally is not None else Tally()
    limits = limits or Limits()
    ctx = Context(limits, tally, Budget(limits.max_unpacked_bytes), read_any)
    source = Source(uri, PurePosixPath(uri).name)
    yield from _counted(_annotated(read_any(stream, source, ctx), source), tally)


def read_any(stream: BinaryIO, source: Source, ctx: Context) -> Iterator[Record]:
    """Sniff a stream's head, then hand it to the reader for its format."""
    head = read_up_to(stream, SNIFF_BYTES)
    yield from _read_as(sniff_format(head, source.name), Prefixed.wrap(head, stream), source, ctx)


def _read_as(fmt: str, stream: BinaryIO, source: Source, ctx: Context) -> Iterator[Record]:
    """The reader for `fmt`, behind the one nesting guard for containers."""
    too_deep = ctx.too_deep(source) if fmt in NESTING else None
    if too_deep is not None:
        yield too_deep
        return
    yield from READERS[fmt](stream, source, ctx)


def _counted(records: Iterable[Record], tally: Tally) -> Iterator[Record]:
    """Pass records through, counting documents and rejects by reason.

    A reject whose URI was already used for this input (a damaged WARC repeating a
    record id, two failures at one offset) gets a `~2`, `~3` suffix: `rejects` is keyed
    by (source_uri, run_id), so two rejects must never share a URI.
    """
    used: Counter[str] = Counter()
    for record in records:
        if isinstance(record, Reject):
            used[record.source_uri] += 1
            if used[record.source_uri] > 1:
                record = replace(
                    record, source_uri=f"{record.source_uri}~{used[record.source_uri]}"
                )
        tally.count(record)
        yield record


def _read_path(
    path: Path,
    ctx: Context,
    first: int = 0,
    stop: int | None = None,
    mark: tuple[int, int] | None = None,
) -> Iterator[Record]:
    """Open a file, refuse it early if too large, else read it by its sniffed format
    (only units [first, stop) of a Parquet file, or of a JSONL file with `mark`; see
    `read_file`)."""
    source = Source.of_path(path)
    source_of_failure = source  # a later piece that cannot read the file says so for its units
    piece = first != 0 or stop is not None
    if first:
        fragment = jsonl.line_fragment if mark is not None else parquet.row_fragment
        units = fragment(first, stop - 1) if stop else fragment(first) + "-end"
        source_of_failure = source.fragment(units)
    try:
        handle = open_regular(path)
    except FileNotFoundError:
        yield Reject(source_of_failure.uri, "not_found", "vanished after discovery")
        return
    except OSError as exc:
        yield Reject(source_of_failure.uri, "unreadable", os_detail(exc))
        return
    with handle:
        try:
            size = os.fstat(handle.fileno()).st_size
            head = handle.read(SNIFF_BYTES)
            fmt = sniff_format(head, path.name)
            if piece and fmt == "parquet" and mark is None:
                handle.seek(0)
                pieces = parquet.read_parquet(handle, source, ctx, first, stop)
                yield from _annotated(pieces, source)
                return
            if piece and fmt == "jsonl" and mark is not None:
                handle.seek(mark[0])
                lines = jsonl.read_jsonl(handle, source, ctx, first, stop, at=mark[1])
                yield from _annotated(lines, source)
                return
            if first:  # no longer Parquet: the first piece reads it whole
                return
            if fmt not in CONTAINERS and size > ctx.limits.max_bytes:
                yield _too_large_file(handle, source, size, ctx.limits.max_bytes)
                return
            handle.seek(0)
            yield from _annotated(_read_as(fmt, handle, source, ctx), source)
        except Refused as exc:  # a container below did not claim it: report it here
            yield Reject(source_of_failure.uri, exc.reason, exc.detail)
        except OSError as exc:  # EIO and friends, while reading a file on disk
            yield Reject(source_of_failure.uri, "unreadable", f"read error: {os_detail(exc)}")


def open_regular(path: Path) -> BinaryIO:
    """Open a regular file for reading; refuse FIFOs and devices without blocking on them.

    A plain `open()` of a FIFO waits for a writer forever, so open non-blocking, check
    the type on the descriptor, then switch blocking back on.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise IsADirectoryError(0, f"not a regular file ({file_kind(mode)})")
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _annotated(records: Iterator[Record], source: Source) -> Iterator[Record]:
    """Add the input's name to any unexpected exception, then let it fail loudly."""
    try:
        yield from records
    except Exception as exc:
        exc.add_note(f"presswash: while reading {source.uri}")
        raise


def _too_large_file(handle: BinaryIO, source: Source, size: int, limit: int) -> Reject:
    """Reject a file over the limit without keeping it in memory (stream-hash it)."""
    digest = ""
    if size <= MAX_HASH_BYTES:
        handle.seek(0)
        hasher = hashlib.sha256()
        while chunk := handle.read(CHUNK_BYTES):
            hasher.update(chunk)
        digest = hasher.hexdigest()
    return Reject(source.uri, "too_large", f"{size} bytes > limit {limit}", None, digest)

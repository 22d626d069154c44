"""Scraper JSONL: one JSON object per line, with `url` and `html` or `text`.

Optional `title`, `date`, `site`. A bad line is a Reject at `file#L<n>` and reading goes
on; blank lines are skipped and counted (`jsonl:blank`). `record_fields` is shared
with the Parquet reader, which takes the same fields from a row.
"""

from __future__ import annotations

import io
import itertools
import json
from collections.abc import Iterator, Mapping
from typing import IO, BinaryIO

from cleaners.decode import Failure, decode
from flows.readers.base import (
    Context,
    Record,
    Source,
    document,
    reject,
    str_or_none,
    truncation_detail,
)
from flows.readers.limits import CHUNK_BYTES
from flows.readers.streams import Plain
from schemas import ContainerFormat

__all__ = ["line_fragment", "line_pieces", "read_jsonl", "record_document", "record_problem"]


def read_jsonl(
    stream: BinaryIO,
    source: Source,
    ctx: Context,
    first: int = 0,
    stop: int | None = None,
    at: int = 0,
) -> Iterator[Record]:
    """Read scraper JSONL line by line, each line under the size limit.

    Args:
        stream: positioned at the start of line `at` (0-based; 0: the file's start).
        first, stop: read only lines [first, stop) (0-based; `spans.Span`), passing
            over those before `first` unread.
        at: the line the stream is positioned at.
    """
    lines: IO[bytes] = stream if hasattr(stream, "readline") else io.BufferedReader(Plain(stream))
    limit = ctx.limits.max_bytes
    for lineno in itertools.count(at + 1):
        if stop is not None and lineno > stop:
            return
        line = lines.readline(limit + 1)
        if not line:
            return
        long = len(line) > limit and not line.endswith(b"\n")
        if lineno <= first:  # before this piece: counted by the piece that holds it
            if long:
                _skip_line(lines)
            continue
        where = source.fragment(line_fragment(lineno - 1))
        if long:
            _skip_line(lines)
            yield reject(where, "too_large", f"line {lineno}: more than {limit} bytes", None)
            continue
        if not line.endswith(b"\n") and ctx.damaged:  # the container reports the damage
            return
        if not line.endswith(b"\n") and ctx.truncated:
            detail = f"line {lineno} cut off: {truncation_detail(ctx)}"
            yield reject(where, "truncated", detail, line, ctx)
            return
        body = line.rstrip(b"\r\n")
        if not body.strip():
            ctx.tally.skipped["jsonl:blank"] += 1
            continue
        yield _line_record(body, where, lineno, ctx)


def line_fragment(first: int, last: int | None = None) -> str:
    """A line's address in the file (`L7`, 1-based), or a span of lines' (`L3-9`), from
    0-based line numbers."""
    return f"L{first + 1}" if last is None or last == first else f"L{first + 1}-{last + 1}"


def line_pieces(
    stream: IO[bytes], max_units: int, max_bytes: int
) -> Iterator[tuple[int, int, int, int]]:
    """(first line, lines, bytes, byte offset of the first line) of each piece of a
    JSONL file: at most `max_units` lines and about `max_bytes` each, cut after a
    newline, so that `read_jsonl` started at the offset reads exactly those lines."""
    first = start = line = pos = 0
    partial = False
    while chunk := stream.readline(CHUNK_BYTES):
        pos += len(chunk)
        partial = not chunk.endswith(b"\n")
        if partial:  # the rest of a long line follows, or the file ends without a newline
            continue
        line += 1
        if line - first >= max_units or pos - start >= max_bytes:
            yield first, line - first, pos - start, start
            first, start = line, pos
    line += partial
    if line > first or not line:
        yield first, line - first, pos - start, start


def _skip_line(lines: IO[bytes]) -> None:
    """Consume the rest of an over-long line in bounded chunks."""
    while chunk := lines.readline(CHUNK_BYTES):
        if chunk.endswith(b"\n"):
            return


def _line_record(body: bytes, source: Source, lineno: int, ctx: Context) -> Record:
    """Turn one JSONL line into a document, or a parse_error naming what is wrong."""
    decoded = decode(body)
    if isinstance(decoded, Failure):
        return reject(source, decoded.reason, f"line {lineno}: {decoded.detail}", body, ctx)
    line_text, encoding = decoded
    try:
        obj = json.loads(line_text)
    except ValueError as exc:
        return reject(source, "parse_error", f"line {lineno}: invalid JSON: {exc}", body, ctx)
    if not isinstance(obj, dict):
        detail = f"line {lineno}: expected a JSON object, got {type(obj).__name__}"
        return reject(source, "parse_error", detail, body, ctx)
    return record_document(obj, body, source, ctx, f"line {lineno}", "jsonl", encoding)


def record_problem(obj: Mapping[str, object]) -> str | None:
    """Say why a scraper record (JSONL object, Parquet row) is unusable, or None."""
    if not isinstance(obj.get("html"), str) and not isinstance(obj.get("text"), str):
        return "no string 'html' or 'text' field"
    if obj.get("url") is not None and not isinstance(obj.get("url"), str):
        return "'url' is not a string"
    return None


def record_document(
    obj: Mapping[str, object],
    data: bytes,
    source: Source,
    ctx: Context,
    where: str,
    container: ContainerFormat,
    encoding: str,
) -> Record:
    """A scraper record as a document: `html` (else `text`) is the page, the rest hints."""
    problem = record_problem(obj)
    if problem:
        return reject(source, "parse_error", f"{where}: {problem}", data, ctx)
    fields = {key: obj.get(key) for key in ("html", "text")}
    markup = next((k for k, v in fields.items() if isinstance(v, str) and v.strip()), None)
    if markup is None:
        return reject(source, "empty", f"{where}: blank 'html'/'text'", data, ctx)
    return document(
        data,
        source,
        ctx,
        container=container,
        markup="html" if markup == "html" else "text",
        url=str_or_none(obj.get("url")),
        title=str_or_none(obj.get("title")),
        published_at=str_or_none(obj.get("date")),
        site_name=str_or_none(obj.get("site")),
        text=str(fields[markup]),
        encoding=encoding,
    )

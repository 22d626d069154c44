"""WARC record framing, shared by the WARC and WET readers.

Records are cut from the stream here (header block, `Content-Length` bytes, CRLF
CRLF) and each is parsed by fastwarc on its own, so damage costs only what it spans:
bytes that are not a record are skipped to the next `WARC/` line, and a damaged gzip
member to the next intact member (`streams.Inflater.resume`); each damaged span is
one `parse_error` at `#offset-N` (N bytes into the unpacked stream), and the records
before and after it are kept. A reader gives `read_records` a handler for one
framed record (a `Unit`).
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO, Any, BinaryIO

from flows.readers.base import Context, Record, Source, reject
from flows.readers.limits import CHUNK_BYTES
from flows.readers.streams import Plain
from schemas import Reject

__all__ = ["Handler", "Unit", "incomplete", "read_records", "skip_record"]

MAX_HEADER_BYTES = 2**16
"""A WARC header block is a few hundred bytes; past this it is not one."""

HEAD_BYTES = 2**16
"""Of a record over the size limit, this much is parsed to tell a skip from a reject."""


@dataclass(slots=True, frozen=True)
class Unit:
    """One framed record: fastwarc's parse of it, where it lives, how much of it exists."""

    rec: Any
    """`fastwarc.warc.WarcRecord` over this record's bytes (its reader holds the block,
    or only its head when the record is over the size limit)."""
    where: Source
    have: int
    """Block bytes the stream really holds (short of `Content-Length` when cut)."""

    @property
    def cut(self) -> bool:
        return self.have < self.rec.content_length


Handler = Callable[[Unit, Context], Iterator[Record]]
"""Turns one framed record into a document, a reject or a counted skip."""


def read_records(
    stream: BinaryIO, source: Source, ctx: Context, handle: Handler, *, parse_http: bool
) -> Iterator[Record]:
    """Frame a WARC's records and hand each to `handle`; damage is one reject per span."""
    resumable = ctx.packed is not None
    lines: IO[bytes] = stream if hasattr(stream, "readline") else io.BufferedReader(Plain(stream))
    framer = _Framer(lines, ctx)
    while True:
        head = framer.header()
        start = framer.start
        if head is None:
            if not (framer.junk or framer.cut or framer.damage):
                return
            yield from _damaged(framer, start, source, ctx, resumable)
            continue
        block, have = framer.block(head, ctx.limits.max_bytes)
        if framer.damage:  # the stream broke inside this record: it is part of the span
            yield from _damaged(framer, start, source, ctx, resumable)
            continue
        unit = _parse(head + block, start, have, source, parse_http)
        if isinstance(unit, Record):
            yield unit
        else:
            yield from handle(unit, ctx)


def _damaged(
    framer: _Framer, start: int, source: Source, ctx: Context, resumable: bool
) -> Iterator[Record]:
    """One reject for a damaged span, after skipping to where records start again."""
    details = []
    reason = "parse_error"
    if framer.damage:
        details.append(framer.damage)
        resumed = ctx.packed.resume() if resumable and ctx.packed is not None else None
        details.append("no intact member after it" if resumed is None else (
            f"resumed at the next intact member (packed byte {resumed})"
        ))
        framer.damage = None
        framer.skip_to_record()
    elif framer.junk:
        framer.skip_to_record()
        details.append(f"{framer.junk} bytes that are not a WARC record")
    else:
        details.append("record header cut off")
        reason = "truncated"
    framer.junk, framer.cut = 0, False
    where = source.fragment(f"offset-{start}")
    yield reject(where, reason, f"damaged WARC at offset {start}: " + "; ".join(details), None)


def _parse(
    data: bytes, offset: int, have: int, source: Source, parse_http: bool
) -> Unit | Record:
    """fastwarc's parse of one framed record, or a parse_error if it refuses it."""
    from fastwarc.warc import ArchiveIterator  # import here: only WARC inputs pay for it

    try:
        records = ArchiveIterator(
            io.BytesIO(data), parse_http=parse_http, auto_decode="none", stream_detect=False
        )
        rec = next(iter(records), None)
    except BaseException as exc:  # fastwarc panics are BaseException (pyo3 PanicException)
        if not isinstance(exc, _FASTWARC_DAMAGE) and type(exc).__name__ != "PanicException":
            raise
        rec, problem = None, f"{type(exc).__name__}: {exc}"
    else:
        problem = "fastwarc found no record in it"
    if rec is None:
        where = source.fragment(f"offset-{offset}")
        return reject(where, "parse_error", f"unparseable WARC record: {problem}", None)
    record_id = (rec.record_id or "").strip("<> ")
    return Unit(rec, source.fragment(record_id or f"offset-{offset}"), have)


_FASTWARC_DAMAGE = (EOFError, OSError, zlib.error, ValueError)
"""What fastwarc raises on a record it cannot parse."""


class _Framer:
    """Cuts a stream into WARC records: header lines, then `Content-Length` bytes.

    `offset` counts the bytes read. After `header()` returns None, `junk` holds the size
    of what was found where a record should start, `cut` says the stream ended inside
    a header, and `damage` holds the unpacker's detail when it stopped at a damaged
    member (`streams.Inflater`); all unset means the stream ended cleanly.
    """

    def __init__(self, lines: IO[bytes], ctx: Context) -> None:
        self.lines = lines
        self.ctx = ctx
        self.offset = 0
        self.junk = 0
        self.cut = False
        self.damage: str | None = None
        self.pending = b""
        self.start = 0
        """Where the last record (or span of junk) `header()` looked at starts."""

    def _line(self) -> bytes:
        line, self.pending = (self.pending, b"") if self.pending else (
            self.lines.readline(MAX_HEADER_BYTES),
            b"",
        )
        self.offset += len(line)
        if not line:
            self._check_damage()
        return line

    def _check_damage(self) -> None:
        packed = self.ctx.packed
        if packed is not None and packed.damage():
            self.damage = packed.damage()

    def header(self) -> bytes | None:
        """The next record's header block (through its blank line), or None."""
        line = self._line()
        while line in (b"\r\n", b"\n"):  # the CRLF CRLF after a block, blank padding
            line = self._line()
        self.start = self.offset - len(line)
        if not line:
            return None
        if not line.startswith(b"WARC/"):
            self.junk = len(line)
            return None
        head = [line]
        size = len(line)
        while line not in (b"\r\n", b"\n"):
            line = self._line()
            size += len(line)
            if not line:
                self.cut = not self.damage
                return None
            if size > MAX_HEADER_BYTES:
                self.junk = size
                return None
            head.append(line)
        return b"".join(head)

    def block(self, head: bytes, limit: int) -> tuple[bytes, int]:
        """The record's block (only its head when over `limit`) and its real length."""
        length = _content_length(head)
        if length is None:
            return b"", 0
        want = length if length <= limit else min(length, HEAD_BYTES)
        data = self._read(want)
        have = len(data)
        if have == want and want < length:  # over the limit: pass over the rest
            have += self._read(length - want, keep=False)
        if have < length:
            self._check_damage()
        return data, have

    def _read(self, size: int, *, keep: bool = True) -> Any:
        """`size` bytes (fewer at the end), or with `keep=False` only how many there were."""
        parts, remaining = [], size
        while remaining > 0:
            chunk = self.lines.read(min(remaining, CHUNK_BYTES))
            if not chunk:
                break
            if keep:
                parts.append(chunk)
            remaining -= len(chunk)
        self.offset += size - remaining
        return b"".join(parts) if keep else size - remaining

    def skip_to_record(self) -> None:
        """Read up to the next line that starts a record, and keep it for `header`."""
        while True:
            line = self._line()
            if not line:
                return
            if line.startswith(b"WARC/"):
                self.pending = line
                self.offset -= len(line)
                return
            self.junk += len(line)


def _content_length(head: bytes) -> int | None:
    """The header block's Content-Length, or None when missing or not a number."""
    for line in head.split(b"\n")[1:]:
        name, colon, value = line.partition(b":")
        if colon and name.strip().lower() == b"content-length":
            try:
                length = int(value.strip())
            except ValueError:
                return None
            return length if length >= 0 else None
    return None


def skip_record(unit: Unit, kind: str, ctx: Context) -> Iterator[Record]:
    """Count a record that is not a document (or reject it as `truncated` if cut short)."""
    if unit.cut:
        detail = f"{kind} record cut at {unit.have} of {unit.rec.content_length} bytes"
        yield reject(unit.where, "truncated", detail, None)
    else:
        ctx.tally.skipped[kind] += 1


def record_body(unit: Unit, ctx: Context, what: str) -> bytes | Reject:
    """A record's block, read whole, or the reject for one over the size limit or cut
    short; `what` names the block in the detail ("payload", "text")."""
    rec, where = unit.rec, unit.where
    if rec.content_length > ctx.limits.max_bytes:
        detail = f"{what} of {rec.content_length} bytes > limit {ctx.limits.max_bytes}"
        return reject(where, "too_large", detail, None)
    body: bytes = rec.reader.read()
    if len(body) < rec.content_length:
        detail = f"{what} cut at {len(body)} of {rec.content_length} bytes"
        return reject(where, "truncated", detail, body, ctx)
    return body


def incomplete(rec: Any) -> str | None:
    """Say why a WARC record's header block is incomplete, or None if it is whole."""
    if not rec.record_id or not rec.record_id.endswith(">"):
        return "record header cut off or missing WARC-Record-ID"
    if rec.headers.get("Content-Length") is None:
        return "record header cut off: no Content-Length"
    return None

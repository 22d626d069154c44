"""WARC files: HTTP responses (and resources) with HTML or text bodies are documents.

Other record types are skipped and counted as `warc:<type>`; responses that are not
2xx or not HTML/text as `warc:status` / `warc:non-html`. A record cut short is
`truncated`, unparseable bytes `parse_error`; records before the damage are kept.
"""

from __future__ import annotations

import lzma
import zlib
from collections.abc import Callable, Iterator
from typing import Any, BinaryIO

from cleaners.decode import Failure
from flows.readers.base import Context, Record, Source, document, reject
from flows.readers.limits import Refused
from flows.readers.sniff import binary_kind, sniff_format
from flows.readers.streams import Forward, is_seekable

__all__ = ["incomplete", "read_records", "read_warc", "record_source", "skip_record"]

HTML_CONTENT_TYPES = ("text/html", "application/xhtml+xml")
TEXT_CONTENT_TYPES = ("text/plain",)

_DAMAGE = (EOFError, OSError, zlib.error, lzma.LZMAError)
"""What fastwarc and the decompressors under it raise on damaged input."""



RecordHandler = Callable[[Any, Source, Context], Iterator[Record]]
"""Turns one parsed record (`fastwarc.warc.WarcRecord`) into records, rejects or skips."""


def read_warc(stream: BinaryIO, source: Source, ctx: Context) -> Iterator[Record]:
    """Read a WARC: HTTP responses (and resources) with HTML/text bodies become documents.

    Other record types are skipped and counted as `warc:<type>`; responses that are not
    2xx or not HTML/text as `warc:status` / `warc:non-html`.
    """
    yield from read_records(stream, source, ctx, _warc_record, parse_http=True)


def read_records(
    stream: BinaryIO,
    source: Source,
    ctx: Context,
    handle: RecordHandler,
    *,
    parse_http: bool,
) -> Iterator[Record]:
    """Iterate a WARC's records, handing each to `handle`; damage ends in one reject."""
    from fastwarc.warc import ArchiveIterator  # import here: only WARC inputs pay for it

    forward = stream if is_seekable(stream) else Forward(stream)
    last_offset = 0
    try:
        records = ArchiveIterator(
            forward, parse_http=parse_http, auto_decode="none", stream_detect=False
        )
        for record in records:
            last_offset = record.stream_pos
            yield from handle(record, source, ctx)
    except Refused:
        raise
    except BaseException as exc:  # fastwarc panics are BaseException (pyo3 PanicException)
        if not isinstance(exc, _DAMAGE) and type(exc).__name__ != "PanicException":
            raise
        where = source.fragment(f"offset-{last_offset}")
        yield reject(
            where, "parse_error", f"unreadable WARC after offset {last_offset}: {exc}", None
        )


def record_source(rec: Any, source: Source) -> Source:
    """Where a record lives: `file#<WARC-Record-ID without <>>`, or `#offset-N`."""
    record_id = (rec.record_id or "").strip("<> ")
    return source.fragment(record_id or f"offset-{rec.stream_pos}")


def skip_record(rec: Any, kind: str, where: Source, ctx: Context) -> Iterator[Record]:
    """Pass over a record that is not a document, reading it to its end to notice if it
    was cut short (then it is `truncated`, not skipped)."""
    consumed = rec.reader.consume()
    if consumed < rec.content_length:
        detail = f"{kind} record cut at {consumed} of {rec.content_length} bytes"
        yield reject(where, "truncated", detail, None)
    else:
        ctx.tally.skipped[kind] += 1


def _warc_record(rec: Any, source: Source, ctx: Context) -> Iterator[Record]:
    """One WARC record (`fastwarc.warc.WarcRecord`): a document, a reject, or a skip."""
    where = record_source(rec, source)
    problem = incomplete(rec)
    if problem is not None:
        yield reject(where, "truncated", problem, None)
        return
    kind = _warc_kind(rec)
    if kind is not None:
        yield from skip_record(rec, kind, where, ctx)
        return
    if rec.content_length > ctx.limits.max_bytes:
        detail = f"payload of {rec.content_length} bytes > limit {ctx.limits.max_bytes}"
        yield reject(where, "too_large", detail, None)
        return
    body = rec.reader.read()
    if len(body) < rec.content_length:
        detail = f"payload cut at {len(body)} of {rec.content_length} bytes"
        yield reject(where, "truncated", detail, body, ctx)
        return
    if rec.is_http and rec.http_headers.status_code is None:
        yield reject(where, "parse_error", "response without an HTTP status line", body, ctx)
        return
    payload = _http_payload(body, rec.http_headers if rec.is_http else None, ctx)
    if isinstance(payload, Failure):
        yield reject(where, payload.reason, payload.detail, body, ctx)
        return
    charset = rec.http_charset if rec.is_http else None
    yield from _warc_document(payload, where, ctx, rec.headers, charset, _content_type(rec))


def _warc_kind(rec: Any) -> str | None:
    """The skip counter for a record that is not a document, or None for a candidate.

    Documents are 2xx HTTP responses and resource records whose content type is HTML
    or plain text (or missing: then the payload is sniffed).
    """
    from fastwarc.warc import WarcRecordType

    if rec.record_type not in (WarcRecordType.response, WarcRecordType.resource):
        return f"warc:{rec.record_type}"
    status = rec.http_headers.status_code if rec.is_http else 200
    if status is not None and not 200 <= status < 300:
        return "warc:status"
    content_type = _content_type(rec)
    if content_type and not content_type.startswith(HTML_CONTENT_TYPES + TEXT_CONTENT_TYPES):
        return "warc:non-html"
    return None


def _content_type(rec: Any) -> str:
    """The payload's media type: from the HTTP headers, else the WARC header."""
    if rec.is_http:
        return str(rec.http_content_type or "").lower()
    return str(rec.headers.get("Content-Type") or "").split(";")[0].strip().lower()


def incomplete(rec: Any) -> str | None:
    """Say why a WARC record's header block is incomplete, or None if it is whole."""
    if not rec.record_id or not rec.record_id.endswith(">"):
        return "record header cut off or missing WARC-Record-ID"
    if rec.headers.get("Content-Length") is None:
        return "record header cut off: no Content-Length"
    return None


def _warc_document(
    payload: bytes,
    where: Source,
    ctx: Context,
    headers: Any,
    charset: str | None,
    content_type: str,
) -> Iterator[Record]:
    """Build the document for one WARC payload, sniffing markup when untyped."""
    sniffed = sniff_format(payload, "")
    if sniffed == "empty":
        yield reject(where, "empty", "empty HTTP payload", payload, ctx)
        return
    if sniffed == "binary" or (not content_type and sniffed not in ("html", "text")):
        kind = binary_kind(payload) or sniffed
        yield reject(where, "binary", f"{kind} payload labelled '{content_type}'", payload, ctx)
        return
    is_html = content_type.startswith(HTML_CONTENT_TYPES) or sniffed == "html"
    url = headers.get("WARC-Target-URI") or None
    yield document(
        payload,
        where,
        ctx,
        container="warc",
        markup="html" if is_html else "text",
        declared=charset,
        url=url,
        published_at=headers.get("WARC-Date") or None,
    )


def _http_payload(body: bytes, http_headers: Any, ctx: Context) -> bytes | Failure:
    """Undo HTTP transfer and content encodings (chunked, gzip, deflate, br)."""
    if http_headers is None:
        return body
    transfer = (http_headers.get("Transfer-Encoding") or "").lower()
    if "chunked" in transfer:
        body = _dechunk(body)
    encoding = (http_headers.get("Content-Encoding") or "").strip().lower()
    if encoding in ("", "identity"):
        return body
    return _content_decode(body, encoding, ctx.limits.max_bytes)


def _dechunk(body: bytes) -> bytes:
    """Decode HTTP chunked transfer encoding; leave the body alone if it is not chunked."""
    out, pos = bytearray(), 0
    while pos < len(body):
        end = body.find(b"\r\n", pos)
        size_text = body[pos:end].split(b";")[0].strip() if end >= 0 else b""
        try:
            size = int(size_text, 16)
        except ValueError:
            return body  # mislabelled: many crawlers store the de-chunked body
        if size == 0:
            break
        out += body[end + 2 : end + 2 + size]
        pos = end + 2 + size + 2
    return bytes(out)


def _content_decode(body: bytes, encoding: str, limit: int) -> bytes | Failure:
    """Decompress a Content-Encoding, refusing output over `limit` (a bomb)."""
    if encoding in ("gzip", "x-gzip", "deflate"):
        wbits = 47 if encoding != "deflate" else (15 if body[:1] == b"\x78" else -15)
        try:
            inflater = zlib.decompressobj(wbits)
            out = inflater.decompress(body, limit + 1)
        except zlib.error as exc:
            return Failure("parse_error", f"bad {encoding} content encoding: {exc}")
    elif encoding == "br":
        try:
            import brotli

            out = brotli.Decompressor().process(body, output_buffer_limit=limit + 1)
        except ImportError:
            return Failure("parse_error", "brotli content encoding, brotli not installed")
        except (brotli.error, TypeError) as exc:
            return Failure("parse_error", f"bad br content encoding: {exc}")
    else:
        return Failure("parse_error", f"unsupported Content-Encoding '{encoding}'")
    if len(out) > limit:
        return Failure("too_large", f"{encoding} payload unpacks past the {limit}-byte limit")
    return out

"""WARC files: HTTP responses (and resources) with HTML or text bodies are documents.

Other record types are skipped and counted as `warc:<type>`; responses that are not
2xx or not HTML/text as `warc:status` / `warc:non-html`. A record cut short is
`truncated`; damage between records is `records.read_records`'s (one reject a span).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from typing import Any, BinaryIO

from cleaners.decode import Failure
from flows.readers.base import Context, Record, Source, document, reject
from flows.readers.records import Unit, incomplete, read_records, record_body, skip_record
from flows.readers.sniff import binary_kind, sniff_format
from schemas import Reject

__all__ = ["read_warc"]

HTML_CONTENT_TYPES = ("text/html", "application/xhtml+xml")
TEXT_CONTENT_TYPES = ("text/plain",)

def read_warc(stream: BinaryIO, source: Source, ctx: Context) -> Iterator[Record]:
    """Read a WARC's response and resource records."""
    yield from read_records(stream, source, ctx, _warc_record, parse_http=True)


def _warc_record(unit: Unit, ctx: Context) -> Iterator[Record]:
    """One WARC record: a document, a reject, or a skip."""
    rec, where = unit.rec, unit.where
    problem = incomplete(rec)
    if problem is not None:
        yield reject(where, "truncated", problem, None)
        return
    kind = _warc_kind(rec)
    if kind is not None:
        yield from skip_record(unit, kind, ctx)
        return
    body = record_body(unit, ctx, "payload")
    if isinstance(body, Reject):
        yield body
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

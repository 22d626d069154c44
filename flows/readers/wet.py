"""Common Crawl WET files (`*.warc.wet.gz`): the plain text Common Crawl extracted from
each page it fetched, one WARC `conversion` record per page, a paragraph a line.

Each conversion record is a text document with its target URI, its crawl date
(`WARC-Date`) and Common Crawl's language guess (`WARC-Identified-Content-Language`,
the first of its ISO 639-3 codes). The leading `warcinfo` record and any other record
type are skipped and counted (`wet:warcinfo`, ...).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

from flows.readers.base import Context, Record, Source, document, reject
from flows.readers.records import Unit, incomplete, read_records, record_body, skip_record
from schemas import Reject

__all__ = ["read_wet"]

WET_DECLARED_CHARSET = "utf-8"
"""Common Crawl writes WET text as UTF-8 (`Content-Type: text/plain`)."""


def read_wet(stream: BinaryIO, source: Source, ctx: Context) -> Iterator[Record]:
    """Read a WET file's conversion records as text documents."""
    yield from read_records(stream, source, ctx, _wet_record, parse_http=False)


def _wet_record(unit: Unit, ctx: Context) -> Iterator[Record]:
    """One WET record: a conversion is a document; anything else is counted."""
    from fastwarc.warc import WarcRecordType

    rec, where = unit.rec, unit.where
    problem = incomplete(rec)
    if problem is not None:
        yield reject(where, "truncated", problem, None)
        return
    if rec.record_type != WarcRecordType.conversion:
        yield from skip_record(unit, f"wet:{rec.record_type}", ctx)
        return
    body = record_body(unit, ctx, "text")
    if isinstance(body, Reject):
        yield body
        return
    if not body.strip():
        yield reject(where, "empty", "conversion record with no text", body, ctx)
        return
    headers = rec.headers
    yield document(
        body,
        where,
        ctx,
        container="wet",
        markup="text",
        declared=WET_DECLARED_CHARSET,
        url=headers.get("WARC-Target-URI") or None,
        published_at=headers.get("WARC-Date") or None,
        language=wet_language(headers.get("WARC-Identified-Content-Language")),
    )


def wet_language(value: str | None) -> str | None:
    """The first language of Common Crawl's guess (`eng,fra` -> `eng`), or None."""
    first = (value or "").split(",")[0].strip().lower()
    return first or None

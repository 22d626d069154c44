"""flows.readers.wet: Common Crawl WET conversion records become text documents."""

from __future__ import annotations

import gzip

from flows.readers import Tally
from schemas import RawDocument
from tests.flows.readers.helpers import (
    RUSSIAN,
    assert_accounted,
    docs,
    read_all,
    reasons,
    rejects,
    wet_file,
    wet_record,
    write,
)

STORY = "Ministers met on Monday.\nThey agreed on a plan for the summit.\nMore talks follow."


def test_conversion_records_are_text_documents_and_warcinfo_is_counted(tmp_path) -> None:
    data = wet_file(
        [("https://www.example.com/a", STORY), ("http://news.ru/b", RUSSIAN)], lang="eng,fra"
    )
    tally = Tally()
    records = read_all(write(tmp_path / "CC-MAIN-x.warc.wet.gz", data), tally=tally)
    one, two = docs(records)
    assert rejects(records) == []
    assert (one.format, one.markup, one.encoding) == ("wet", "text", "utf-8")
    assert one.source_uri == f"{tmp_path}/CC-MAIN-x.warc.wet.gz#urn:uuid:r0"
    assert (one.url, one.site, one.published_at, one.language) == (
        "https://www.example.com/a",
        "example.com",
        "2023-06-08T09:00:00",  # WARC-Date through the one timestamp parser: UTC, no `Z`
        "eng",
    )
    assert one.raw_text == STORY
    assert two.raw_text == RUSSIAN
    assert tally.skipped == {"wet:warcinfo": 1}
    assert tally.units == 3
    assert_accounted(records, tally)


def test_wet_is_recognised_by_content_whatever_the_name(tmp_path) -> None:
    data = wet_file([("http://a.com/1", STORY)])
    [doc] = docs(read_all(write(tmp_path / "crawl.gz", data)))
    assert isinstance(doc, RawDocument) and doc.format == "wet"


def test_empty_cut_and_oversized_conversions_are_rejected(tmp_path) -> None:
    records = [
        wet_record("warcinfo", "info", b"isPartOf: test\r\n"),
        wet_record("conversion", "blank", b"  \n ", "http://a.com/blank"),
        wet_record("conversion", "big", b"word " * 400, "http://a.com/big"),
        wet_record("conversion", "ok", STORY.encode(), "http://a.com/ok"),
    ]
    cut = wet_record("conversion", "cut", STORY.encode() * 5, "http://a.com/cut")[:-200]
    data = b"".join(gzip.compress(r) for r in records) + gzip.compress(cut)
    tally = Tally()
    result = read_all(write(tmp_path / "bad.warc.wet.gz", data), max_bytes=1000, tally=tally)
    assert [d.url for d in docs(result)] == ["http://a.com/ok"]
    assert [(r.source_uri.rsplit("#", 1)[1], r.reason) for r in rejects(result)] == [
        ("urn:uuid:blank", "empty"),
        ("urn:uuid:big", "too_large"),
        ("urn:uuid:cut", "truncated"),
    ]
    assert_accounted(result, tally)


def test_undecodable_conversion_text_is_rejected(tmp_path) -> None:
    noise = bytes((i * 97 + 13) % 128 + 128 for i in range(700))
    data = wet_file([]) + gzip.compress(wet_record("conversion", "n", noise, "http://a.com/n"))
    assert reasons(read_all(write(tmp_path / "n.warc.wet.gz", data))) == ["undecodable"]

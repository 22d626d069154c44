"""flows.readers scraper JSONL: hints, bad lines by number, blank lines counted."""

from __future__ import annotations

import gzip
import hashlib
import json

from flows.readers import Tally
from schemas import RawDocument
from tests.flows.readers.helpers import (
    PAGE,
    RUSSIAN,
    assert_accounted,
    docs,
    jsonl,
    read_all,
    reasons,
    rejects,
    write,
)


def test_jsonl_lines_become_documents_with_hints(tmp_path) -> None:
    data = jsonl(
        {"url": "https://www.a.com/x", "html": PAGE, "title": "T", "date": "2023-06-08"},
        {"url": "http://b.org/y", "text": "plain text body", "site": "B News"},
    )
    one, two = read_all(write(tmp_path / "dump.jsonl", data))
    assert isinstance(one, RawDocument) and isinstance(two, RawDocument)
    assert (one.source_uri, one.format, one.markup) == (
        f"{tmp_path}/dump.jsonl#L1",
        "jsonl",
        "html",
    )
    assert (one.url, one.site, one.title, one.published_at) == (
        "https://www.a.com/x",
        "a.com",  # the one site key: cleaners.metadata.site_from_url drops `www.`
        "T",
        "2023-06-08",
    )
    assert one.raw_text == PAGE
    assert one.doc_id == hashlib.sha256(data.split(b"\n")[0]).hexdigest()
    # the record's own site is its display name; the key is its URL's host
    assert (two.markup, two.site, two.site_name, two.raw_text) == (
        "text", "b.org", "B News", "plain text body"
    )
    assert one.site_name is None


def test_malformed_jsonl_lines_are_rejected_with_line_numbers(tmp_path) -> None:
    data = jsonl(
        {"url": "http://a.com/1", "text": "good one"},
        b'{"url": "http://a.com/2", "text": ',
        b"",
        b"[1, 2]",
        {"url": "http://a.com/3"},
        {"url": 7, "text": "x"},
        {"url": "http://a.com/4", "html": "  "},
        {"url": "http://a.com/5", "text": "good two"},
    )
    tally = Tally()
    records = read_all(write(tmp_path / "d.jsonl", data), tally=tally)
    assert [d.raw_text for d in docs(records)] == ["good one", "good two"]
    assert [(r.source_uri.rsplit("#", 1)[1], r.reason) for r in rejects(records)] == [
        ("L2", "parse_error"),
        ("L4", "parse_error"),
        ("L5", "parse_error"),
        ("L6", "parse_error"),
        ("L7", "empty"),
    ]
    assert all(r.detail.startswith(f"line {r.source_uri[-1]}:") for r in rejects(records))
    assert tally.skipped == {"jsonl:blank": 1}
    assert tally.units == 8
    assert_accounted(records, tally)


def test_overlong_jsonl_line_is_too_large_and_reading_goes_on(tmp_path) -> None:
    data = jsonl({"url": "u", "text": "x" * 500}, {"url": "u", "text": "short"})
    records = read_all(write(tmp_path / "d.jsonl", data), max_bytes=200)
    assert reasons(records) == ["too_large"]
    assert [d.raw_text for d in docs(records)] == ["short"]


def test_jsonl_gz_truncated_keeps_lines_before_damage(tmp_path) -> None:
    lines = [{"url": f"http://a.com/{i}", "text": f"story number {i} " * 20} for i in range(40)]
    packed = gzip.compress(jsonl(*lines))
    tally = Tally()
    records = read_all(write(tmp_path / "d.jsonl.gz", packed[: len(packed) * 2 // 3]), tally=tally)
    kept = docs(records)
    assert 0 < len(kept) < 40
    assert [d.raw_text for d in kept] == [line["text"] for line in lines[: len(kept)]]
    assert reasons(records) == ["truncated"]
    assert_accounted(records, tally)


def test_jsonl_with_bom_and_cp1251_line(tmp_path) -> None:
    first = b"\xef\xbb\xbf" + json.dumps({"url": "http://a.ru/1", "text": "utf-8 line"}).encode()
    second = json.dumps({"url": "http://a.ru/2", "text": RUSSIAN}, ensure_ascii=False)
    records = read_all(write(tmp_path / "d.jsonl", first + b"\n" + second.encode("cp1251") + b"\n"))
    assert [(d.raw_text, d.encoding) for d in docs(records)] == [
        ("utf-8 line", "utf-8"),
        (RUSSIAN, "cp1251"),
    ]

"""flows.readers WARC: responses become documents, the rest is counted, damage is contained."""

from __future__ import annotations

import gzip
import hashlib

import pytest

from flows.readers import Tally
from schemas import RawDocument
from tests.flows.readers.helpers import (
    PAGE,
    RUSSIAN,
    assert_accounted,
    docs,
    http,
    read_all,
    reasons,
    rejects,
    sample_warc_records,
    warc_record,
    write,
)


@pytest.mark.parametrize("packed", [False, True])
def test_warc_responses_become_documents_and_the_rest_is_counted(tmp_path, packed) -> None:
    records_bytes = sample_warc_records()
    data = b"".join(gzip.compress(r) if packed else r for r in records_bytes)
    name = "crawl.warc.gz" if packed else "crawl.warc"
    tally = Tally()
    records = read_all(write(tmp_path / name, data), tally=tally)
    ru, page, zs = docs(records)
    assert rejects(records) == []
    assert ru.source_uri == f"{tmp_path}/{name}#urn:uuid:2"
    assert (ru.format, ru.markup, ru.encoding) == ("warc", "html", "cp1251")
    assert RUSSIAN in ru.raw_text
    assert (ru.url, ru.site, ru.published_at) == ("http://a.com/x", "a.com", "2023-06-08T09:00:00")
    assert page.raw_text == PAGE  # Content-Encoding: gzip undone
    assert page.doc_id == hashlib.sha256(PAGE.encode()).hexdigest()
    assert zs.site == "c.net"
    assert tally.skipped == {
        "warc:warcinfo": 1,
        "warc:request": 1,
        "warc:non-html": 1,
        "warc:status": 1,
    }
    assert tally.units == 7


def test_truncated_warc_keeps_records_before_damage(tmp_path) -> None:
    data = b"".join(sample_warc_records())
    tally = Tally()
    records = read_all(write(tmp_path / "cut.warc", data[:-1500]), tally=tally)
    assert [d.source_uri[-1] for d in docs(records)] == ["2", "5"]
    [reject] = rejects(records)
    assert (reject.source_uri[-1], reject.reason) == ("6", "truncated")
    assert_accounted(records, tally)


def test_truncated_warc_gz_keeps_records_before_damage(tmp_path) -> None:
    members = [gzip.compress(r) for r in sample_warc_records()]
    data = b"".join(members)[: -len(members[-1]) // 2]
    tally = Tally()
    records = read_all(write(tmp_path / "cut.warc.gz", data), tally=tally)
    assert [d.source_uri[-1] for d in docs(records)] == ["2", "5"]
    assert reasons(records) == ["truncated"]
    assert_accounted(records, tally)


def test_garbage_after_warc_records_is_a_parse_error(tmp_path) -> None:
    data = b"".join(sample_warc_records()[:3]) + b"this is not a WARC header\r\n\r\n" * 3
    records = read_all(write(tmp_path / "bad.warc", data))
    assert len(docs(records)) == 1
    assert reasons(records) == ["parse_error"]


def test_warc_payload_over_limit_is_too_large(tmp_path) -> None:
    records = read_all(write(tmp_path / "a.warc", b"".join(sample_warc_records())), max_bytes=1000)
    assert [r.source_uri[-1] for r in rejects(records) if r.reason == "too_large"] == ["6"]


def test_warc_resource_and_chunked_response(tmp_path) -> None:
    chunked = b"b\r\n<html>chunk\r\n8\r\ned</html\r\n1\r\n>\r\n0\r\n\r\n"
    data = warc_record(
        "resource", "r1", b"plain resource text", "file:///notes.txt", "text/plain"
    ) + warc_record(
        "response",
        "c1",
        http(chunked, extra="Transfer-Encoding: chunked\r\n"),
        "http://d.com/c",
    )
    resource, response = read_all(write(tmp_path / "a.warc", data))
    assert isinstance(resource, RawDocument) and isinstance(response, RawDocument)
    assert (resource.markup, resource.raw_text) == ("text", "plain resource text")
    assert response.raw_text == "<html>chunked</html>"


def test_reject_uris_stay_unique_within_a_file(tmp_path) -> None:
    twice = warc_record("response", "dup", http(b"\x89PNG\r\n\x1a\n", "text/html"), "http://a")
    records = read_all(write(tmp_path / "dup.warc", twice * 2))
    assert [r.source_uri.rsplit("#", 1)[1] for r in rejects(records)] == [
        "urn:uuid:dup",
        "urn:uuid:dup~2",
    ]


def test_warc_site_is_the_one_site_key(tmp_path) -> None:
    """Divergence on 31f70df: the readers kept `www.`, `site_from_url` drops it."""
    from cleaners.metadata import site_from_url

    url = "https://WWW.Example.com/story"
    data = warc_record("response", "w", http(PAGE.encode()), url)
    [doc] = read_all(write(tmp_path / "w.warc", data))
    assert doc.site == site_from_url(url) == "example.com"


def corrupt(member: bytes) -> bytes:
    """A gzip member with its deflate data overwritten in the middle (a bad disk block)."""
    middle = len(member) // 2
    return member[:middle] + bytes(range(200, 240)) + member[middle + 40 :]


def many_records(n: int = 8) -> list[bytes]:
    return [
        warc_record(
            "response", f"m{i}", http(f"<html><p>page {i} {'words ' * 200}</p></html>".encode())
        )
        for i in range(n)
    ]


def test_a_damaged_gzip_member_costs_only_its_record(tmp_path) -> None:
    """Fault on 31f70df: the good records after the damaged member were lost."""
    members = [gzip.compress(r) for r in many_records()]
    members[3] = corrupt(members[3])
    start = sum(len(m) for m in members[:3])
    tally = Tally()
    records = read_all(write(tmp_path / "d.warc.gz", b"".join(members)), tally=tally)
    assert [d.source_uri.rsplit(":", 1)[1] for d in docs(records)] == [
        "m0", "m1", "m2", "m4", "m5", "m6", "m7",
    ]  # fmt: skip
    [reject] = rejects(records)
    assert reject.reason == "parse_error"
    assert reject.source_uri.rsplit("#", 1)[1].startswith("offset-")
    assert f"packed byte {start}" in reject.detail
    assert_accounted(records, tally)


def test_a_damaged_first_member_keeps_all_the_rest(tmp_path) -> None:
    members = [gzip.compress(r) for r in many_records(4)]
    members[0] = corrupt(members[0])
    records = read_all(write(tmp_path / "d.warc.gz", b"".join(members)))
    assert len(docs(records)) == 3
    assert reasons(records) == ["parse_error"]


def test_two_damaged_members_are_two_spans(tmp_path) -> None:
    members = [gzip.compress(r) for r in many_records()]
    members[1], members[5] = corrupt(members[1]), corrupt(members[5])
    records = read_all(write(tmp_path / "d.warc.gz", b"".join(members)))
    assert len(docs(records)) == 6
    assert reasons(records) == ["parse_error", "parse_error"]


def test_garbage_between_members_is_skipped_to_the_next_member(tmp_path) -> None:
    """Fault on 31f70df: garbage after a member lost every record after it."""
    members = [gzip.compress(r) for r in many_records(5)]
    data = b"".join(members[:2]) + b"\x00junk that is not gzip" * 10 + b"".join(members[2:])
    records = read_all(write(tmp_path / "g.warc.gz", data))
    assert len(docs(records)) == 5
    assert reasons(records) == ["parse_error"]


def test_bytes_between_records_are_one_reject_and_reading_resumes(tmp_path) -> None:
    records_bytes = many_records(5)
    data = b"".join(records_bytes[:2]) + b"stray line\r\n" * 7 + b"".join(records_bytes[2:])
    tally = Tally()
    records = read_all(write(tmp_path / "s.warc", data), tally=tally)
    assert len(docs(records)) == 5
    [reject] = rejects(records)
    offset = len(b"".join(records_bytes[:2]))
    assert (reject.reason, reject.source_uri) == ("parse_error", f"{tmp_path}/s.warc#offset-{offset}")  # noqa: E501
    assert "84 bytes that are not a WARC record" in reject.detail
    assert_accounted(records, tally)


def test_a_record_over_the_limit_is_skipped_by_its_kind_or_too_large(tmp_path) -> None:
    big = b"x" * 5000
    data = (
        warc_record("response", "img", http(big, "image/png"), "http://a.com/i")
        + warc_record("request", "req", big)
        + warc_record("response", "page", http(b"<html>" + big + b"</html>"), "http://a.com/p")
        + warc_record("response", "ok", http(PAGE.encode()), "http://a.com/ok")
    )
    tally = Tally()
    records = read_all(write(tmp_path / "big.warc", data), max_bytes=1000, tally=tally)
    assert [d.url for d in docs(records)] == ["http://a.com/ok"]
    assert [(r.source_uri[-4:], r.reason) for r in rejects(records)] == [("page", "too_large")]
    assert tally.skipped == {"warc:non-html": 1, "warc:request": 1}

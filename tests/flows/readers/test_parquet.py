"""flows.readers.parquet: rows of scraped pages; a bad row is a reject with its number."""

from __future__ import annotations

import datetime as dt

from flows.readers import Tally
from tests.flows.readers.helpers import (
    PAGE,
    assert_accounted,
    docs,
    parquet_bytes,
    read_all,
    reasons,
    rejects,
    write,
)


def test_rows_become_documents_with_hints(tmp_path) -> None:
    data = parquet_bytes(
        {
            "url": ["https://www.a.com/x", "http://b.org/y", "http://c.net/z"],
            "html": [PAGE, None, None],
            "text": [None, "plain text body", "second body"],
            "title": ["T", None, "Z"],
            "date": [dt.datetime(2023, 6, 8, 9, 0), None, None],
            "site": [None, "B News", None],
            "extra": [1, 2, 3],
        }
    )
    tally = Tally()
    one, two, three = read_all(write(tmp_path / "pages.parquet", data), tally=tally)
    assert (one.source_uri, one.format, one.markup, one.raw_text) == (
        f"{tmp_path}/pages.parquet#row-0",
        "parquet",
        "html",
        PAGE,
    )
    assert (one.url, one.site, one.title, one.published_at) == (
        "https://www.a.com/x",
        "a.com",
        "T",
        "2023-06-08T09:00:00",
    )
    assert (two.markup, two.site, two.site_name, two.raw_text) == (
        "text", "b.org", "B News", "plain text body"
    )
    assert three.source_uri.endswith("#row-2")  # across row groups (two rows per group)
    assert len({one.doc_id, two.doc_id, three.doc_id}) == 3
    assert tally.units == 3


def test_bad_rows_are_rejected_by_row_and_the_rest_kept(tmp_path) -> None:
    data = parquet_bytes(
        {
            "url": ["http://a.com/1", "http://a.com/2", "http://a.com/3", "http://a.com/4"],
            "text": ["good one", "   ", None, "x" * 500],
        }
    )
    tally = Tally()
    records = read_all(write(tmp_path / "rows.parquet", data), max_bytes=200, tally=tally)
    assert [d.raw_text for d in docs(records)] == ["good one"]
    assert [(r.source_uri.rsplit("#", 1)[1], r.reason) for r in rejects(records)] == [
        ("row-1", "empty"),
        ("row-2", "parse_error"),
        ("row-3", "too_large"),
    ]
    assert all(r.detail.startswith(f"row {r.source_uri[-1]}:") for r in rejects(records))
    assert_accounted(records, tally)


def test_binary_html_cells_are_decoded(tmp_path) -> None:
    page = "<html><body><p>Статья о погоде в Москве.</p></body></html>"
    data = parquet_bytes({"url": ["http://a.ru/1"], "html": [page.encode("cp1251")]})
    [doc] = read_all(write(tmp_path / "bin.parquet", data))
    assert doc.raw_text == page


def test_a_file_without_page_columns_is_one_parse_error(tmp_path) -> None:
    data = parquet_bytes({"url": ["http://a.com/1"], "body": ["x"]})
    [reject] = read_all(write(tmp_path / "cols.parquet", data))
    assert reject.reason == "parse_error"
    assert "no 'html' or 'text' column" in reject.detail


def test_damaged_parquet_is_a_reject_not_a_crash(tmp_path) -> None:
    data = parquet_bytes({"url": [f"http://a.com/{i}" for i in range(20)], "text": ["t"] * 20})
    for cut in (8, len(data) // 2, len(data) - 10):
        records = read_all(write(tmp_path / f"cut{cut}.parquet", data[:cut]))
        assert reasons(records) and set(reasons(records)) <= {"parse_error", "binary"}


def test_a_damaged_row_group_loses_only_its_rows(tmp_path) -> None:
    texts = [f"story {i} " * 40 for i in range(6)]
    urls = [f"http://a.com/{i}" for i in range(6)]
    data = bytearray(parquet_bytes({"url": urls, "text": texts}, compression="none"))
    start = data.find(b"story 2 ")
    data[start - 12 : start + 8] = b"\xff" * 20  # the second group's text page: its header
    tally = Tally()
    records = read_all(write(tmp_path / "rg.parquet", bytes(data)), tally=tally)
    assert [d.raw_text for d in docs(records)] == texts[:2] + texts[4:]
    [reject] = rejects(records)
    assert (reject.source_uri.rsplit("#", 1)[1], reject.reason) == ("row-2-3", "parse_error")
    assert_accounted(records, tally)

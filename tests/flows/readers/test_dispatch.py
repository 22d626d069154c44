"""flows.readers dispatch and accounting: every reader registered, no input makes one raise."""

from __future__ import annotations

import gzip
import io
import zipfile

import zstandard
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flows.readers import READERS, Limits, Tally, read_file, read_stream
from flows.readers.sniff import FORMATS
from schemas import RawDocument, Reject
from tests.flows.readers.helpers import (
    PAGE,
    RUSSIAN,
    assert_accounted,
    jsonl,
    parquet_bytes,
    sample_warc_records,
    tar_bytes,
    wet_file,
    write,
)


def test_every_reader_is_registered() -> None:
    assert set(READERS) == set(FORMATS) == {
        "html", "text", "empty", "binary", "warc", "wet", "jsonl", "parquet",
        "gzip", "bzip2", "xz", "zstd", "zip", "tar",
    }  # fmt: skip


def _valid_samples() -> list[tuple[str, bytes]]:
    warc = b"".join(sample_warc_records())
    return [
        ("a.warc", warc),
        ("a.warc.gz", b"".join(gzip.compress(r) for r in sample_warc_records())),
        ("a.jsonl", jsonl({"url": "u", "html": PAGE}, {"url": "v", "text": "t"})),
        ("a.tar.gz", tar_bytes({"p.html": PAGE.encode(), "w.warc": warc}, mode="w:gz")),
        ("a.html.gz", gzip.compress(PAGE.encode())),
        ("a.txt", RUSSIAN.encode("cp1251")),
        ("a.warc.wet.gz", wet_file([("http://a.com/1", "one\ntwo"), ("http://b.org/", RUSSIAN)])),
        ("a.parquet", parquet_bytes({"url": ["u", "v", "w"], "text": ["t", None, RUSSIAN]})),
        ("a.jsonl.zst", zstandard.ZstdCompressor().compress(jsonl({"url": "u", "text": "t"}))),
        ("a.warc.zst", zstandard.ZstdCompressor().compress(warc)),
    ]


def _zip_sample() -> tuple[str, bytes]:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("p.html", PAGE)
        archive.writestr("d.jsonl", jsonl({"url": "u", "text": "t"}))
    return "a.zip", buffer.getvalue()


SAMPLES = [*_valid_samples(), _zip_sample()]


def _check_never_raises(data: bytes, name: str) -> None:
    tally = Tally()
    records = list(read_stream(io.BytesIO(data), name, limits=Limits(max_bytes=4096), tally=tally))
    assert all(isinstance(r, RawDocument | Reject) for r in records)
    assert_accounted(records, tally)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.binary(max_size=3000),
    st.sampled_from(
        ["a.txt", "a.html", "a.warc", "a.warc.gz", "a.jsonl", "a.zip", "a.tar", "a.wet", "a.zst",
         "a.warc.wet.gz", "a.parquet", "a.jsonl.zst"]
    ),
)
def test_readers_never_raise_on_arbitrary_bytes(data: bytes, name: str) -> None:
    _check_never_raises(data, name)


@settings(max_examples=800, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(SAMPLES), st.data())
def test_readers_never_raise_on_damaged_containers(sample: tuple[str, bytes], draw) -> None:
    name, data = sample
    cut = draw.draw(st.integers(0, len(data)))
    flips = draw.draw(
        st.lists(st.tuples(st.integers(0, len(data) - 1), st.integers(0, 255)), max_size=3)
    )
    damaged = bytearray(data[:cut] if draw.draw(st.booleans()) else data)
    for pos, value in flips:
        if pos < len(damaged):
            damaged[pos] = value
    _check_never_raises(bytes(damaged), name)


cells = st.one_of(st.none(), st.text(max_size=40))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.tuples(cells, cells, cells, cells), min_size=1, max_size=8),
    st.sampled_from(["html", "text"]),
    st.booleans(),
)
def test_parquet_with_any_cells_never_raises_and_every_row_is_one_unit(
    rows: list[tuple[str | None, ...]], body: str, zstd: bool
) -> None:
    """Rows of arbitrary (or missing) url, page, title and date: each row is a document or
    a reject with its row number; read plain and inside zstd."""
    names = ("url", body, "title", "date")
    columns = {name: [row[i] for row in rows] for i, name in enumerate(names)}
    data = parquet_bytes(columns)
    name = "rows.parquet"
    if zstd:
        data, name = zstandard.ZstdCompressor().compress(data), name + ".zst"
    tally = Tally()
    records = list(read_stream(io.BytesIO(data), name, tally=tally))
    assert_accounted(records, tally)
    assert len(records) == tally.units == len(rows)
    assert sorted(r.source_uri.rsplit("#", 1)[-1] for r in records) == sorted(
        f"row-{i}" for i in range(len(rows))
    )


one_line = st.text(st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), max_size=30)
"""A target URI that keeps its header one line (a newline in it would end the header)."""


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(one_line, st.text(max_size=200)), min_size=1, max_size=6))
def test_wet_with_any_records_never_raises_and_every_record_is_one_unit(
    pages: list[tuple[str, str]],
) -> None:
    tally = Tally()
    records = list(read_stream(io.BytesIO(wet_file(pages)), "CC.warc.wet.gz", tally=tally))
    assert_accounted(records, tally)
    assert len(records) == len(pages) and tally.skipped == {"wet:warcinfo": 1}


def test_read_file_on_disk_never_raises_for_odd_files(tmp_path) -> None:
    for name, data in SAMPLES:
        for cut in (1, 2, 10, 100, 262, 600):
            path = write(tmp_path / f"{cut}-{name}", data[:cut])
            tally = Tally()
            records = list(read_file(path, tally=tally))
            assert records, path
            assert_accounted(records, tally)


def test_read_stream_reads_an_open_stream() -> None:
    stream = io.BytesIO(gzip.compress(jsonl({"url": "http://s.com/1", "text": "streamed"})))
    [doc] = read_stream(stream, "upload.jsonl.gz")
    assert isinstance(doc, RawDocument)
    assert (doc.source_uri, doc.raw_text) == ("upload.jsonl.gz#L1", "streamed")


def test_one_instant_is_one_published_at_in_every_format(tmp_path) -> None:
    """WARC-Date, a JSONL `date` with an offset, a Parquet timestamp with a zone and an
    HTTP-style date all go through the one parser (`schemas.timestamps`): one UTC value."""
    import datetime as dt

    warc = b"".join(sample_warc_records())  # WARC-Date: 2023-06-08T09:00:00Z
    inputs = {
        "a.warc": warc,
        "a.warc.wet.gz": wet_file([("http://a.com/1", "one\ntwo")]),
        "a.jsonl": jsonl(
            {"url": "http://a.com/j", "text": "t", "date": "2023-06-08T11:00:00+02:00"},
            {"url": "http://a.com/k", "text": "u", "date": "Thu, 08 Jun 2023 09:00:00 GMT"},
        ),
        "a.parquet": parquet_bytes({
            "url": ["http://a.com/p"],
            "text": ["p"],
            "date": [dt.datetime(2023, 6, 8, 4, 0, tzinfo=dt.timezone(dt.timedelta(hours=-5)))],
        }),
    }
    seen = set()
    for name, data in inputs.items():
        for record in read_file(write(tmp_path / name, data)):
            assert isinstance(record, RawDocument), record
            seen.add((name, record.published_at))
    assert {value for _, value in seen} == {"2023-06-08T09:00:00"}
    assert {name for name, _ in seen} == set(inputs)


def test_a_date_field_that_is_no_date_is_dropped_not_kept_raw(tmp_path) -> None:
    data = jsonl({"url": "http://a.com/j", "text": "t", "date": "last Tuesday"})
    [doc] = read_file(write(tmp_path / "d.jsonl", data))
    assert isinstance(doc, RawDocument) and doc.published_at is None


def test_a_zip_entry_whose_name_was_damaged_away_is_a_reject() -> None:
    name, data = _zip_sample()
    damaged = bytearray(data)
    entry = data.rindex(b"PK\x01\x02")  # the last central-directory entry (d.jsonl)
    damaged[entry + 46] = 0  # its name's first byte: zipfile cuts a name at a NUL, to ''
    records = list(read_stream(io.BytesIO(bytes(damaged)), name, limits=Limits(), tally=Tally()))
    rejects = [r for r in records if isinstance(r, Reject)]
    assert [r.reason for r in rejects] == ["parse_error"]
    assert "no name" in rejects[0].detail
    assert [r.source_uri for r in records if isinstance(r, RawDocument)] == ["a.zip!p.html"]

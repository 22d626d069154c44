"""flows.readers.spans: a big Parquet file in pieces of rows that read as the whole does."""

from __future__ import annotations

import io
import itertools
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flows.readers import Tally, read_file
from flows.readers.spans import SPLIT_MIN_BYTES, Span, divide, file_spans, plan_batches
from schemas import RawDocument
from tests.flows.readers.helpers import assert_accounted, write

ROWS = 300
GROUP_ROWS = 150


def damaged_parquet(path: Path) -> Path:
    """Two row groups of 150 rows; the first decodes until row 128, then fails."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    texts = [f"story {i} " * 90 for i in range(ROWS)]
    table = pa.table({"url": [f"http://a.com/{i}" for i in range(ROWS)], "text": texts})
    buffer = io.BytesIO()
    pq.write_table(
        table, buffer, row_group_size=GROUP_ROWS, compression="none",
        data_page_size=4096, use_dictionary=False,
    )  # fmt: skip
    data = bytearray(buffer.getvalue())
    start = data.find(b"story 140 ")
    data[start - 12 : start + 8] = b"\xff" * 20  # a value's length prefix, mid-group
    assert len(data) >= SPLIT_MIN_BYTES
    return write(path, bytes(data))


def keys(records: list[object]) -> list[tuple[str, str]]:
    return [
        (r.source_uri, r.doc_id if isinstance(r, RawDocument) else r.reason)  # type: ignore[attr-defined]
        for r in records
    ]


@pytest.fixture(scope="module")
def damaged(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[tuple[str, str]]]:
    path = damaged_parquet(tmp_path_factory.mktemp("spans") / "rows.parquet")
    return path, keys(list(read_file(path)))


def test_the_damaged_fixture_fails_mid_group(damaged: tuple[Path, list[tuple[str, str]]]) -> None:
    path, whole = damaged
    assert [k for k in whole if not k[0].split("#row-")[1].isdigit()] == [
        (f"{path}#row-128-149", "parse_error")
    ]
    assert len(whole) == ROWS - 22 + 1


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(cuts=st.lists(st.integers(1, ROWS - 1), max_size=6, unique=True).map(sorted))
def test_pieces_read_exactly_as_the_whole_file(
    damaged: tuple[Path, list[tuple[str, str]]], cuts: list[int]
) -> None:
    """Any cut into pieces, inside row groups and around the damage: the same records,
    the damage reported once, and each piece's records under its `sources()`."""
    path, whole = damaged
    bounds = [0, *cuts, None]
    tally = Tally()
    pieces: list[tuple[str, str]] = []
    for first, stop in itertools.pairwise(bounds):
        assert first is not None
        span = Span(str(path), first, stop, (stop or ROWS) - first)
        got = list(read_file(path, first=first, stop=stop, tally=tally))
        stored = {d.source_uri for d in got if isinstance(d, RawDocument)}
        assert stored <= set(span.sources()) or span.sources() == [str(path)]
        pieces += keys(got)
    assert pieces == whole
    assert tally.files == 1 and tally.units == len(whole)


def test_a_big_parquet_is_planned_in_pieces_and_small_files_whole(
    damaged: tuple[Path, list[tuple[str, str]]], tmp_path: Path
) -> None:
    path, _ = damaged
    page = write(tmp_path / "a.txt", "one page")
    spans = file_spans(path, 100)
    assert [(s.first, s.stop, s.units) for s in spans] == [
        (0, 100, 100), (100, 150, 50), (150, 250, 100), (250, None, 50),
    ]  # fmt: skip
    [whole_file] = file_spans(path, 500)
    assert (whole_file.first, whole_file.stop, whole_file.units) == (0, None, ROWS)
    batches = plan_batches([page, path, page], 100)  # at most 100 units a batch
    assert [[(s.path == str(path), s.first, s.units) for s in b] for b in batches] == [
        [(False, 0, 1)], [(True, 0, 100)], [(True, 100, 50)], [(True, 150, 100)],
        [(True, 250, 50), (False, 0, 1)],
    ]  # fmt: skip
    # a byte budget cuts too: about 100 rows' bytes per piece
    by_bytes = file_spans(path, 1000, max_bytes=spans[0].size)
    assert len(by_bytes) == 4 and 90 <= max(s.units for s in by_bytes) <= 100


def test_divide_cuts_a_piece_of_rows_for_idle_workers_but_never_a_file(tmp_path: Path) -> None:
    rows = Span("x.parquet", 0, None, 9)
    assert [[(s.first, s.stop) for s in part] for part in divide([rows], 2)] == [
        [(0, 5)], [(5, None)],
    ]  # fmt: skip
    files = [Span("a.txt"), Span("b.jsonl")]
    assert divide(files, 2) == [[files[0]], [files[1]]]
    assert divide(files[:1], 2) == [files[:1]]


def test_a_later_piece_of_a_vanished_file_is_one_reject_for_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "gone.parquet"
    tally = Tally()
    records = list(read_file(path, first=100, stop=200, tally=tally))
    assert [(r.source_uri, r.reason) for r in records] == [  # type: ignore[union-attr]
        (f"{path}#row-100-199", "not_found")
    ]
    assert_accounted(records, tally)  # type: ignore[arg-type]


LINE_LIMIT = 4096
"""The size limit the JSONL tests read with: one line of the fixture is over it."""


@pytest.fixture(scope="module")
def lines_file(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[tuple[str, str]]]:
    """A plain JSONL file over `SPLIT_MIN_BYTES`: good lines, blank lines, bad JSON, a
    line over the limit, CRLF endings, and a last line without a newline."""
    import json

    out = []
    for i in range(400):
        obj = {"url": f"http://a.com/{i}", "text": f"story {i} " * 80}
        line = json.dumps(obj).encode()
        if i % 37 == 5:
            line = b""
        elif i % 53 == 7:
            line = b"{not json"
        elif i == 101:
            line = json.dumps({"url": "http://a.com/big", "text": "x" * 3 * LINE_LIMIT}).encode()
        out.append(line + (b"\r\n" if i % 2 else b"\n"))
    data = b"".join(out).rstrip(b"\n")
    path = write(tmp_path_factory.mktemp("lines") / "dump.jsonl", data)
    assert len(data) >= SPLIT_MIN_BYTES
    return path, keys(list(read_file(path, max_bytes=LINE_LIMIT)))


def read_pieces(spans: list[Span], tally: Tally) -> list[tuple[str, str]]:
    got: list[tuple[str, str]] = []
    for span in spans:
        records = list(read_file(
            Path(span.path), max_bytes=LINE_LIMIT, tally=tally,
            first=span.first, stop=span.stop, mark=span.mark,
        ))  # fmt: skip
        stored = {r.source_uri for r in records}  # type: ignore[union-attr]
        assert stored <= set(span.sources()) or span.sources() == [span.path]
        got += keys(records)
    return got


def test_the_lines_fixture_has_every_kind_of_line(lines_file) -> None:
    path, whole = lines_file
    reasons = {k[1] for k in whole if len(k[1]) != 64}
    assert reasons == {"parse_error", "too_large"}
    assert (f"{path}#L102", "too_large") in whole and (f"{path}#L400", whole[-1][1]) == whole[-1]


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(max_units=st.integers(1, 450), parts=st.integers(1, 4))
def test_jsonl_pieces_read_exactly_as_the_whole_file(
    lines_file, max_units: int, parts: int
) -> None:
    """Planned pieces of lines, and those pieces cut again for idle workers: the same
    records in the same order, each under its piece's `sources()`, the file counted once."""
    path, whole = lines_file
    spans = file_spans(path, max_units)
    assert len(spans) == -(-400 // max_units)
    assert all(s.mark is not None for s in spans)
    tally = Tally()
    assert read_pieces(spans, tally) == whole
    assert tally.files == 1 and tally.units == 400
    cut = [s for part in divide(spans, parts) for s in part]
    assert read_pieces(cut, Tally()) == whole


def test_a_big_jsonl_is_cut_by_bytes_too(lines_file) -> None:
    path, whole = lines_file
    spans = file_spans(path, 10_000, max_bytes=64 * 2**10)
    assert len(spans) > 3 and sum(s.units for s in spans) == 400
    assert all(s.size < 64 * 2**10 + 3 * LINE_LIMIT + 2 for s in spans)
    assert read_pieces(spans, Tally()) == whole


def test_compressed_jsonl_and_small_files_are_one_piece(lines_file, tmp_path: Path) -> None:
    import gzip

    path, _ = lines_file
    packed = write(tmp_path / "dump.jsonl.gz", gzip.compress(path.read_bytes()))
    assert [(s.first, s.stop, s.mark) for s in file_spans(packed, 10)] == [(0, None, None)]
    small = write(tmp_path / "small.jsonl", b'{"url": "u", "text": "t"}\n' * 3)
    assert file_spans(small, 1) == [Span(str(small), size=small.stat().st_size)]

"""flows.readers compression and archives: transparency, bombs, unsafe names, truncation."""

from __future__ import annotations

import gzip
import io
import zipfile

import pytest

from flows.readers import Limits, Tally
from flows.readers.limits import CHUNK_BYTES
from schemas import RawDocument, Reject
from tests.flows.readers.helpers import (
    PAGE,
    RUSSIAN,
    assert_accounted,
    docs,
    http,
    jsonl,
    read_all,
    reasons,
    rejects,
    sample_warc_records,
    tar_bytes,
    warc_record,
    write,
    zip_file,
)


def test_gzip_page_is_transparent(tmp_path) -> None:
    [doc] = read_all(write(tmp_path / "page.html.gz", gzip.compress(PAGE.encode())))
    assert isinstance(doc, RawDocument)
    assert (doc.source_uri, doc.markup, doc.raw_text) == (f"{tmp_path}/page.html.gz", "html", PAGE)


def test_truncated_gzip_page_is_rejected(tmp_path) -> None:
    packed = gzip.compress((PAGE * 50).encode())
    [reject] = read_all(write(tmp_path / "page.html.gz", packed[: len(packed) // 2]))
    assert isinstance(reject, Reject)
    assert reject.reason == "truncated"


def test_gzip_bomb_is_stopped_while_reading(tmp_path) -> None:
    bomb = gzip.compress(b"\0" * (3 * 2**20), compresslevel=9)
    limits = Limits(ratio_grace_bytes=2**16)
    records = read_all(write(tmp_path / "bomb.txt.gz", bomb), limits=limits)
    assert reasons(records) == ["archive_bomb"]
    assert "ratio" in rejects(records)[0].detail


def test_total_unpacked_budget_is_enforced(tmp_path) -> None:
    lines = jsonl(*({"url": "u", "text": f"{i} " + "x" * 900} for i in range(200)))
    limits = Limits(max_unpacked_bytes=100_000, max_ratio=10**6)
    tally = Tally()
    records = read_all(
        write(tmp_path / "d.jsonl.gz", gzip.compress(lines)), limits=limits, tally=tally
    )
    assert 0 < len(docs(records)) < 200
    assert reasons(records) == ["archive_bomb"]
    assert_accounted(records, tally)


def test_zip_members_are_addressed_inside_the_archive(tmp_path) -> None:
    path = zip_file(
        tmp_path / "a.zip",
        {
            "dir/": b"",
            "dir/page.html": PAGE.encode(),
            "ru.txt": RUSSIAN.encode("cp1251"),
            "d.jsonl": jsonl({"url": "http://z.com", "text": "zipped line"}),
        },
    )
    uris = [r.source_uri for r in read_all(path)]
    assert uris == [f"{path}!dir/page.html", f"{path}!ru.txt", f"{path}!d.jsonl#L1"]


def test_zip_unsafe_member_names_are_never_read_or_written(tmp_path) -> None:
    path = zip_file(
        tmp_path / "in" / "evil.zip",
        {"../escape.txt": b"x", "/etc/abs.txt": b"x", "a/../../up.txt": b"x", "ok.txt": b"fine"},
    )
    before = sorted(p.name for p in tmp_path.rglob("*"))
    records = read_all(path)
    assert sorted(p.name for p in tmp_path.rglob("*")) == before
    assert reasons(records) == ["unsafe_path"] * 3
    assert [d.raw_text for d in docs(records)] == ["fine"]


def test_zip_bomb_is_refused_from_its_headers(tmp_path) -> None:
    path = zip_file(tmp_path / "bomb.zip", {"zeros.txt": b"\0" * (2**21), "ok.txt": b"fine"})
    records = read_all(path)
    assert reasons(records) == ["archive_bomb"]
    assert "ratio" in rejects(records)[0].detail
    assert [d.raw_text for d in docs(records)] == ["fine"]


def test_zip_member_over_limit_is_too_large(tmp_path) -> None:
    path = zip_file(tmp_path / "a.zip", {"big.txt": b"words " * 100, "ok.txt": b"fine"})
    records = read_all(path, max_bytes=100)
    assert reasons(records) == ["too_large"]


def test_nested_archives_past_the_depth_limit_are_refused(tmp_path) -> None:
    data = PAGE.encode()
    for level in range(6):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr(f"level{level}.zip" if level else "page.html", data)
        data = buffer.getvalue()
    records = read_all(write(tmp_path / "deep.zip", data))
    assert reasons(records) == ["archive_bomb"]
    assert "nested" in rejects(records)[0].detail


def test_tar_gz_members_links_and_unsafe_names(tmp_path) -> None:
    data = tar_bytes(
        {"a/page.html": PAGE.encode(), "../evil.txt": b"x", "b.txt": b"plain"},
        mode="w:gz",
        links={"a/link.html": "page.html"},
    )
    tally = Tally()
    records = read_all(write(tmp_path / "t.tar.gz", data), tally=tally)
    assert [d.source_uri for d in docs(records)] == [
        f"{tmp_path}/t.tar.gz!a/page.html",
        f"{tmp_path}/t.tar.gz!b.txt",
    ]
    assert reasons(records) == ["unsafe_path"]
    assert tally.skipped == {"tar:symlink": 1}


def test_truncated_tar_gz_keeps_members_before_damage(tmp_path) -> None:
    members = {f"m{i}.txt": f"member {i} ".encode() * 400 for i in range(10)}
    data = tar_bytes(members, mode="w:gz")
    tally = Tally()
    records = read_all(write(tmp_path / "t.tgz", data[: len(data) // 2]), tally=tally)
    assert 0 < len(docs(records)) < 10
    assert reasons(records) == ["truncated"]
    assert_accounted(records, tally)


@pytest.mark.parametrize(("suffix", "pack"), [(".bz2", "bz2"), (".xz", "lzma")])
def test_bzip2_and_xz_are_read_like_gzip(tmp_path, suffix: str, pack: str) -> None:
    module = __import__(pack)
    [doc] = read_all(write(tmp_path / f"page.html{suffix}", module.compress(PAGE.encode())))
    assert isinstance(doc, RawDocument)
    assert doc.raw_text == PAGE


def test_multi_member_gzip_with_zero_padding(tmp_path) -> None:
    data = gzip.compress(b"first half, ") + gzip.compress(b"second half") + bytes(512)
    [doc] = read_all(write(tmp_path / "two.txt.gz", data))
    assert isinstance(doc, RawDocument)
    assert doc.raw_text == "first half, second half"


def test_garbage_after_gzip_is_a_parse_error(tmp_path) -> None:
    [reject] = read_all(write(tmp_path / "g.txt.gz", gzip.compress(b"text") + b"garbage!"))
    assert isinstance(reject, Reject)
    assert reject.reason == "parse_error"


@pytest.mark.parametrize("pack", ["gzip", "bz2"])
def test_many_member_streams_cross_read_chunks_intact(tmp_path, pack: str) -> None:
    """Regression: a member ending inside a read chunk must not corrupt the next one."""
    module = __import__(pack)
    pages = [
        f"<html><p>page {i} " + "lorem ipsum " * (50 + i % 97) + "</p></html>" for i in range(400)
    ]
    records = [
        warc_record("response", f"m{i}", http(page.encode()), f"http://m.com/{i}")
        for i, page in enumerate(pages)
    ]
    data = b"".join(module.compress(r) for r in records)
    assert len(data) > CHUNK_BYTES
    tally = Tally()
    records_read = read_all(write(tmp_path / f"many.warc.{pack}", data), tally=tally)
    assert rejects(records_read) == []
    assert [d.raw_text for d in docs(records_read)] == pages


def test_zip_total_budget_rejects_every_unread_member(tmp_path) -> None:
    members = {f"m{i}.txt": f"member {i} ".encode() * 300 for i in range(8)}
    limits = Limits(max_unpacked_bytes=10_000, max_ratio=10**6)
    tally = Tally()
    records = read_all(zip_file(tmp_path / "z.zip", members), limits=limits, tally=tally)
    assert 0 < len(docs(records)) < 8
    assert len(records) == 8
    assert set(reasons(records)) == {"archive_bomb"}
    assert_accounted(records, tally)


def test_zip_symlink_members_are_skipped_and_counted(tmp_path) -> None:
    path = tmp_path / "links.zip"
    with zipfile.ZipFile(path, "w") as archive:
        link = zipfile.ZipInfo("passwd")
        link.external_attr = 0o120777 << 16  # S_IFLNK
        archive.writestr(link, "../../../etc/passwd")
        archive.writestr("ok.txt", "fine")
    tally = Tally()
    records = read_all(path, tally=tally)
    assert [d.raw_text for d in docs(records)] == ["fine"]
    assert tally.skipped == {"zip:symlink": 1}


def zstd(data: bytes) -> bytes:
    import zstandard

    return zstandard.ZstdCompressor().compress(data)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("page.html.zst", PAGE.encode()),
        ("d.jsonl.zst", jsonl({"url": "http://z.com/1", "text": "zstd line"})),
        ("c.warc.zst", b"".join(sample_warc_records())),
    ],
)
def test_zstd_is_read_like_gzip(tmp_path, name: str, content: bytes) -> None:
    plain = read_all(write(tmp_path / "plain" / name.removesuffix(".zst"), content))
    packed = read_all(write(tmp_path / name, zstd(content)))
    assert [(r.raw_text, r.format) for r in docs(packed)] == [
        (r.raw_text, r.format) for r in docs(plain)
    ]
    assert docs(packed)


def test_multi_frame_zstd_reads_through(tmp_path) -> None:
    [doc] = read_all(write(tmp_path / "two.txt.zst", zstd(b"first half, ") + zstd(b"second")))
    assert doc.raw_text == "first half, second"


def test_zstd_bomb_is_stopped_while_reading(tmp_path) -> None:
    bomb = zstd(b"\0" * (64 * 2**20))
    assert len(bomb) < 10_000
    records = read_all(write(tmp_path / "bomb.txt.zst", bomb), limits=Limits())
    assert reasons(records) == ["archive_bomb"]
    assert "ratio" in rejects(records)[0].detail


def test_truncated_zstd_keeps_lines_before_damage(tmp_path) -> None:
    lines = [{"url": f"http://a.com/{i}", "text": f"story number {i} " * 20} for i in range(1000)]
    packed = zstd(jsonl(*lines))  # zstd blocks hold up to 128 KiB: these lines fill several
    tally = Tally()
    records = read_all(write(tmp_path / "d.jsonl.zst", packed[: len(packed) * 2 // 3]), tally=tally)
    assert 0 < len(docs(records)) < 1000
    assert reasons(records) == ["truncated"]
    assert_accounted(records, tally)


def test_garbage_after_zstd_is_a_parse_error(tmp_path) -> None:
    [reject] = read_all(write(tmp_path / "g.txt.zst", zstd(b"text") + b"garbage!"))
    assert reject.reason == "parse_error"

"""flows.readers: discovery, every input format, and every kind of bad input.

Inputs are tiny and generated in tmp_path; limits are lowered instead of writing big files.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import tarfile
import zipfile
from collections.abc import Iterable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flows import readers
from flows.readers import (
    READERS,
    Limits,
    Tally,
    discover,
    iter_inputs,
    read_file,
    read_stream,
)
from schemas import REJECT_REASONS, RawDocument, Reject

REPO = Path(__file__).resolve().parents[2]
PAGE = "<html><head><title>T</title></head><body><p>Article text here.</p></body></html>"
RUSSIAN = "Бывший генсек НАТО заявил, что некоторые страны могут направить войска на Украину."


# --------------------------------------------------------------------------- helpers


def write(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def read_all(path: Path, **kwargs: object) -> list[RawDocument | Reject]:
    return list(read_file(path, **kwargs))  # type: ignore[arg-type]


def docs(records: Iterable[object]) -> list[RawDocument]:
    return [r for r in records if isinstance(r, RawDocument)]


def rejects(records: Iterable[object]) -> list[Reject]:
    return [r for r in records if isinstance(r, Reject)]


def reasons(records: Iterable[object]) -> list[str]:
    return [r.reason for r in rejects(records)]


def warc_record(kind: str, rid: str, block: bytes, uri: str = "", ctype: str = "") -> bytes:
    ctype = ctype or f"application/http; msgtype={kind}"
    head = (
        f"WARC/1.0\r\nWARC-Type: {kind}\r\nWARC-Record-ID: <urn:uuid:{rid}>\r\n"
        f"WARC-Date: 2023-06-08T09:00:00Z\r\nWARC-Target-URI: {uri}\r\n"
        f"Content-Type: {ctype}\r\nContent-Length: {len(block)}\r\n\r\n"
    )
    return head.encode() + block + b"\r\n\r\n"


def http(body: bytes, ctype: str = "text/html", extra: str = "", status: str = "200 OK") -> bytes:
    head = f"HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\n{extra}Content-Length: {len(body)}\r\n"
    return head.encode() + b"\r\n" + body


def sample_warc_records() -> list[bytes]:
    return [
        warc_record("warcinfo", "0", b"software: test\r\n", ctype="application/warc-fields"),
        warc_record("request", "1", b"GET / HTTP/1.1\r\nHost: a.com\r\n\r\n", "http://a.com/x"),
        warc_record(
            "response",
            "2",
            http(
                f"<html><body><p>{RUSSIAN}</p></body></html>".encode("cp1251"),
                "text/html; charset=windows-1251",
            ),
            "http://a.com/x",
        ),
        warc_record("response", "3", http(b"\x89PNG\r\n\x1a\n", "image/png"), "http://a.com/i.png"),
        warc_record(
            "response", "4", http(b"<html>moved</html>", status="301 Moved"), "http://a.com/"
        ),
        warc_record(
            "response",
            "5",
            http(gzip.compress(PAGE.encode()), extra="Content-Encoding: gzip\r\n"),
            "https://b.org/story",
        ),
        warc_record("response", "6", http(b"<html>" + b"z" * 3000 + b"</html>"), "http://c.net/z"),
    ]


def zip_file(path: Path, members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", compression=method) as archive:
        for name, data in members.items():
            archive.writestr(zipfile.ZipInfo(name), data, compress_type=method)
    return path


def tar_bytes(
    members: dict[str, bytes], mode: str = "w", links: dict[str, str] | None = None
) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode=mode) as archive:  # type: ignore[call-overload]
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
        for name, target in (links or {}).items():
            info = tarfile.TarInfo(name)
            info.type, info.linkname = tarfile.SYMTYPE, target
            archive.addfile(info)
    return buffer.getvalue()


def assert_accounted(records: list[RawDocument | Reject], tally: Tally) -> None:
    """Every unit is a document, a reject or a counted skip; reject URIs are unique."""
    assert tally.documents == len(docs(records))
    assert tally.rejected == len(rejects(records))
    uris = [r.source_uri for r in rejects(records)]
    assert len(uris) == len(set(uris)), uris
    assert all(r.reason in REJECT_REASONS for r in rejects(records))
    assert all(r.detail and "\n" not in r.detail for r in rejects(records))


# --------------------------------------------------------------------------- discovery


def test_discover_walks_dirs_sorted_and_keeps_relative_paths(tmp_path, monkeypatch) -> None:
    for name in ("b/2.txt", "b/1.txt", "a.html", "c/d/e.txt"):
        write(tmp_path / "in" / name, "x")
    monkeypatch.chdir(tmp_path)
    files, bad = discover(["in", "in/a.html"])
    assert [str(p) for p in files] == ["in/a.html", "in/b/1.txt", "in/b/2.txt", "in/c/d/e.txt"]
    assert bad == []


def test_discover_rejects_missing_and_dangling_paths(tmp_path) -> None:
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    files, bad = discover([tmp_path / "missing.txt", tmp_path / "dangling"])
    assert files == []
    assert [(r.reason, "dangling" in r.detail) for r in bad] == [
        ("not_found", False),
        ("not_found", True),
    ]


def test_discover_survives_symlink_loops(tmp_path) -> None:
    write(tmp_path / "d" / "ok.txt", "x")
    (tmp_path / "d" / "self").symlink_to(tmp_path / "d" / "self")
    (tmp_path / "d" / "up").symlink_to(tmp_path / "d", target_is_directory=True)
    files, bad = discover([tmp_path / "d"])
    assert files == [tmp_path / "d" / "ok.txt"]
    assert sorted(r.source_uri.rsplit("/", 1)[1] for r in bad) == ["self", "up"]
    assert {r.reason for r in bad} == {"unreadable"}


def test_discover_rejects_special_files(tmp_path) -> None:
    os.mkfifo(tmp_path / "pipe")
    files, bad = discover([tmp_path])
    assert files == []
    assert [(r.reason, r.detail) for r in bad] == [("unreadable", "not a regular file (fifo)")]


def test_unlistable_directory_is_rejected_simulated(tmp_path, monkeypatch) -> None:
    write(tmp_path / "locked" / "a.txt", "x")
    real_scandir = os.scandir

    def scandir(path):  # the effect of chmod 000 on a directory, even for root
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)

    monkeypatch.setattr(readers.os, "scandir", scandir)
    files, bad = discover([tmp_path])
    assert files == []
    assert [r.reason for r in bad] == ["unreadable"]
    assert "Permission denied" in bad[0].detail


# --------------------------------------------------------------------------- pages


def test_seeds_are_text_documents(monkeypatch) -> None:
    monkeypatch.chdir(REPO)
    tally = Tally()
    records = list(iter_inputs(["seeds"], tally=tally))
    assert len(docs(records)) == 5
    first = records[0]
    assert isinstance(first, RawDocument)
    assert first.source_uri.startswith("seeds/000_")
    assert (first.format, first.markup, first.encoding) == ("text", "text", "utf-8")
    assert first.doc_id == hashlib.sha256(first.raw_bytes).hexdigest()
    assert tally.files == 5


def test_html_is_recognised_by_content_not_extension(tmp_path) -> None:
    [doc] = read_all(write(tmp_path / "page.txt", PAGE))
    assert isinstance(doc, RawDocument)
    assert (doc.format, doc.markup, doc.raw_text) == ("html", "html", PAGE)


@pytest.mark.parametrize(
    ("codec", "names"),
    [("cp1251", {"cp1251"}), ("utf-16", {"utf-16-le"}), ("utf-8-sig", {"utf-8"})],
)
def test_page_encodings_are_decoded(tmp_path, codec: str, names: set[str]) -> None:
    [doc] = read_all(write(tmp_path / "ru.txt", RUSSIAN.encode(codec)))
    assert isinstance(doc, RawDocument)
    assert doc.raw_text == RUSSIAN
    assert doc.encoding in names


def test_meta_charset_page(tmp_path) -> None:
    page = f'<html><head><meta charset="shift_jis"></head><body>{"記事です。"}</body></html>'
    [doc] = read_all(write(tmp_path / "jp.html", page.encode("shift_jis")))
    assert isinstance(doc, RawDocument)
    assert (doc.raw_text, doc.encoding) == (page, "shift_jis")


# --------------------------------------------------------------------------- bad pages


@pytest.mark.parametrize("content", [b"", b"  \n\n\t "])
def test_empty_files_are_rejected(tmp_path, content: bytes) -> None:
    [reject] = read_all(write(tmp_path / "empty.txt", content))
    assert isinstance(reject, Reject)
    assert (reject.reason, reject.raw_bytes) == ("empty", content)


@pytest.mark.parametrize(
    ("name", "content", "kind"),
    [
        ("report.txt", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>>", "PDF"),
        ("photo.html", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "PNG"),
        ("tool.txt", b"\x7fELF\x02\x01\x01" + bytes(100), "ELF"),
    ],
)
def test_binary_files_with_text_extensions_are_rejected(tmp_path, name, content, kind) -> None:
    [reject] = read_all(write(tmp_path / name, content))
    assert isinstance(reject, Reject)
    assert reject.reason == "binary"
    assert kind in reject.detail
    assert reject.raw_bytes == content
    assert reject.content_sha256 == hashlib.sha256(content).hexdigest()


def test_too_large_file_is_rejected_from_stat(tmp_path, monkeypatch) -> None:
    path = write(tmp_path / "big.txt", b"word " * 100)
    monkeypatch.setattr(readers, "read_page", lambda *a: pytest.fail("should not be read"))
    [reject] = read_all(path, max_bytes=100)
    assert isinstance(reject, Reject)
    assert (reject.reason, reject.raw_bytes) == ("too_large", None)
    assert reject.detail == "500 bytes > limit 100"
    assert reject.content_sha256 == hashlib.sha256(b"word " * 100).hexdigest()


def test_undecodable_bytes_are_rejected(tmp_path) -> None:
    noise = bytes((i * 97 + 13) % 128 + 128 for i in range(700))
    [reject] = read_all(write(tmp_path / "noise.txt", noise))
    assert isinstance(reject, Reject)
    assert reject.reason == "undecodable"


def test_html_nested_100000_deep_is_a_parse_error(tmp_path) -> None:
    page = "<html><body>" + "<div>" * 100_000 + "x" + "</div>" * 100_000 + "</body></html>"
    [reject] = read_all(write(tmp_path / "deep.html", page))
    assert isinstance(reject, Reject)
    assert reject.reason == "parse_error"
    assert "nested deeper" in reject.detail


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads chmod-000 files; see the simulated test")
def test_unreadable_file_is_rejected(tmp_path) -> None:
    path = write(tmp_path / "secret.txt", "x")
    path.chmod(0)
    [reject] = read_all(path)
    assert isinstance(reject, Reject)
    assert reject.reason == "unreadable"


def test_unreadable_file_is_rejected_simulated(tmp_path, monkeypatch) -> None:
    path = write(tmp_path / "secret.txt", "x")

    def denied(path):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(readers, "_open_regular", denied)
    tally = Tally()
    records = list(iter_inputs([path, tmp_path / "missing"], tally=tally))
    assert [(r.reason, r.detail) for r in rejects(records)] == [
        ("not_found", "no such file"),
        ("unreadable", "Permission denied"),
    ]
    assert tally.units == 2


# --------------------------------------------------------------------------- JSONL


def jsonl(*lines: object) -> bytes:
    return b"".join(
        (line if isinstance(line, bytes) else json.dumps(line).encode()) + b"\n" for line in lines
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
        "www.a.com",
        "T",
        "2023-06-08",
    )
    assert one.raw_text == PAGE
    assert one.doc_id == hashlib.sha256(data.split(b"\n")[0]).hexdigest()
    assert (two.markup, two.site, two.raw_text) == ("text", "B News", "plain text body")


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


# --------------------------------------------------------------------------- WARC


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
    assert (ru.url, ru.site, ru.published_at) == ("http://a.com/x", "a.com", "2023-06-08T09:00:00Z")
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


# --------------------------------------------------------------------------- compression


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


# --------------------------------------------------------------------------- archives


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


def test_every_reader_is_registered() -> None:
    assert set(READERS) == {
        "html", "text", "empty", "binary", "warc", "jsonl", "gzip", "bzip2", "xz", "zip", "tar",
    }  # fmt: skip


# --------------------------------------------------------------------------- never raise


def _valid_samples() -> list[tuple[str, bytes]]:
    warc = b"".join(sample_warc_records())
    return [
        ("a.warc", warc),
        ("a.warc.gz", b"".join(gzip.compress(r) for r in sample_warc_records())),
        ("a.jsonl", jsonl({"url": "u", "html": PAGE}, {"url": "v", "text": "t"})),
        ("a.tar.gz", tar_bytes({"p.html": PAGE.encode(), "w.warc": warc}, mode="w:gz")),
        ("a.html.gz", gzip.compress(PAGE.encode())),
        ("a.txt", RUSSIAN.encode("cp1251")),
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
    st.sampled_from(["a.txt", "a.html", "a.warc", "a.warc.gz", "a.jsonl", "a.zip", "a.tar"]),
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


def test_read_file_on_disk_never_raises_for_odd_files(tmp_path) -> None:
    for name, data in SAMPLES:
        for cut in (1, 2, 10, 100, 262, 600):
            path = write(tmp_path / f"{cut}-{name}", data[:cut])
            tally = Tally()
            records = list(read_file(path, tally=tally))
            assert records, path
            assert_accounted(records, tally)


# --------------------------------------------------------------------------- details


def test_jsonl_with_bom_and_cp1251_line(tmp_path) -> None:
    first = b"\xef\xbb\xbf" + json.dumps({"url": "http://a.ru/1", "text": "utf-8 line"}).encode()
    second = json.dumps({"url": "http://a.ru/2", "text": RUSSIAN}, ensure_ascii=False)
    records = read_all(write(tmp_path / "d.jsonl", first + b"\n" + second.encode("cp1251") + b"\n"))
    assert [(d.raw_text, d.encoding) for d in docs(records)] == [
        ("utf-8 line", "utf-8"),
        (RUSSIAN, "cp1251"),
    ]


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


def test_read_stream_reads_an_open_stream() -> None:
    stream = io.BytesIO(gzip.compress(jsonl({"url": "http://s.com/1", "text": "streamed"})))
    [doc] = read_stream(stream, "upload.jsonl.gz")
    assert isinstance(doc, RawDocument)
    assert (doc.source_uri, doc.raw_text) == ("upload.jsonl.gz#L1", "streamed")


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
    assert len(data) > readers.CHUNK_BYTES
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


def test_discover_survives_a_very_deep_tree(tmp_path) -> None:
    deep = tmp_path
    for _ in range(600):  # a recursive walk (2 frames a level) would pass the recursion
        deep = deep / "d"  # limit; shutil.rmtree (1 frame a level) can still clean it up
        deep.mkdir()
    (deep / "x.txt").write_text("deep")
    try:
        files, bad = discover([tmp_path])
        assert (files, bad) == ([deep / "x.txt"], [])
    finally:  # shutil.rmtree (pytest's cleanup) recurses too: take the tree down here
        (deep / "x.txt").unlink()
        while deep != tmp_path:
            deep.rmdir()
            deep = deep.parent


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


def test_read_file_on_a_fifo_does_not_block(tmp_path) -> None:
    os.mkfifo(tmp_path / "pipe.txt")
    [reject] = read_all(tmp_path / "pipe.txt")
    assert isinstance(reject, Reject)
    assert (reject.reason, reject.detail) == ("unreadable", "not a regular file (fifo)")

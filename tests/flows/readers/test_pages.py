"""flows.readers single pages and text dumps, and every way one can be bad."""

from __future__ import annotations

import hashlib
import os

import pytest

from flows.readers import READERS, Tally, dispatch, iter_inputs
from schemas import RawDocument, Reject
from tests.flows.readers.helpers import (
    PAGE,
    REPO,
    RUSSIAN,
    docs,
    read_all,
    rejects,
    write,
)


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
    monkeypatch.setitem(READERS, "text", lambda *a: pytest.fail("should not be read"))
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

    monkeypatch.setattr(dispatch, "open_regular", denied)
    tally = Tally()
    records = list(iter_inputs([path, tmp_path / "missing"], tally=tally))
    assert [(r.reason, r.detail) for r in rejects(records)] == [
        ("not_found", "no such file"),
        ("unreadable", "Permission denied"),
    ]
    assert tally.units == 2


def test_read_file_on_a_fifo_does_not_block(tmp_path) -> None:
    os.mkfifo(tmp_path / "pipe.txt")
    [reject] = read_all(tmp_path / "pipe.txt")
    assert isinstance(reject, Reject)
    assert (reject.reason, reject.detail) == ("unreadable", "not a regular file (fifo)")

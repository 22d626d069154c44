"""flows.readers.sniff: the one table of magic bytes, then the markup test. Bytes in."""

from __future__ import annotations

import gzip
import io
import tarfile
import zipfile

import pytest

from flows.readers.sniff import sniff_format


def zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a.txt", "hello")
    return buffer.getvalue()


def tar_bytes() -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        info = tarfile.TarInfo("a.txt")
        info.size = 5
        archive.addfile(info, io.BytesIO(b"hello"))
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "name", "expected"),
    [
        (b"", "a.txt", "empty"),
        (b" \n\t\n", "a.html", "empty"),
        (b"<!DOCTYPE html><html><body>x</body></html>", "a.txt", "html"),
        (b"\n  <html lang='en'><p>x</p>", "page", "html"),
        (b"Some <b>bold</b> claim in a dump", "a.html", "html"),
        (b"Some <b>bold</b> claim in a dump", "a.txt", "text"),
        (b"Just a plain text dump.\nSecond line.", "a.html", "text"),
        (b'{"url": "http://a.com", "html": "<p>x</p>"}\n{"url": 1}\n', "dump", "jsonl"),
        (b"WARC/1.0\r\nWARC-Type: warcinfo\r\n", "a.txt", "warc"),
        (gzip.compress(b"hello"), "a.txt", "gzip"),
        (zip_bytes(), "a.txt", "zip"),
        (tar_bytes(), "a.txt", "tar"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "report.txt", "binary"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "photo.html", "binary"),
        (b"\x7fELF\x02\x01\x01\x00" + bytes(56), "run.txt", "binary"),
        (bytes(range(256)) * 4, "noise.txt", "binary"),
        ("<html><p>x</p></html>".encode("utf-16"), "a.txt", "html"),
        ("plain words".encode("utf-16-le"), "a.txt", "text"),
    ],
)
def test_sniff_format_by_content(data: bytes, name: str, expected: str) -> None:
    assert sniff_format(data, name) == expected


def test_jsonl_with_a_utf8_bom_is_still_jsonl() -> None:
    assert sniff_format(b'\xef\xbb\xbf{"url": "u", "text": "t"}\n', "dump") == "jsonl"

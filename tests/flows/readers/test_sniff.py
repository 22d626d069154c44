"""flows.readers.sniff: the one table of magic bytes, then the markup test. Bytes in."""

from __future__ import annotations

import gzip
import io
import lzma
import tarfile
import zipfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flows.readers.sniff import FORMATS, inner_name, sniff_format


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


QUOTING_DUMP = (
    "Search engines were told to stay away, the audit found.\n\n"
    'The page carried <meta name="robots" content="noindex"> in its head, the report said,'
    " and nobody noticed for a year.\n\nThe company said it had fixed the tag."
)


def test_a_dump_quoting_a_meta_tag_is_text_for_clean_and_for_run(tmp_path) -> None:
    """Divergence on 31f70df: `cleaners.sniff_markup` said html, the readers text."""
    from cleaners import clean, sniff_markup
    from flows.readers import read_file

    path = tmp_path / "dump.txt"
    path.write_text(QUOTING_DUMP)
    [doc] = read_file(path)
    assert doc.markup == sniff_markup(QUOTING_DUMP) == "text"
    assert sniff_format(QUOTING_DUMP.encode(), "dump.txt") == "text"
    assert clean(QUOTING_DUMP).cleaner == clean(QUOTING_DUMP, fmt="text").cleaner


@pytest.mark.parametrize(
    ("data", "name", "expected"),
    [
        (b"WARC/1.0\r\nWARC-Type: warcinfo\r\n\r\n", "x.warc.wet", "wet"),
        (b"WARC/1.0\r\nWARC-Type: warcinfo\r\n\r\nWARC/1.0\r\nWARC-Type: conversion\r\n", "", "wet"),  # noqa: E501
        (b"PAR1\x15\x04\x15", "rows.bin", "parquet"),
        (b"\x28\xb5\x2f\xfd\x04\x00", "a.txt", "zstd"),
        (lzma.compress(b"x"), "a", "xz"),
    ],
)
def test_new_containers_by_content(data: bytes, name: str, expected: str) -> None:
    assert sniff_format(data, name) == expected


@pytest.mark.parametrize(
    ("name", "inner"),
    [("page.html.gz", "page.html"), ("d.jsonl.zst", "d.jsonl"), ("a.tgz", "a.tar"), ("x", "x")],
)
def test_inner_name_drops_the_compression_suffix(name: str, inner: str) -> None:
    assert inner_name(name) == inner


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2048), st.sampled_from(["a.txt", "a.html", "a.jsonl", "a.gz", ""]))
def test_sniff_never_raises_and_names_a_format(data: bytes, name: str) -> None:
    assert sniff_format(data, name) in FORMATS

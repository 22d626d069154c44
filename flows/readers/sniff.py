"""What a blob of bytes is: the one table of magic bytes, then the markup test.

Content decides; a file or member name only breaks ties (html/text, a JSONL line too
long to parse in the probe, a WET file whose first conversion record is far in).
The html-or-text decision itself is `cleaners.decode.sniff_markup`, which
`cleaners.clean` uses too, so `presswash clean` and `presswash run` always agree.
"""

from __future__ import annotations

import codecs
import json
import re

from cleaners.decode import BOMS, sniff_markup, utf16_without_bom

__all__ = [
    "COMPRESSIONS",
    "COMPRESSION_MAGIC",
    "CONTAINERS",
    "FORMATS",
    "SNIFF_BYTES",
    "binary_kind",
    "inner_name",
    "sniff_format",
]

SNIFF_BYTES = 8192
"""How much of the head we look at: enough for a doctype, meta charset or JSON key."""

COMPRESSION_MAGIC: dict[str, bytes] = {
    "gzip": b"\x1f\x8b",
    "bzip2": b"BZh",
    "xz": b"\xfd7zXZ\x00",
    "zstd": b"\x28\xb5\x2f\xfd",
}
"""Single-stream compressions and how each stream (and each member of a multi-member
stream) starts. The only copy: `streams.Inflater` checks the next member against it."""

COMPRESSIONS = frozenset(COMPRESSION_MAGIC)

COMPRESSION_SUFFIXES: dict[str, str] = {
    "gz": "",
    "bz2": "",
    "xz": "",
    "zst": "",
    "zstd": "",
    "tgz": ".tar",
    "tbz2": ".tar",
    "txz": ".tar",
    "tzst": ".tar",
}
"""Extensions a compression adds (and what a short form stands for: `.tgz` = `.tar.gz`)."""

FORMATS: tuple[str, ...] = (
    "empty",
    "warc",
    "wet",
    *COMPRESSION_MAGIC,
    "zip",
    "tar",
    "parquet",
    "jsonl",
    "html",
    "text",
    "binary",
)
"""What `sniff_format` can answer. Containers hold other units; `html`/`text` are one
page each; `empty`/`binary` are rejects."""

CONTAINERS = frozenset({"warc", "wet", "jsonl", "zip", "tar", "parquet", *COMPRESSIONS})
"""Formats that hold other units: the per-unit size limit applies inside, not to them."""

BINARY_MAGICS: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "PDF"),
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"\x7fELF", "ELF"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"RIFF", "RIFF (WebP/WAV/AVI)"),
    (b"MZ", "PE/DOS executable"),
    (b"\xca\xfe\xba\xbe", "Mach-O/Java class"),
    (b"\xcf\xfa\xed\xfe", "Mach-O"),
    (b"\x00asm", "WebAssembly"),
    (b"SQLite format 3\x00", "SQLite"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "OLE2 (old MS Office)"),
    (b"7z\xbc\xaf\x27\x1c", "7-Zip"),
    (b"Rar!\x1a\x07", "RAR"),
    (b"wOFF", "WOFF font"),
    (b"OggS", "Ogg"),
    (b"ID3", "MP3"),
    (b"\x1a\x45\xdf\xa3", "Matroska/WebM"),
)
"""Signatures of common non-text files we do not read (checked after the containers)."""

MAX_CONTROL_SHARE = 0.05
"""Share of C0 control bytes (not tab/CR/LF/FF/ESC) above which a blob is not text."""

WET_EXTENSIONS = (".wet",)
JSONL_EXTENSIONS = (".jsonl", ".ndjson", ".jsonlines")

_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 12, 13, 27)) + b"\x7f"
_JSONL_START = re.compile(rb'^\s*\{\s*"')
_WET_RECORD = re.compile(rb"^WARC-Type:\s*conversion\s*$", re.IGNORECASE | re.MULTILINE)


def sniff_format(data: bytes, name: str = "") -> str:
    """Say what `data` is, by content first and the file name only as a tie-breaker.

    Args:
        data: the whole blob, or at least its first `SNIFF_BYTES`.
        name: a file or member name; its extension breaks ties.

    Returns:
        One of `FORMATS`.
    """
    head = data[:SNIFF_BYTES]
    if not head.strip():
        if not head or not data.strip():
            return "empty"
        return sniff_format(data.lstrip(), name)
    container = _container(head, name)
    if container:
        return container
    if binary_kind(head):
        return "binary"
    unmarked = head.removeprefix(codecs.BOM_UTF8)
    if _JSONL_START.match(unmarked) and _looks_like_jsonl(unmarked, name):
        return "jsonl"
    return sniff_markup(head, name)


def binary_kind(data: bytes) -> str | None:
    """Name the kind of non-text file `data` is (e.g. 'PDF'), or None if it may be text."""
    head = data[:SNIFF_BYTES]
    for magic, kind in BINARY_MAGICS:
        if head.startswith(magic):
            return kind
    if head.startswith(tuple(bom for bom, _ in BOMS)) or utf16_without_bom(head):
        return None
    if b"\x00" in head:
        return "unknown binary (NUL bytes)"
    controls = len(head) - len(head.translate(None, _CONTROL_BYTES))
    if controls > MAX_CONTROL_SHARE * len(head):
        return f"unknown binary ({controls} control bytes in the first {len(head)})"
    return None


def inner_name(name: str) -> str:
    """The name of what a compression holds: `page.html.gz` -> `page.html`, `a.tgz` -> `a.tar`."""
    stem, dot, ext = name.rpartition(".")
    suffix = COMPRESSION_SUFFIXES.get(ext.lower()) if dot else None
    return name if suffix is None else stem + suffix


def _container(head: bytes, name: str) -> str | None:
    """Recognise the formats that hold other units, by their magic bytes."""
    if head.startswith(b"WARC/"):
        is_wet = _WET_RECORD.search(head) or name.lower().endswith(WET_EXTENSIONS)
        return "wet" if is_wet else "warc"
    for fmt, magic in COMPRESSION_MAGIC.items():
        if head.startswith(magic) and (fmt != "bzip2" or head[3:4].isdigit()):
            return fmt
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "zip"
    if len(head) >= 262 and head[257:262] == b"ustar":
        return "tar"
    if head.startswith(b"PAR1"):
        return "parquet"
    return None


def _looks_like_jsonl(head: bytes, name: str) -> bool:
    """JSONL if the first line is a JSON object, or is too long to check and named so."""
    first, newline, _ = head.lstrip().partition(b"\n")
    if not newline and len(head) >= SNIFF_BYTES:
        return True  # a line longer than the probe: `{"` is signal enough
    try:
        return isinstance(json.loads(first), dict)
    except ValueError:
        return name.lower().endswith(JSONL_EXTENSIONS)

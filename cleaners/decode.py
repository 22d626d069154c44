"""Sniff what a blob of bytes is, and decode it to text.

Pure: bytes in, values out. `flows/readers.py` does the file I/O and turns a
`Failure` into a `schemas.Reject` (which needs a `source_uri` this module never sees).

Decoding order (first that applies wins):

1. a byte-order mark (UTF-8, UTF-16 LE/BE, UTF-32 LE/BE): the BOM is authoritative,
   so bytes that then fail to decode are `undecodable`, not re-guessed;
2. BOM-less UTF-16, when NUL bytes sit on one parity (as good as a BOM: every
   ASCII-compatible codec would "succeed" on those bytes and yield NULs);
3. the charset the transport declared (`declared=`, e.g. the HTTP `Content-Type`),
   if Python knows the label and the bytes decode strictly with it;
4. the charset the document declares about itself (`<meta charset>`,
   `<meta http-equiv content-type>`, `<?xml encoding?>`) in its first bytes, same test;
5. strict UTF-8 (cheap, and almost never a false positive on non-UTF-8 text);
6. charset-normalizer detection, preferring common web encodings among the
   near-equally-plausible candidates (it otherwise calls short French `cp775`);
7. otherwise a `Failure('undecodable')`, also when the best guess decodes to more than
   `MAX_DECODED_JUNK_SHARE` replacement/control characters.

A wrong declaration that still decodes (say `latin-1` on UTF-8 bytes) is obeyed, as a
browser would; one that fails is skipped. Encodings are reported as Python codec names
(`utf-8`, `cp1251`, `shift_jis`, `utf-16-le`, ...).

`sniff_format` looks at content first (magic bytes, NUL/control bytes, a JSON object on
the first line, markup at the start) and uses the file extension only to break an
html/text tie. `check_nesting` is the readers' cheap guard against absurdly nested
markup (`<div>` x 100,000): a linear tag count, no parser, reported as `parse_error`;
the HTML cleaner keeps its own guard.
"""

from __future__ import annotations

import codecs
import json
import re
from dataclasses import dataclass

from charset_normalizer import from_bytes

__all__ = [
    "FORMATS",
    "Failure",
    "binary_kind",
    "check_nesting",
    "declared_charset",
    "decode",
    "sniff_format",
]

FORMATS: tuple[str, ...] = (
    "empty",
    "warc",
    "gzip",
    "bzip2",
    "xz",
    "zip",
    "tar",
    "jsonl",
    "html",
    "text",
    "binary",
)
"""What `sniff_format` can answer. Containers (`warc`, `jsonl`, compressions, archives)
hold other units; `html`/`text` are one page each; `empty`/`binary` are rejects."""

SNIFF_BYTES = 8192
"""How much of the head we look at: enough for a doctype, meta charset or JSON key."""

META_SCAN_BYTES = 4096
"""HTML says a meta charset must sit in the first 1024 bytes; real pages overshoot."""

MAX_CONTROL_SHARE = 0.05
"""Share of C0 control bytes (not tab/CR/LF/FF/ESC) above which a blob is not text."""

MIN_UTF16_NUL_SHARE = 0.3
"""Mostly-ASCII UTF-16 has a NUL in every other byte; real binaries scatter theirs."""

CHAOS_TOLERANCE = 0.1
"""charset-normalizer candidates this close to the best 'chaos' count as equally good."""

MAX_DECODED_JUNK_SHARE = 0.02
"""Share of U+FFFD/controls in a detected decoding above which we call it undecodable."""

MAX_TAG_DEPTH = 5000
"""Real pages nest a few hundred deep even with unclosed tags; 100,000 is an attack."""

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
    (b"\x28\xb5\x2f\xfd", "zstd"),
    (b"7z\xbc\xaf\x27\x1c", "7-Zip"),
    (b"Rar!\x1a\x07", "RAR"),
    (b"PAR1", "Parquet"),
    (b"wOFF", "WOFF font"),
    (b"OggS", "Ogg"),
    (b"ID3", "MP3"),
    (b"\x1a\x45\xdf\xa3", "Matroska/WebM"),
)
"""Signatures of common non-text files (checked before anything else)."""

BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: it starts with the same bytes
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

PREFERRED_ENCODINGS: tuple[str, ...] = (
    "utf_8",
    "cp1252",
    "latin_1",
    "cp1251",
    "cp932",
    "shift_jis",
    "euc_jp",
    "gb18030",
    "gb2312",
    "big5",
    "euc_kr",
    "cp1250",
    "iso8859_2",
    "koi8_r",
    "cp1253",
    "cp1254",
    "cp1255",
    "cp1256",
    "cp1257",
    "iso8859_15",
    "utf_16",
    "utf_16_le",
    "utf_16_be",
)
"""Web encodings by rough prevalence: the tie-breaker among equally plausible guesses."""

LEGACY_ALIASES: dict[str, str] = {"latin_1": "cp1252"}
"""WHATWG: pages labelled latin-1 are windows-1252. (An `ascii` label on non-ASCII bytes
is simply false, so it fails strictly and the next step decides.)"""

_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 12, 13, 27)) + b"\x7f"
_META_CHARSET = re.compile(
    rb"""<meta[^>]{0,512}?charset\s*=\s*["']?\s*([a-zA-Z0-9_:.\-]{1,40})""", re.IGNORECASE
)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]{0,200}?encoding\s*=\s*["']([a-zA-Z0-9_.\-]{1,40})""")
_HTML_START = re.compile(
    r"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|meta|title|link|div|p|article"
    r"|section|main|header|table|script|style|span|h[1-6]|a\s|!--|\?xml)",
    re.IGNORECASE | re.DOTALL,
)
_HTML_ANYWHERE = re.compile(r"<(?:!doctype\s+html|html[\s>]|head>|body[\s>])", re.IGNORECASE)
_ANY_TAG = re.compile(r"<[a-zA-Z][a-zA-Z0-9]*[\s/>]")
_JUNK = re.compile("[\ufffd\x00-\x08\x0b\x0e-\x1a\x1c-\x1f\x7f-\x9f]")
_JSONL_START = re.compile(rb'^\s*\{\s*"')
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9:-]*)[^>]*?(/?)>")
_NO_DEPTH_TAGS = frozenset(
    (
        *("area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta"),
        *("param", "source", "track", "wbr", "p", "li", "dt", "dd", "option", "optgroup"),
        *("tr", "td", "th", "thead", "tbody", "tfoot", "colgroup", "rp", "rt"),
    )
)
"""Void elements and ones whose end tag may be omitted: they do not count as nesting."""

HTML_EXTENSIONS = (".html", ".htm", ".xhtml", ".shtml")
JSONL_EXTENSIONS = (".jsonl", ".ndjson", ".jsonlines")


@dataclass(slots=True, frozen=True)
class Failure:
    """Why bytes could not be decoded: a `schemas.Reject` without its source."""

    reason: str
    detail: str


def sniff_format(data: bytes, name: str = "") -> str:
    """Say what `data` is, by content first and the file name only as a tie-breaker.

    Args:
        data: the whole blob, or at least its first `SNIFF_BYTES`.
        name: a file or member name; its extension breaks html/text ties.

    Returns:
        One of `FORMATS`.
    """
    head = data[:SNIFF_BYTES]
    if not head.strip():
        return "empty" if not head else _sniff_blank(data, name)
    container = _sniff_container(head)
    if container:
        return container
    if _binary_kind(head):
        return "binary"
    unmarked = head.removeprefix(codecs.BOM_UTF8)
    if _JSONL_START.match(unmarked) and _looks_like_jsonl(unmarked, name):
        return "jsonl"
    return "html" if _looks_like_html(_probe_text(head), name) else "text"


def binary_kind(data: bytes) -> str | None:
    """Name the kind of non-text file `data` is (e.g. 'PDF'), or None if it may be text."""
    return _binary_kind(data[:SNIFF_BYTES])


def decode(data: bytes, *, declared: str | None = None) -> tuple[str, str] | Failure:
    """Decode bytes to text, following the order in the module docstring.

    Args:
        data: the raw bytes of one unit (a page, a record payload, a JSONL line).
        declared: a charset label from outside the bytes (HTTP header, JSONL field).

    Returns:
        `(text, encoding)` with a Python codec name, or a `Failure` whose reason is
        `empty` or `undecodable`. Never raises on any input.
    """
    if not data.strip():
        return Failure("empty", f"{len(data)} bytes, all whitespace" if data else "0 bytes")
    for bom, encoding in BOMS:
        if data.startswith(bom):
            return _decode_bom(data[len(bom) :], encoding)
    utf16 = _utf16_without_bom(data[:SNIFF_BYTES])
    for label in (utf16, declared, declared_charset(data), "utf-8"):
        decoded = _decode_declared(data, label)
        if decoded is not None:
            return decoded
    return _detect(data)


def declared_charset(data: bytes) -> str | None:
    """Find the charset an HTML/XML document declares in its first bytes, if any.

    A UTF-16/32 label found by this ASCII scan is a lie (the bytes we matched are
    ASCII-compatible), so it is ignored, as HTML5 says.
    """
    head = data[:META_SCAN_BYTES]
    match = _XML_ENCODING.match(head) or _META_CHARSET.search(head)
    if match is None:
        return None
    label = match.group(1).decode("ascii", "replace").strip().lower()
    return None if label.startswith(("utf-16", "utf16", "utf-32", "utf32")) else label


def check_nesting(text: str, *, max_depth: int = MAX_TAG_DEPTH) -> Failure | None:
    """Refuse markup nested absurdly deep, with one cheap linear scan (no parser).

    Counts open minus close tags, ignoring void elements and those whose end tag is
    optional, so sloppy real pages stay far below the limit while `<div>` x 100,000
    is caught before it reaches a recursive parser.

    Returns:
        `Failure('parse_error', ...)` past `max_depth`, else None.
    """
    if text.count("<") <= max_depth:
        return None
    depth = 0
    for match in _TAG.finditer(text):
        closing, tag, self_closing = match.groups()
        if self_closing or tag.lower() in _NO_DEPTH_TAGS:
            continue
        depth = depth - 1 if closing else depth + 1
        if depth > max_depth:
            where = f"at char {match.start()}"
            return Failure("parse_error", f"markup nested deeper than {max_depth} tags ({where})")
    return None


def _sniff_blank(data: bytes, name: str) -> str:
    """Whitespace-only head: empty if the whole blob is whitespace, else look further."""
    return "empty" if not data.strip() else sniff_format(data.lstrip(), name)


def _sniff_container(head: bytes) -> str | None:
    """Recognise the formats that hold other units, by their magic bytes."""
    if head.startswith(b"WARC/"):
        return "warc"
    if head.startswith(b"\x1f\x8b"):
        return "gzip"
    if head.startswith(b"BZh") and head[3:4].isdigit():
        return "bzip2"
    if head.startswith(b"\xfd7zXZ\x00"):
        return "xz"
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "zip"
    if len(head) >= 262 and head[257:262] == b"ustar":
        return "tar"
    return None


def _binary_kind(head: bytes) -> str | None:
    """Name a binary by its magic, or by NUL/control bytes that text does not have."""
    for magic, kind in BINARY_MAGICS:
        if head.startswith(magic):
            return kind
    if head.startswith(tuple(bom for bom, _ in BOMS)) or _utf16_without_bom(head):
        return None
    if b"\x00" in head:
        return "unknown binary (NUL bytes)"
    controls = len(head) - len(head.translate(None, _CONTROL_BYTES))
    if controls > MAX_CONTROL_SHARE * len(head):
        return f"unknown binary ({controls} control bytes in the first {len(head)})"
    return None


def _utf16_without_bom(head: bytes) -> str | None:
    """Guess BOM-less UTF-16 from NULs sitting on one parity (ASCII in UTF-16)."""
    if len(head) < 4:
        return None
    even, odd = head[0::2].count(0), head[1::2].count(0)
    half = len(head) // 2
    if odd >= MIN_UTF16_NUL_SHARE * half and even == 0:
        return "utf-16-le"
    if even >= MIN_UTF16_NUL_SHARE * half and odd == 0:
        return "utf-16-be"
    return None


def _probe_text(head: bytes) -> str:
    """A rough text view of the head, good enough to spot markup in any encoding."""
    for bom, encoding in BOMS:
        if head.startswith(bom):
            return head[len(bom) :].decode(encoding, "ignore")
    utf16 = _utf16_without_bom(head)
    return head.decode(utf16 or "latin-1", "ignore")


def _looks_like_html(probe: str, name: str) -> bool:
    """HTML if it opens like markup or names html/head/body early; ext breaks ties."""
    if _HTML_START.match(probe) or _HTML_ANYWHERE.search(probe):
        return True
    return name.lower().endswith(HTML_EXTENSIONS) and _ANY_TAG.search(probe) is not None


def _looks_like_jsonl(head: bytes, name: str) -> bool:
    """JSONL if the first line is a JSON object, or is too long to check and named so."""
    first, newline, _ = head.lstrip().partition(b"\n")
    if not newline and len(head) >= SNIFF_BYTES:
        return True  # a line longer than the probe: `{"` is signal enough
    try:
        return isinstance(json.loads(first), dict)
    except ValueError:
        return name.lower().endswith(JSONL_EXTENSIONS)


def _decode_bom(body: bytes, encoding: str) -> tuple[str, str] | Failure:
    """Decode after a BOM; the BOM is authoritative, so failure is final."""
    try:
        return body.decode(encoding), codecs.lookup(encoding).name
    except UnicodeDecodeError as exc:
        return Failure("undecodable", f"{encoding} BOM but invalid {encoding} at byte {exc.start}")


def _decode_declared(data: bytes, label: str | None) -> tuple[str, str] | None:
    """Decode with a declared label if Python knows it and the bytes agree with it."""
    if not label:
        return None
    try:
        name = codecs.lookup(label.strip().strip("\"'")).name.replace("-", "_")
    except (LookupError, ValueError):
        return None
    if name.startswith(("utf_16", "utf_32")) and not _utf16_without_bom(data[:SNIFF_BYTES]):
        return None  # a UTF-16 label on ASCII-compatible bytes is a lie (HTML5)
    if name == "utf_8":
        return _decode_strict(data, "utf-8")
    name = LEGACY_ALIASES.get(name, name)
    return _decode_strict(data, name) or (
        _decode_strict(data, "latin_1") if name == "cp1252" else None
    )


def _decode_strict(data: bytes, encoding: str) -> tuple[str, str] | None:
    """Decode or return None: a codec that errors has told us it is the wrong one."""
    try:
        return data.decode(encoding), codecs.lookup(encoding).name
    except (UnicodeDecodeError, LookupError):
        return None


def _detect(data: bytes) -> tuple[str, str] | Failure:
    """Ask charset-normalizer, then prefer a common encoding among the near-best."""
    try:
        matches = list(from_bytes(data))
    except Exception as exc:  # a detector bug must not sink the run; say what happened
        return Failure("undecodable", f"charset detection failed: {type(exc).__name__}: {exc}")
    if not matches:
        return Failure("undecodable", f"no encoding fits ({len(data)} bytes, not UTF-8)")
    best = min(match.chaos for match in matches)
    candidates = [
        name
        for match in matches
        if match.chaos <= best + CHAOS_TOLERANCE
        for name in (match.encoding, *match.could_be_from_charset)
    ]
    for name in sorted(dict.fromkeys(candidates), key=_preference):
        decoded = _decode_strict(data, name)
        if decoded is not None and _junk_share(decoded[0]) <= MAX_DECODED_JUNK_SHARE:
            return decoded
    return Failure("undecodable", f"best guess {matches[0].encoding} yields mostly junk")


def _preference(name: str) -> int:
    """Rank of an encoding in `PREFERRED_ENCODINGS`; unknown ones come last."""
    return PREFERRED_ENCODINGS.index(name) if name in PREFERRED_ENCODINGS else 1000


def _junk_share(text: str) -> float:
    """Share of replacement characters and C0/C1 controls in decoded text."""
    return len(_JUNK.findall(text)) / len(text) if text else 0.0

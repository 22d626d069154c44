"""Decode bytes to text, and tell markup from plain text: the one decoder and the one
html-or-text test, used by the readers (`flows/readers/`) and by `cleaners.clean`.

Pure: bytes in, values out. The readers do the file I/O and turn a `Failure` into a
`schemas.Reject` (which needs a `source_uri` this module never sees); the table of
magic bytes (containers, compressions, binaries) is `flows/readers/sniff.py`.

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

Whatever step decoded the bytes, a text that is mostly junk is `undecodable` too: more
than `MAX_JUNK_SHARE` replacement/control characters (UTF-16 read as UTF-8 is half NULs),
or a stretch of `JUNK_WINDOW_CHARS` whose share passes `MAX_WINDOW_JUNK_SHARE` (a
UTF-8 file that goes on in UTF-16).

A wrong declaration that still decodes (say `latin-1` on UTF-8 bytes) is obeyed, as a
browser would; one that fails is skipped. Encodings are reported as Python codec names
(`utf-8`, `cp1251`, `shift_jis`, `utf-16-le`, ...).

`sniff_markup` says whether text (or the head of some bytes) is an HTML page or a plain
text dump: markup at the start, or an `<html>`/`<head>`/`<body>` tag early, is HTML; a
dump that merely quotes a tag (`<meta name=...>` in a paragraph) is text; an `.html`
name breaks the tie when any tag is present. `check_nesting` is the readers' cheap
guard against absurdly nested markup (`<div>` x 100,000): a linear tag count, no parser,
reported as `parse_error`; the HTML cleaner keeps its own guard.
"""

from __future__ import annotations

import bisect
import codecs
import re
from dataclasses import dataclass
from typing import Literal

from charset_normalizer import from_bytes

__all__ = [
    "BOMS",
    "SNIFF_BYTES",
    "Failure",
    "check_nesting",
    "declared_charset",
    "decode",
    "sniff_markup",
    "utf16_without_bom",
]

SNIFF_BYTES = 8192
"""How much of the head we look at: enough for a doctype, meta charset or JSON key."""

META_SCAN_BYTES = 4096
"""HTML says a meta charset must sit in the first 1024 bytes; real pages overshoot."""

MIN_UTF16_NUL_SHARE = 0.3
"""Mostly-ASCII UTF-16 has a NUL in every other byte; real binaries scatter theirs."""

CHAOS_TOLERANCE = 0.1
"""charset-normalizer candidates this close to the best 'chaos' count as equally good."""

MAX_DECODED_JUNK_SHARE = 0.02
"""Share of U+FFFD/controls in a detected decoding above which we call it undecodable."""

MAX_JUNK_SHARE = 0.1
"""Share of U+FFFD/controls in any decoding above which it is undecodable: real text has
next to none, UTF-16 read as an 8-bit codec is up to half NULs."""

JUNK_WINDOW_CHARS = 2048
"""Window for the local junk test: a long UTF-8 article with a UTF-16 tail is garbled
where it matters even when the share over the whole text stays low."""

MAX_WINDOW_JUNK_SHARE = 0.3
"""Share of junk in one window above which that stretch did not decode."""

MAX_TAG_DEPTH = 5000
"""Real pages nest a few hundred deep even with unclosed tags; 100,000 is an attack."""

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


@dataclass(slots=True, frozen=True)
class Failure:
    """Why bytes could not be decoded: a `schemas.Reject` without its source."""

    reason: str
    detail: str


def sniff_markup(data: str | bytes, name: str = "") -> Literal["html", "text"]:
    """Tell an HTML page from a plain-text dump by its head (the one html/text test).

    Args:
        data: the page as text, or its bytes (any encoding; only the head is probed).
        name: a file or member name; an HTML extension breaks the tie.
    """
    head = data[:SNIFF_BYTES]
    probe = head if isinstance(head, str) else _probe_text(bytes(head))
    return "html" if _looks_like_html(probe, name) else "text"


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
    return _checked(_decode_any(data, declared))


def _decode_any(data: bytes, declared: str | None) -> tuple[str, str] | Failure:
    """Steps 1-7 of the module docstring, first that applies."""
    for bom, encoding in BOMS:
        if data.startswith(bom):
            return _decode_bom(data[len(bom) :], encoding)
    utf16 = utf16_without_bom(data[:SNIFF_BYTES])
    for label in (utf16, declared, declared_charset(data), "utf-8"):
        decoded = _decode_declared(data, label)
        if decoded is not None:
            return decoded
    return _detect(data)


def _checked(decoded: tuple[str, str] | Failure) -> tuple[str, str] | Failure:
    """Refuse a decoding that is mostly junk, overall or in one stretch of the text.

    Junk is U+FFFD and C0/C1 controls: UTF-16 read as an 8-bit codec is half NULs.
    """
    if isinstance(decoded, Failure):
        return decoded
    text, encoding = decoded
    junk = [m.start() for m in _JUNK.finditer(text)]
    if not junk:
        return decoded
    share = len(junk) / len(text)
    if share > MAX_JUNK_SHARE:
        return Failure("undecodable", f"{encoding} decoding is {share:.0%} junk characters")
    window = JUNK_WINDOW_CHARS
    most = MAX_WINDOW_JUNK_SHARE * window
    for i, start in enumerate(junk):  # junk[i:j] within one window starting at `start`
        j = bisect.bisect_left(junk, start + window, i)
        if j - i > most:
            detail = (
                f"{encoding} decoding is {(j - i) / window:.0%} junk characters"
                f" from character {start} on (mixed encodings?)"
            )
            return Failure("undecodable", detail)
        if j == len(junk):
            break
    return decoded


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


def utf16_without_bom(head: bytes) -> str | None:
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
    utf16 = utf16_without_bom(head)
    return head.decode(utf16 or "latin-1", "ignore")


def _looks_like_html(probe: str, name: str) -> bool:
    """HTML if it opens like markup or names html/head/body early; ext breaks ties."""
    if _HTML_START.match(probe) or _HTML_ANYWHERE.search(probe):
        return True
    return name.lower().endswith(HTML_EXTENSIONS) and _ANY_TAG.search(probe) is not None


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
    if name.startswith(("utf_16", "utf_32")) and not utf16_without_bom(data[:SNIFF_BYTES]):
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

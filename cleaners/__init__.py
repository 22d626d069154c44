"""Pure cleaners: a page (text dump or HTML) in, a `schemas.Cleaned` record out.

No file or network I/O at call time and no prefect/duckdb imports; the only package
data read is the shipped line model and jusText's stoplists, once, lazily.
"""

from __future__ import annotations

from typing import Literal

from cleaners.decode import Failure, decode, sniff_markup
from cleaners.html import clean_html
from cleaners.lines import classify_lines, clean_text, revise_labels
from cleaners.options import CleanOptions
from cleaners.templates import find_template_lines, line_key
from schemas import Cleaned

__all__ = [
    "CleanOptions",
    "classify_lines",
    "clean",
    "clean_html",
    "clean_text",
    "find_template_lines",
    "line_key",
    "revise_labels",
    "sniff_markup",
]


def clean(
    data: str | bytes,
    *,
    fmt: Literal["auto", "text", "html"] = "auto",
    url: str | None = None,
    options: CleanOptions | None = None,
    template_lines: frozenset[str] = frozenset(),
) -> Cleaned:
    """Clean a page whatever its markup: `fmt="auto"` sniffs HTML vs text.

    Args:
        data: the page; bytes are decoded by `cleaners.decode.decode`, the readers'
            decoder (BOM, meta charset, UTF-8, then detection); undecodable bytes
            give an empty text with a note saying why.
        fmt: "text" for a text dump, "html" for markup, "auto" to sniff exactly as
            the readers do (`cleaners.decode.sniff_markup`).
        url: the page URL when known.
        options: thresholds; `CleanOptions()` when None.
        template_lines: keys of the site's chrome lines, removed as `site_template`.
    """
    if isinstance(data, bytes | bytearray | memoryview):
        decoded = decode(bytes(data))
        if isinstance(decoded, Failure):
            return Cleaned(text="", notes=(f"{decoded.reason}: {decoded.detail}",))
        text = decoded[0]
    else:
        text = str(data)
    kind = sniff_markup(text) if fmt == "auto" else fmt
    if kind == "html":
        return clean_html(text, url=url, options=options, template_lines=template_lines)
    return clean_text(text, url=url, options=options, template_lines=template_lines)

"""Pure cleaners: a page (text dump or HTML) in, a `schemas.Cleaned` record out.

No file or network I/O at call time and no prefect/duckdb imports; the only package
data read is the shipped line model and jusText's stoplists, once, lazily.
"""

from __future__ import annotations

from typing import Literal

from cleaners.html import clean_html, sniff_markup
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


def _decode(data: bytes) -> str:
    """Best-effort bytes -> str for direct API use; the pipeline decodes at the edge."""
    for encoding in ("utf-8", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


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
        data: the page; bytes are decoded as UTF-8 (then cp1252, then latin-1).
        fmt: "text" for a text dump, "html" for markup, "auto" to sniff.
        url: the page URL when known.
        options: thresholds; `CleanOptions()` when None.
        template_lines: keys of the site's chrome lines, removed as `site_template`.
    """
    text = _decode(data) if isinstance(data, bytes | bytearray | memoryview) else str(data)
    kind = sniff_markup(text) if fmt == "auto" else fmt
    if kind == "html":
        return clean_html(text, url=url, options=options, template_lines=template_lines)
    return clean_text(text, url=url, options=options, template_lines=template_lines)

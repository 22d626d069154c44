"""Pure cleaners: a page (text dump or HTML) in, a `schemas.Cleaned` record out.

No file or network I/O at call time and no prefect/duckdb imports; the only package
data read is the shipped line model and jusText's stoplists, once, lazily.

The names exported here are imported on first use (PEP 562 `__getattr__`): the readers
need only `cleaners.decode` and `cleaners.metadata`, and a run that finds nothing new
to clean should not pay for the HTML cleaner (trafilatura, lxml) and the numba-compiled
line model, most of a second of start-up.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import TYPE_CHECKING, Any, Literal

from schemas import Cleaned

if TYPE_CHECKING:
    from cleaners.decode import sniff_markup
    from cleaners.html import clean_html
    from cleaners.lines import classify_lines, clean_text, revise_labels
    from cleaners.options import CleanOptions
    from cleaners.templates import find_template_lines, line_key

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

_EXPORTED_FROM = {
    "CleanOptions": "cleaners.options",
    "classify_lines": "cleaners.lines",
    "clean_html": "cleaners.html",
    "clean_text": "cleaners.lines",
    "find_template_lines": "cleaners.templates",
    "line_key": "cleaners.templates",
    "revise_labels": "cleaners.lines",
    "sniff_markup": "cleaners.decode",
}
"""Where each exported name lives; `from cleaners import clean_text` imports it then."""


def __getattr__(name: str) -> Any:
    module = _EXPORTED_FROM.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTED_FROM})


def clean(
    data: str | bytes,
    *,
    fmt: Literal["auto", "text", "html"] = "auto",
    url: str | None = None,
    options: CleanOptions | None = None,
    template_lines: frozenset[str] = frozenset(),
    site_template: Callable[[Cleaned], frozenset[str]] | None = None,
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
        site_template: text dumps (whose lines site templates are learned from): the
            template to clean the page with once its site is known (`clean_text`).
    """
    from cleaners.decode import Failure, decode, sniff_markup
    from cleaners.html import clean_html
    from cleaners.lines import clean_text

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
    return clean_text(
        text, url=url, options=options, template_lines=template_lines,
        site_template=site_template,
    )

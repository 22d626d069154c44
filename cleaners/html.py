"""The HTML cleaner: guard the markup, pre-prune chrome blocks, extract with
trafilatura, then run the extracted lines through the same line labelling as dumps.

`Cleaned.removed` line numbers for HTML are 1-based line numbers in the text that
trafilatura extracted (one paragraph, heading or list item per line), i.e. in the
text *before* line classification; lines trafilatura itself dropped are not listed.
"""

from __future__ import annotations

import re
from typing import Any

from cleaners.lines import assemble, label_dump, split_lines
from cleaners.metadata import html_metadata, site_from_url
from cleaners.options import DEFAULT_OPTIONS, MAX_HTML_DEPTH, MAX_INPUT_CHARS, CleanOptions
from schemas import Cleaned

CLEANER_NAME = "presswash-html"
CLEANER_VERSION = 1

_TAG = re.compile(
    r"</?(?:p|div|span|a|br|script|style|ul|li|table|h[1-6]|article|section|img)\b[^>]*>",
    re.IGNORECASE,
)
_TAG = re.compile(r"<(/?)([a-zA-Z][\w:-]*)([^<>]*?)(/?)>")
_VOID = frozenset(
    [
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "param",
        "source",
        "track",
        "wbr",
    ]
)

PRUNE_XPATH = (
    "//nav|//aside|//footer|//form"
    "|//*[@role='navigation' or @role='complementary' or @role='contentinfo']"
    "|//*[contains(@class,'related') or contains(@id,'related')]"
    "|//*[contains(@class,'newsletter') or contains(@class,'share-') or contains(@class,'social')]"
    "|//*[contains(@class,'recommend') or contains(@class,'most-popular') or contains(@class,'trending')]"  # noqa: E501
)
"""Blocks dropped before extraction: page chrome trafilatura sometimes lets through."""


def flatten_deep_markup(html: str, max_depth: int = MAX_HTML_DEPTH) -> str:
    """Drop open/close tags nested deeper than `max_depth` (their text stays).

    Linear in the input, so a page nested 100,000 deep costs one regex pass instead of
    a parser's recursion; pages within the limit are returned unchanged.
    """
    depth = 0
    deepest = 0
    for m in _TAG.finditer(html):
        if m[2].lower() in _VOID or m[4]:
            continue
        depth = depth - 1 if m[1] else depth + 1
        deepest = max(deepest, depth)
    if deepest <= max_depth:
        return html
    out: list[str] = []
    depth = 0
    last = 0
    for m in _TAG.finditer(html):
        if m[2].lower() in _VOID or m[4]:
            continue
        if m[1]:
            drop = depth > max_depth
            depth = max(0, depth - 1)
        else:
            depth += 1
            drop = depth > max_depth
        if drop:
            out.append(html[last : m.start()])
            out.append(" ")
            last = m.end()
    out.append(html[last:])
    return "".join(out)


def _extract(html: str, url: str | None, prune: bool) -> Any:
    """trafilatura's bare extraction (imported lazily: it is slow to import)."""
    import trafilatura

    kwargs: dict[str, Any] = {
        "url": url,
        # Metadata comes from `html_metadata` (meta tags, JSON-LD): trafilatura's own
        # metadata pass costs as much as the extraction.
        "with_metadata": False,
        "include_comments": False,
        "include_tables": True,
        # fast: no readability/jusText fallback comparison; measured on dev it is both
        # faster (67 vs 44 pages/s) and better (F1 0.960 vs 0.957 without comments).
        "fast": True,
    }
    if prune:
        kwargs["prune_xpath"] = PRUNE_XPATH
    try:
        return trafilatura.bare_extraction(html, **kwargs)
    except Exception:  # trafilatura raises assorted errors on broken markup; never ours to raise
        return None


def extract(html: str, url: str | None, options: CleanOptions) -> tuple[list[str], list[str]]:
    """Guard the markup and run trafilatura; return the extracted text's lines and notes."""
    html = flatten_deep_markup(html[:MAX_INPUT_CHARS])
    doc = _extract(html, url, options.html_prune)
    notes: list[str] = []
    if options.html_prune and (doc is None or len(doc.text or "") < options.guard_min_body_chars):
        unpruned = _extract(html, url, False)
        if unpruned is not None and len(unpruned.text or "") > len(getattr(doc, "text", "") or ""):
            notes.append("guard: pre-pruning left too little text; extracted the unpruned page")
            doc = unpruned
    text = (doc.text or "") if doc is not None else ""
    return split_lines(text), notes


def clean_html(
    html: str,
    *,
    url: str | None = None,
    options: CleanOptions | None = None,
    template_lines: frozenset[str] = frozenset(),
) -> Cleaned:
    """Clean an HTML news page into its article body and metadata.

    Args:
        html: the page markup.
        url: the page URL when known (helps trafilatura and fills `site`).
        options: thresholds; `CleanOptions()` when None.
        template_lines: keys of the site's chrome lines, removed as `site_template`.
    """
    options = options or DEFAULT_OPTIONS
    if not isinstance(html, str):
        html = str(html)
    lines, notes = extract(html, url, options)
    meta = html_metadata(html)
    labels, _head, more, language = label_dump(
        lines,
        options,
        language=options.language or meta.language,
        template_lines=template_lines,
        url=url,
        find_metadata=False,
        kind="html",
    )
    notes.extend(more)
    body, removed = assemble(labels)
    return Cleaned(
        text=body,
        title=meta.title,
        author=meta.author,
        published_at=meta.published_at,
        site=site_from_url(url) or meta.site,
        url=url,
        language=language,
        removed=removed,
        cleaner=f"{CLEANER_NAME}/{CLEANER_VERSION}",
        notes=tuple(notes),
    )

"""The HTML cleaner: guard the markup, pre-prune chrome blocks, extract with
trafilatura, then run the extracted lines through the same line labelling as dumps.

`Cleaned.removed` line numbers for HTML are 1-based line numbers in the text that
trafilatura extracted (one paragraph, heading or list item per line), i.e. in the
text *before* line classification; lines trafilatura itself dropped are not listed.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
from lxml import etree

from cleaners.lines import Labels, assemble, label_dump, normalise_text
from cleaners.metadata import html_metadata, site_key
from cleaners.options import (
    DEFAULT_OPTIONS,
    MAX_HTML_DEPTH,
    MAX_INPUT_CHARS,
    MAX_LINE_CHARS,
    MAX_LINES,
    CleanOptions,
)
from cleaners.teasers import teaser_lines
from cleaners.templates import line_key
from schemas import Cleaned

CLEANER_NAME = "presswash-html"
CLEANER_VERSION = 1

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

PRUNE_TAGS = frozenset(["nav", "aside", "footer", "form"])
"""Elements dropped before extraction (`prune_chrome`): page chrome by their tag."""

PRUNE_ROLES = frozenset(["navigation", "complementary", "contentinfo", "dialog", "alertdialog"])
"""... by their ARIA `role` (the same chrome marked on a `div`; a dialog is a modal the page
opens over itself: a sign-up box, a video player's caption settings)."""

PRUNE_CLASS = re.compile(
    r"related|newsletter|share-|social|recommend|popular|trending|latest-news|most-read"
    r"|more-stories|top-stories|vjs-|video-js|jw-"
)
"""... by a part of their `class`: related stories, sign-up and share widgets, lists of
other stories ("most popular", "latest news", "most read"), and a video player's controls
and dialogs (video.js `vjs-`, JW Player `jw-`: "descriptions off, selected", "This is a
modal window."). Matched in the lower-cased class: class names are often capitalised
(`Newsletter-stateFail`)."""

HOVER_CARD_CLASS = re.compile(r"rollover|popover|tooltip|hovercard|hover-card")
"""A card that pops up over a link in the text (a person's name with their latest
headlines, a term's definition). The innermost element of these classes that is not a link
is dropped: the card, while the link it pops up from stays in its sentence ("Rep. Ilhan
Omar (D-Minn.)", not "Rep. Ilhan OmarIlhan OmarHillicon Valley: ... (D-Minn.)"). Matched in the
lower-cased class, as `PRUNE_CLASS`."""

_CLASS_WORDS = re.compile(f"{PRUNE_CLASS.pattern}|{HOVER_CARD_CLASS.pattern}")
"""Either kind of class word: one search rules out the classes of most elements."""

PRUNE_ID_PARTS = ("related",)
"""... by a part of their `id`."""

WRAPPER_TEXT_SHARE = 0.5
"""A chrome-looking block holding more than this share of the page's text, or of its
paragraph (`<p>`) text, is a layout wrapper or the article's own container (ASP.NET's
page-wide `<form>`, a `class="story social-share"` around the article), not chrome: it is
kept, as trafilatura keeps such a form (`htmlprocessing._handle_forms`, the same half). The
paragraphs count apart because a page's link lists can outweigh its article."""

_RAW_TEXT_TAGS = ("script", "style")
"""Elements whose text is code, left out of a block's text share."""


_RAW_TEXT = frozenset(["script", "style", "textarea", "title", "xmp", "template"])
"""Elements whose content is text, not markup: tags inside them are not nesting."""

_SIBLING_CLOSES: dict[str, frozenset[str]] = {
    "p": frozenset(["p"]),
    "li": frozenset(["li", "p"]),
    "dt": frozenset(["dt", "dd", "p"]),
    "dd": frozenset(["dt", "dd", "p"]),
    "tr": frozenset(["tr", "td", "th", "p"]),
    "td": frozenset(["td", "th", "p"]),
    "th": frozenset(["td", "th", "p"]),
    "option": frozenset(["option"]),
}
"""An opening tag that implicitly closes the open elements listed (HTML's optional end tags,
the cases pages rely on): `<li>a<li>b` are siblings, not nested."""

_BLOCKS = frozenset(
    [
        *("address", "article", "aside", "blockquote", "div", "dl", "fieldset", "figure"),
        *("footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "main"),
        *("nav", "ol", "p", "pre", "section", "table", "ul"),
    ]
)
"""Block elements whose opening tag closes an open `<p>`."""

_MARKUP = re.compile(r"<!--.*?(?:-->|$)|<(/?)([a-zA-Z][\w:-]*)([^<>]*)>", re.DOTALL)
"""A comment, or a tag: end-tag slash, name, the rest (a self-closed tag's ends in "/").
The rest is matched greedily, not as `([^<>]*?)(/?)`: the same tags, and the lazy form
cost 2.7 of `_nesting`'s 3.0 ms a page on article dev."""


_RAW_END = {name: re.compile(rf"</{name}\s*>", re.IGNORECASE) for name in _RAW_TEXT}
"""The end tag of each raw-text element, where its text stops."""

_CLOSES: dict[str, frozenset[str]] = {
    **dict.fromkeys(_BLOCKS, _SIBLING_CLOSES["p"]),
    **_SIBLING_CLOSES,
}
"""The open elements an opening tag implicitly closes (`_SIBLING_CLOSES`, and `<p>` for any
block)."""


def _nesting(html: str, max_depth: int) -> list[tuple[int, int]] | None:
    """The (start, end) spans of the tags sitting deeper than `max_depth`, or None when no
    element is nested that deep.

    Depth is the real element nesting a parser would build, not a count of opening tags:
    end tags close the element they name (and whatever is still open inside it), stray
    end tags close nothing, `<li>`/`<p>`/`<td>`... close their open siblings, void and
    self-closed tags open nothing, and comments and script/style text are not markup.
    """
    stack: list[str] = []
    open_count: dict[str, int] = {}
    deep: list[tuple[int, int]] | None = None
    # One scan of the page, restarted after each raw-text element's text (a `<!--` or a
    # tag-like string inside a script is not markup).
    tags = _MARKUP.finditer(html)
    while (m := next(tags, None)) is not None:
        slash, name, rest = m.groups()
        if name is None:  # a comment
            continue
        name = name.lower()
        if slash:  # an end tag
            if not open_count.get(name):
                continue
            while stack:
                top = stack.pop()
                open_count[top] -= 1
                if len(stack) >= max_depth and top == name:
                    deep = deep if deep is not None else []
                    deep.append(m.span())
                if top == name:
                    break
            continue
        if name in _VOID or rest.endswith("/"):
            continue
        if name in _RAW_TEXT:  # holds no elements: its text is skipped, the tag kept
            m_end = _RAW_END[name].search(html, m.end())
            if m_end is None:
                break
            tags = _MARKUP.finditer(html, m_end.start())
            continue
        closes = _CLOSES.get(name)
        while closes and stack and stack[-1] in closes:
            open_count[stack.pop()] -= 1
        stack.append(name)
        open_count[name] = open_count.get(name, 0) + 1
        if len(stack) > max_depth:
            deep = deep if deep is not None else []
            deep.append(m.span())
    return deep


def flatten_deep_markup(html: str, max_depth: int = MAX_HTML_DEPTH) -> str:
    """Drop the open/close tags of elements nested deeper than `max_depth` (their text stays).

    Linear in the input, so a page nested 100,000 deep costs one regex pass instead of
    a parser's recursion; pages within the limit (in real nesting, see `_nesting`) are
    returned unchanged.
    """
    deep = _nesting(html, max_depth)
    if not deep:
        return html
    out: list[str] = []
    last = 0
    for start, end in sorted(deep):
        out.append(html[last:start])
        out.append(" ")
        last = end
    out.append(html[last:])
    return "".join(out)


DEPTH_PROBE = MAX_HTML_DEPTH // 2
"""A parsed tree with an element this deep is flattened (`flatten_deep_markup`) and parsed
again: libxml2 stops a page at depth 255, so a deeper page comes out cut and at least this
deep; real pages are not (at most 51 on both dev sets, where flattening changes none)."""

_DEEP_PROBE = etree.XPath("boolean(/" + "*/" * DEPTH_PROBE + "*)")
"""True when the tree has an element `DEPTH_PROBE` levels under its root: one pass over the
elements (0.3 ms a dev page, against 3 ms for `flatten_deep_markup`'s scan of the markup)."""


def parse(html: str) -> Any:
    """The page as trafilatura parses it (an lxml tree), or None when it is not HTML."""
    from trafilatura.utils import load_html

    try:
        return load_html(html)
    except Exception:  # lxml and trafilatura raise assorted errors on broken markup
        return None


def _extract(html: Any, url: str | None) -> Any:
    """trafilatura's bare extraction of a page (markup or its parsed tree, which is not
    modified); trafilatura is imported lazily: it is slow to import."""
    import trafilatura

    try:
        return trafilatura.bare_extraction(
            html,
            url=url,
            # Metadata comes from `html_metadata` (meta tags, JSON-LD): trafilatura's own
            # metadata pass costs as much as the extraction.
            with_metadata=False,
            include_comments=False,
            include_tables=True,
            # Standard mode: when trafilatura's own pass picks the wrong block (a form, a
            # promo strip, only the standfirst) or comes out short against the page's prose,
            # it compares with readability/jusText and re-extracts. Fast mode skips that check
            # and so loses whole articles off the benchmark pages it was measured on.
            fast=False,
        )
    except Exception:  # trafilatura raises assorted errors on broken markup; never ours to raise
        return None


HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden")
"""An inline `style` that hides an element: the page never shows it (a schema.org metadata
block repeating the headline, dates and image URLs; a sign-up form's later states), as
Mozilla Readability drops invisible nodes. Matched in the lower-cased style. The wrapper rule
still keeps a hidden block with most of the page's text (an article a script reveals)."""


def _hover_card(element: Any) -> bool:
    css = element.get("class")
    return css is not None and HOVER_CARD_CLASS.search(css.lower()) is not None


def _chrome(element: Any) -> bool:
    """Whether an element is a chrome block by its tag, role, class or id (`PRUNE_TAGS`...),
    or the innermost element of a hover card (`HOVER_CARD_CLASS`)."""
    if element.tag in PRUNE_TAGS:
        return True
    get = element.get
    if get("role") in PRUNE_ROLES:
        return True
    style = get("style")
    if style is not None and HIDDEN_STYLE.search(style.lower()):
        return True
    css = get("class")
    if css is not None and _CLASS_WORDS.search(css := css.lower()):
        if PRUNE_CLASS.search(css):
            return True
        if element.tag != "a" and HOVER_CARD_CLASS.search(css):  # the link stays
            return not any(_hover_card(e) for e in element.iterdescendants(etree.Element))
    ident = get("id")
    return ident is not None and any(part in ident for part in PRUNE_ID_PARTS)


def _text_chars(element: Any) -> tuple[int, int]:
    """Characters of an element's text (its scripts and styles left out) and of the
    paragraphs (`<p>`) in it."""
    code = sum(len(e.text or "") for e in element.iter(*_RAW_TEXT_TAGS))
    paragraphs = sum(len(p.text_content()) for p in element.iter("p"))
    return len(element.text_content()) - code, paragraphs


def prune_chrome(tree: Any) -> int:
    """Drop the page's chrome blocks (`_chrome`) from a parsed page, in place, before
    trafilatura sees it; return how many were dropped.

    trafilatura's own cleaning removes most of these from its main pass anyway; its
    fallbacks (readability, jusText, the baseline) read the raw tree, and every stage is
    faster on the smaller tree (article dev: 43 -> 33 ms a page). A block holding more than
    `WRAPPER_TEXT_SHARE` of the page's text or paragraph text is kept (a layout wrapper, or
    the article's container). A dropped block's tail text stays, as trafilatura's
    `prune_xpath` leaves it.
    """
    blocks = [e for e in tree.iter(etree.Element) if _chrome(e)]
    if not blocks:
        return 0
    text, paragraphs = _text_chars(tree)
    dropped: set[Any] = set()
    for block in blocks:
        parent = block.getparent()
        if parent is None or any(a in dropped for a in block.iterancestors()):
            continue  # the root, or inside a block already dropped
        own_text, own_paragraphs = _text_chars(block)
        if (
            own_text > WRAPPER_TEXT_SHARE * text
            or own_paragraphs > WRAPPER_TEXT_SHARE * paragraphs
        ):
            continue
        if block.tail:
            previous = block.getprevious()
            if previous is None:
                parent.text = (parent.text or "") + block.tail
            else:
                previous.tail = (previous.tail or "") + block.tail
        parent.remove(block)
        dropped.add(block)
    return len(dropped)


def extract(html: str, url: str | None, options: CleanOptions) -> tuple[list[str], list[str]]:
    """Guard the markup and run trafilatura; return the extracted text's lines and notes."""
    lines, notes, _ = extract_page(html, url, options)
    return lines, notes


def extract_page(
    html: str, url: str | None, options: CleanOptions
) -> tuple[list[str], list[str], frozenset[str]]:
    """Guard the markup, parse it once, find its teaser cards and run trafilatura on the
    tree; return the extracted text's lines, notes and the teaser keys
    (`cleaners.teasers.teaser_lines`)."""
    html = html[:MAX_INPUT_CHARS]
    tree = parse(html)
    if tree is None or _DEEP_PROBE(tree):
        html = flatten_deep_markup(html)
        tree = parse(html)
    teasers = teaser_lines(tree)
    notes: list[str] = []
    pruned = tree is not None and options.html_prune and prune_chrome(tree) > 0
    doc = _extract(tree if tree is not None else html, url)
    if pruned and (doc is None or len(doc.text or "") < options.guard_min_body_chars):
        # The tree was pruned in place: parse the page again (cheaper than keeping a
        # copy of every page's tree for the few that need it).
        unpruned = _extract(parse(html), url)
        if unpruned is not None and len(unpruned.text or "") > len(getattr(doc, "text", "") or ""):
            notes.append("guard: pre-pruning left too little text; extracted the unpruned page")
            doc = unpruned
    text = normalise_text((doc.text or "") if doc is not None else "")
    # Not `split_lines`: it cuts a long line, and the extractor's long lines are prose.
    lines = wrap_long_lines(text[:MAX_INPUT_CHARS].split("\n"))[:MAX_LINES]
    return lines, notes, teasers


def wrap_long_lines(lines: list[str], limit: int = MAX_LINE_CHARS) -> list[str]:
    """The extractor's lines with each one over `limit` characters broken at its last spaces
    before the limit, so no text is lost to the line cap (`split_lines` cuts a dump's long
    line: there it is a blob; from the extractor it is prose, e.g. a table-layout page's whole
    article in one cell). A run with no space is cut at the limit."""
    if all(len(line) <= limit for line in lines):
        return lines
    out: list[str] = []
    for line in lines:
        while len(line) > limit:
            cut = line.rfind(" ", 0, limit + 1)
            cut = cut if cut > 0 else limit
            out.append(line[:cut])
            line = line[cut:].lstrip(" ")
        out.append(line)
    return out


def name_title_lines(labels: Labels, title: str | None) -> None:
    """Call a removed line that repeats the page's title `duplicate_title`, not the generic
    reason it got for sitting before the body (a headline is not a menu): the line is the
    title, or one holds the other (a `<title>` cut short, a headline with a site suffix)."""
    key = line_key(title) if title else ""
    if len(key) < TITLE_MIN_KEY_CHARS:
        return
    for j in np.flatnonzero(~labels.keep).tolist():
        if labels.reason[j] not in GENERIC_REASONS:
            continue
        line = line_key(labels.page.texts[j])
        if len(line) >= TITLE_MIN_KEY_CHARS and (line in key or key in line):
            labels.reason[j] = "duplicate_title"


TITLE_MIN_KEY_CHARS = 12
"""A title or line shorter than this (as a `line_key`) is too generic to call a repeat."""

TITLE_SCAN_LINES = 3
"""Kept lines at the top of the extractor's output looked at for the headline (a kicker or a
date line can come first)."""

TITLE_LINE_MAX_RATIO = 1.5
"""A kept line that holds the whole title is the headline only up to this many times the
title's length: a lead sentence that quotes a short title is not."""

TITLE_LINE_MAX_WORDS = 40
"""Longer lines are never the headline (as `cleaners.features.HEADLINE_MAX_WORDS`)."""


def drop_kept_headline(labels: Labels, title: str | None) -> None:
    """Remove the headline that the extractor put at the top of the body, as `duplicate_title`.

    Positive evidence, not a score: among the first `TITLE_SCAN_LINES` kept lines, the one
    that repeats the page's title (the title holds it, or it holds the whole title and is at
    most `TITLE_LINE_MAX_RATIO` as long) is the headline; it is the document's `title`, not
    its body, as a dump's headline is (`cleaners.metadata.find_head`). The only kept line
    is never removed. Revises `labels` in place.
    """
    key = line_key(title) if title else ""
    kept = np.flatnonzero(labels.keep)
    if len(key) < TITLE_MIN_KEY_CHARS or kept.size < 2:
        return
    for j in kept[:TITLE_SCAN_LINES].tolist():
        line = line_key(labels.page.texts[j])
        if (
            TITLE_MIN_KEY_CHARS <= len(line) <= TITLE_LINE_MAX_RATIO * len(key)
            and labels.page.words[j] <= TITLE_LINE_MAX_WORDS
            and (line in key or key in line)
        ):
            labels.keep[j], labels.reason[j] = False, "duplicate_title"
            return


GALLERY_COUNTER = re.compile(
    r"^[-–•*\s]*(?:(?:bild|foto|fotó|photo|image|picture|slide|фото)\s+)?"
    r"(\d{1,3})\s*(?:/|of|von|de|di|sur|из|z|ze)\s*(\d{1,3})(?![/.\d])",
    re.IGNORECASE,
)
"""A slideshow's counter opening a caption ("- 3/50 ...", "Bild 3 von 12", "Photo 3 of 12");
not a date ("2/26/2015")."""

GALLERY_MIN_SLIDES = 3
"""Consecutive slides (counters k, k+1, ... of one total) that make a slideshow: one "1 / 5"
line can be a pager or a list's heading."""


def drop_gallery_captions(labels: Labels) -> None:
    """Remove the captions of a slideshow that the extractor kept with the article, as
    `boilerplate`.

    Positive evidence, not a score: a run of at least `GALLERY_MIN_SLIDES` consecutive kept
    lines that open with a slide counter (`GALLERY_COUNTER`) counting up by one to the same
    total is a gallery widget's caption list ("- 1/50 United goin down ...", "- 2/50 ...").
    When the runs are all that is kept (the page is the slideshow), nothing is removed.
    Revises `labels` in place.
    """
    kept = np.flatnonzero(labels.keep).tolist()
    texts = labels.page.texts
    runs: list[list[int]] = []
    run: list[int] = []
    last: tuple[int, int] | None = None
    for j in kept:
        m = GALLERY_COUNTER.match(texts[j])
        slide = (int(m[1]), int(m[2])) if m and 0 < int(m[1]) <= int(m[2]) else None
        if slide and last and slide == (last[0] + 1, last[1]):
            run.append(j)
        else:
            if len(run) >= GALLERY_MIN_SLIDES:
                runs.append(run)
            run = [j] if slide else []
        last = slide
    if len(run) >= GALLERY_MIN_SLIDES:
        runs.append(run)
    captions = [j for r in runs for j in r]
    if not captions or len(captions) == len(kept):
        return
    for j in captions:
        labels.keep[j], labels.reason[j] = False, "boilerplate"


GENERIC_REASONS = frozenset(["navigation", "boilerplate"])
"""Reasons given for where a line sits rather than for what it says (see
`cleaners.lines.name_reasons`): a more specific one may replace them."""


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
        url: the page URL when known (helps trafilatura and fills `site`); else the
            page's own canonical / og:url is used. `site` is `site_key` of that URL (a
            name only without one); the page's own name for itself is `site_name`.
        options: thresholds; `CleanOptions()` when None.
        template_lines: keys of the site's chrome lines, removed as `site_template`.
    """
    options = options or DEFAULT_OPTIONS
    if not isinstance(html, str):
        html = str(html)
    lines, notes, teasers = extract_page(html, url, options)
    meta = html_metadata(html)
    url = url or meta.url
    labels, _head, more, language = label_dump(
        lines,
        options,
        language=options.language,
        language_hint=meta.language,
        template_lines=template_lines,
        teaser_lines=teasers,
        url=url,
        find_metadata=False,
        kind="html",
    )
    notes.extend(more)
    name_title_lines(labels, meta.title)
    drop_kept_headline(labels, meta.title)
    drop_gallery_captions(labels)
    body, removed = assemble(labels)
    return Cleaned(
        text=body,
        title=meta.title,
        author=meta.author,
        published_at=meta.published_at,
        site=site_key(url, meta.site_name),
        site_name=meta.site_name,
        url=url,
        language=language,
        removed=removed,
        cleaner=f"{CLEANER_NAME}/{CLEANER_VERSION}",
        notes=tuple(notes),
    )

"""Teaser cards: other stories' summaries that an extractor takes for the article's prose.

A "more stories" river, a video playlist or an opinion column strip is built of cards:
one container per story holding a heading that is all link (the other story's title,
pointing at it) and a paragraph or two of summary. Extractors drop the linked heading
(link-dense) and keep the summary (a plain `<p>` of real prose), so the article ends in
a run of well-formed paragraphs about unrelated stories; from the extracted lines alone
they look like body, which is why this is decided on the markup.

A card, as found here: a heading (h2-h6) whose text is at least `LINKED_SHARE` link text
and whose link points at another page (not a `#fragment`); its parent holds no other
heading and at most `CARD_MAX_PARAGRAPHS` paragraphs of at most `CARD_MAX_CHARS` in all.
Only a page with `MIN_CARDS` such cards has a teaser list: a listicle or a gift guide
("<h2><a>Product</a></h2><p>why</p>..." in one flowing container) never qualifies, since
its headings share a parent. The cleaner removes lines equal (by `line_key`) to a card's
paragraph as `related`.
"""

from __future__ import annotations

from typing import Any

from cleaners.templates import line_key

HEADINGS = ("h2", "h3", "h4", "h5", "h6")
"""A card's title heading; h1 is the page's own title."""

LINKED_SHARE = 0.9
"""Share of a heading's characters inside links that makes it a link to another story."""

CARD_MAX_PARAGRAPHS = 2
"""A teaser's summary is a paragraph or two; more under one heading is a section."""

CARD_MAX_CHARS = 600
"""... of at most this many characters (summaries are cut near 150-300)."""

MIN_CARDS = 3
"""Cards a page needs before they count as a teaser list: one or two linked headings with
a paragraph can be the article's own title and standfirst."""

MIN_KEY_CHARS = 12
"""A paragraph shorter than this (by key) is too generic to remove wherever it appears."""


def _text(element: Any) -> str:
    return " ".join(element.text_content().split())


def _linked_heading(heading: Any) -> bool:
    text = _text(heading)
    if not text:
        return False
    links = heading.xpath(".//a[@href]")
    if not links:
        return False
    href = (links[0].get("href") or "").strip().lower()
    if not href or href.startswith(("#", "javascript:")):
        return False
    linked = sum(len(_text(a)) for a in links)
    return linked >= LINKED_SHARE * len(text)


def teaser_lines(tree: Any) -> frozenset[str]:
    """`line_key`s of the teaser-card summaries of a parsed page (an lxml HTML tree).

    Args:
        tree: the page as lxml parsed it (not modified).
    """
    if tree is None:
        return frozenset()
    cards: list[list[str]] = []
    for heading in tree.iter(*HEADINGS):
        if not _linked_heading(heading):
            continue
        parent = heading.getparent()
        if parent is None:
            continue
        if sum(1 for child in parent if child.tag in HEADINGS or child.tag == "h1") != 1:
            continue
        paragraphs = [t for t in (_text(c) for c in parent if c.tag == "p") if t]
        if not paragraphs or len(paragraphs) > CARD_MAX_PARAGRAPHS:
            continue
        if sum(map(len, paragraphs)) > CARD_MAX_CHARS:
            continue
        cards.append(paragraphs)
    if len(cards) < MIN_CARDS:
        return frozenset()
    keys = (line_key(t) for paragraphs in cards for t in paragraphs)
    return frozenset(k for k in keys if len(k) >= MIN_KEY_CHARS)

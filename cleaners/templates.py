"""Site templates: lines that recur across many pages of one site are chrome.

`find_template_lines` looks at the raw text dumps of several pages from ONE site
and returns the keys of lines present on enough of them; the pipeline stores that
set per site and passes it to the cleaners, which remove matching lines with reason
`site_template`.

Guard (decided here, applied in `cleaners.lines`): a recurring line with
`TEMPLATE_BODY_WORDS` or more words is never returned, because chrome is short and a
long recurring paragraph is more likely a syndicated body (the same wire story on
many pages) than navigation; removing it could empty those pages.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence

from cleaners.options import TEMPLATE_BODY_WORDS, TEMPLATE_MIN_PAGES, TEMPLATE_MIN_SHARE

_NON_WORD = re.compile(r"[\W_]+")
_DIGITS = re.compile(r"\d+")

COPY_CHROME_SHARE = 0.8
"""A long line on this share of a site's pages is a standard disclaimer, not an article's
body, so it does not make two pages copies of one article. (When copies of one article are
this share of the pages, merging them all is right: there is no chrome to learn.)"""

MAX_KEY_CHARS = 200
"""Keys are cut here: a template line is short, and bounded keys keep the set small."""

TEMPLATE_SAMPLE_PAGES = 200
"""A site's template is learned from this many of its pages at most: the ones with the
smallest doc_id (a sha256, so a deterministic sample, independent of arrival order). A
template line must be on `TEMPLATE_MIN_SHARE` (30%) of the pages; on 200 pages a share's
standard error is at most 3.5 points, so chrome (on most pages) is always found and a line
on a fifth of them never is, while learning reads 200 pages however large the site grows."""


def line_key(line: str) -> str:
    """Normalise a line to its template key: NFKC, case-folded, digits -> '0', words only.

    Digits are folded so "© 1997-2023" and "© 1997-2024", or "9 hours ago" and "7 hours
    ago", share a key; punctuation and spacing are dropped so layout changes do not matter.
    """
    text = unicodedata.normalize("NFKC", line).casefold()
    text = _DIGITS.sub("0", text)
    return _NON_WORD.sub(" ", text).strip()[:MAX_KEY_CHARS]


def template_sample(doc_ids: Iterable[str], size: int = TEMPLATE_SAMPLE_PAGES) -> list[str]:
    """The pages a site's template is learned from: the `size` smallest doc_ids, sorted."""
    return sorted(set(doc_ids))[:size]


def short_line_keys(page: str, *, max_words: int = TEMPLATE_BODY_WORDS) -> set[str]:
    """The keys of a page's lines that a template could hold (shorter than `max_words`)."""
    keys = {line_key(line) for line in page.splitlines()}
    return {k for k in keys if k and len(k.split()) < max_words}


def key_hash(key: str) -> int:
    """A stable 64-bit hash of a line key, to index which pages hold which keys."""
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "little")


def key_hashes(keys: Iterable[str]) -> tuple[int, ...]:
    """The sorted, distinct `key_hash`es of these keys (a `template_pages` row's list)."""
    return tuple(sorted({key_hash(k) for k in keys}))


def find_template_lines(
    pages: Sequence[str],
    *,
    min_pages: int = TEMPLATE_MIN_PAGES,
    min_share: float = TEMPLATE_MIN_SHARE,
    max_words: int = TEMPLATE_BODY_WORDS,
) -> frozenset[str]:
    """Keys of lines that recur across enough of one site's pages to be chrome.

    Args:
        pages: raw text dumps (or HTML-extracted texts) of pages from one site.
        min_pages: a key must occur on at least this many distinct pages.
        min_share: ... and on at least this share of the pages.
        max_words: keys with this many words or more are never chrome (see module doc).
    """
    if len(pages) < min_pages:
        return frozenset()
    key_sets = [{line_key(line) for line in page.splitlines()} - {""} for page in pages]
    distinct = merge_copies(key_sets, long_words=max_words)
    counts: Counter[str] = Counter()
    for keys in distinct:
        counts.update(keys)
    need = max(min_pages, min_share * len(distinct))
    return frozenset(key for key, n in counts.items() if n >= need and len(key.split()) < max_words)


def merge_copies(key_sets: Sequence[set[str]], *, long_words: int) -> list[set[str]]:
    """Merge the line-key sets of pages that carry the same article body.

    A page fetched three times (a scraper's re-runs, AMP and canonical copies) is one
    article: counted three times, its own short lines (subheadings, a dateline) would
    recur "across pages" and be taken for chrome. Pages are one article when their long
    lines (`long_words` words or more) are the same, leaving out long lines found on
    `COPY_CHROME_SHARE` of all pages (a long standard disclaimer is chrome, not body).
    Pages without such long lines are left alone.
    """
    long_counts: Counter[str] = Counter()
    for keys in key_sets:
        long_counts.update(k for k in keys if len(k.split()) >= long_words)
    common = max(2.0, COPY_CHROME_SHARE * len(key_sets))
    merged: dict[frozenset[str] | int, set[str]] = {}
    for i, keys in enumerate(key_sets):
        body = frozenset(
            k for k in keys if len(k.split()) >= long_words and long_counts[k] < common
        )
        merged.setdefault(body or i, set()).update(keys)
    return list(merged.values())

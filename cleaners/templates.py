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

import re
import unicodedata
from collections import Counter
from collections.abc import Sequence

from cleaners.options import TEMPLATE_BODY_WORDS, TEMPLATE_MIN_PAGES, TEMPLATE_MIN_SHARE

_NON_WORD = re.compile(r"[\W_]+")
_DIGITS = re.compile(r"\d+")

MAX_KEY_CHARS = 200
"""Keys are cut here: a template line is short, and bounded keys keep the set small."""


def line_key(line: str) -> str:
    """Normalise a line to its template key: NFKC, case-folded, digits -> '0', words only.

    Digits are folded so "© 1997-2023" and "© 1997-2024", or "9 hours ago" and "7 hours
    ago", share a key; punctuation and spacing are dropped so layout changes do not matter.
    """
    text = unicodedata.normalize("NFKC", line).casefold()
    text = _DIGITS.sub("0", text)
    return _NON_WORD.sub(" ", text).strip()[:MAX_KEY_CHARS]


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
    counts: Counter[str] = Counter()
    for page in pages:
        keys = {line_key(line) for line in page.splitlines()}
        keys.discard("")
        counts.update(keys)
    need = max(min_pages, min_share * len(pages))
    return frozenset(key for key, n in counts.items() if n >= need and len(key.split()) < max_words)

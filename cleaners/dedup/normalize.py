"""Text normalisation shared by every dedup level, and the exact-duplicate key.

Two copies of a wire story differ in ways a reader never sees: NFKC forms (ligatures,
full-width digits, no-break spaces), case, typographic vs straight quotes, en/em dashes
vs hyphens, zero-width characters and line wrapping. `normalize` maps all of those to one
form so that exact keys and shingles only see wording.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

_QUOTES_DASHES: dict[str, str] = {
    **dict.fromkeys("\u2018\u2019\u201a\u201b\u2032\u00b4", "'"),
    **dict.fromkeys("\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb\u2039\u203a", '"'),
    **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u2e3a\u2e3b", "-"),
    # invisible characters that survive NFKC and split or glue words at random
    **dict.fromkeys("\u00ad\u200b\u200c\u200d\u2060\ufeff", ""),
}
# a regex with a lookup is ~14x faster than str.translate with a dict on 3 KB texts
_QUOTES_DASHES_RE = re.compile("[" + "".join(_QUOTES_DASHES) + "]")


def _map_quotes_dashes(text: str) -> str:
    return _QUOTES_DASHES_RE.sub(lambda m: _QUOTES_DASHES[m.group()], text)


def normalize_words(text: str) -> str:
    """`normalize` without the whitespace step: the same words, cheaper.

    Tokenisers that split on non-word characters (shingling) see exactly the words of
    `normalize(text)`. ASCII text only needs lower-casing (NFKC and the quote map leave
    its letters alone), which is the common case and ~10x faster.
    """
    if text.isascii():
        return text.lower()
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    return _map_quotes_dashes(text.casefold())


def normalize(text: str) -> str:
    """Return `text` in the canonical form used for exact keys and shingling.

    NFKC, then case-folded, typographic quotes and dashes mapped to ASCII, invisible
    characters dropped, and every run of whitespace (newlines included) collapsed to a
    single space, so re-wrapping a paragraph does not change its key.

    Args:
        text: any text, typically a cleaned article body.
    """
    return " ".join(normalize_words(text).split())


def exact_key(text: str) -> str:
    """Return the sha256 hex digest of `normalize(text)`: equal keys are exact duplicates.

    Args:
        text: any text, typically a cleaned article body.
    """
    return hashlib.sha256(normalize(text).encode("utf-8")).hexdigest()

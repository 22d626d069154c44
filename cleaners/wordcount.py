"""How many words an article has, in any script: `articles.n_words`.

Splitting on whitespace gives an 809-character Japanese article 17 "words". The rule here:

- Han ideographs and kana: each character is one word (how word processors count CJK,
  which writes no spaces between words).
- Thai, Lao, Khmer and Myanmar, also written without spaces but with longer words: a run
  of their letters counts as one word per `SEA_LETTERS_PER_WORD` letters, rounded up
  (combining vowel and tone marks are not letters).
- Everything else: each whitespace-separated token with at least one word character
  (`\\w`, as Python's `re` decides) is one word, so "don't" is one word and a lone dash
  none; Latin, Cyrillic, Greek, Arabic, Hebrew and (spaced) Hangul count as before.
"""

from __future__ import annotations

import re
import unicodedata

SEA_LETTERS_PER_WORD = 4
"""An estimate, not a segmenter: dictionary-segmented Thai averages about four letters a
word, close enough for a size column; a precise count would need a word list per language."""

_CJK = re.compile(
    "[\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f"
    "\U00020000-\U0003134f]"
)
_SEA_RUN = re.compile("[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff]+")
_WORD_CHAR = re.compile(r"\w")


def count_words(text: str) -> int:
    """Words in `text` by the rule in the module docstring."""
    n = len(_CJK.findall(text))
    rest = _CJK.sub(" ", text)
    for run in _SEA_RUN.findall(rest):
        letters = sum(1 for ch in run if not unicodedata.category(ch).startswith("M"))
        n += -(-letters // SEA_LETTERS_PER_WORD)
    rest = _SEA_RUN.sub(" ", rest)
    return n + sum(1 for token in rest.split() if _WORD_CHAR.search(token))

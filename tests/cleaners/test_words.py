"""The compiled word counters give exactly what the Python spelling of them gives."""

import re
from collections import Counter
from itertools import chain, islice

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaners.features import _CLOSER_CODES, _CLOSERS, _TERMINAL_CODES, _TERMINALS
from cleaners.language import language_of_counts, stoplist
from cleaners.words import (
    char_codes,
    count_words,
    detect_sample_language,
    stopword_table,
    word_table,
)

_WORD = re.compile(r"\w+")

# Words from several stoplists, punctuation that closes or ends sentences, odd code points
# (combining marks, CJK, an astral emoji, a lone surrogate) and digits.
_PIECES = [
    "the", "and", "of", "der", "und", "и", "в", "не", "que", "de", "la", "news", "Home",
    "İstanbul", "straße", "東京", "😀", "\ud800", "e\u0301", "x_y", "٣", "²", "ǅ",
    ".", "!", "?", "…", '"', "'", "”", "’", "»", ")", "]", ",", " ", "  ", "-",
]  # fmt: skip

lines = st.lists(st.sampled_from(_PIECES), max_size=12).map("".join)


def _python_counts(
    page: list[str], stopwords: frozenset[str]
) -> tuple[list[int], list[int], list[bool]]:
    words = [_WORD.findall(line) for line in page]
    return (
        [len(w) for w in words],
        [sum(x in stopwords for x in w) for w in words],
        [line.rstrip(_CLOSERS)[-1:] in _TERMINALS for line in page],
    )


@settings(max_examples=300, deadline=None)
@given(st.lists(lines, min_size=1, max_size=6), st.sampled_from(["en", "de", "ru", "es"]))
def test_count_words_matches_findall_and_the_stoplist(page: list[str], language: str) -> None:
    low = "\n".join(page).lower()
    lowered = low.split("\n")
    stopwords = stoplist(language)
    words, stops, ends = count_words(
        char_codes(low),
        np.array([len(line) for line in lowered], dtype=np.int64),
        word_table(),
        stopword_table(stopwords),
        _CLOSER_CODES,
        _TERMINAL_CODES,
    )
    assert (words.tolist(), stops.tolist(), ends.tolist()) == _python_counts(lowered, stopwords)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.lists(st.sampled_from(_PIECES[:13]), max_size=40).map(" ".join), max_size=30),
    st.integers(0, 5),
    st.integers(0, 120),
)
def test_language_sample_matches_language_of_counts(
    page: list[str], skip: int, sample_words: int
) -> None:
    low = "\n".join(page).lower()
    lowered = low.split("\n")
    skip = min(skip, len(lowered))
    start = sum(len(line) + 1 for line in lowered[:skip])
    words = chain.from_iterable(map(_WORD.findall, lowered[skip:]))
    expected = language_of_counts(Counter(islice(words, sample_words)))
    assert detect_sample_language(char_codes(low), start, sample_words) == expected


def test_language_sample_uses_only_the_most_common_words_of_a_varied_page() -> None:
    # Over 400 distinct words: language_of_counts looks at the 200 most common only.
    varied = " ".join(f"w{i}" for i in range(450))
    page = f"{varied} " + "the and of to in " * 30 + "der und die das " * 20
    low = page.lower()
    expected = language_of_counts(Counter(_WORD.findall(low)[:800]))
    assert len(set(_WORD.findall(low)[:800])) > 400
    assert detect_sample_language(char_codes(low), 0, 800) == expected

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
    _CJK_RANGES,
    CJK_CHARS_PER_WORD,
    CJK_FUNCTION_CHARS,
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
    "İstanbul", "straße", "東京", "のは", "的", "這個", "カタカナ", "中文abc",
    "😀", "\ud800", "e\u0301", "x_y", "٣", "²", "ǅ",
    ".", "!", "?", "…", "。", "！", "」", '"', "'", "”", "’", "»", ")", "]", ",", " ", "  ", "-",
]  # fmt: skip

lines = st.lists(st.sampled_from(_PIECES), max_size=12).map("".join)


def _cjk_chars(word: str) -> tuple[int, int]:
    """(CJK characters, CJK function characters) in a word, as `count_words` defines them."""
    chars = [c for c in word if any(lo <= ord(c) <= hi for lo, hi in _CJK_RANGES)]
    return len(chars), sum(c in CJK_FUNCTION_CHARS for c in chars)


def _ceil(n: int) -> int:
    return -(-n // CJK_CHARS_PER_WORD)


def _python_counts(
    page: list[str], stopwords: frozenset[str]
) -> tuple[list[int], list[int], list[bool]]:
    words_out, stops_out = [], []
    for line in page:
        n_words = n_stops = 0
        for word in _WORD.findall(line):
            cjk, function = _cjk_chars(word)
            if cjk:  # a CJK run: one word per CJK_CHARS_PER_WORD characters
                n_words += _ceil(cjk) + (cjk < len(word))
                n_stops += _ceil(function)
            else:
                n_words += 1
                n_stops += word in stopwords
        words_out.append(n_words)
        stops_out.append(n_stops)
    return (
        words_out,
        stops_out,
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


_ZH_SENTENCE = (
    "不幸的是，对于希望能喝上一杯的太空探险者，那些将他们送上太空的政府机构普遍禁止他们"
    "染指包括酒在内的含酒精饮料。"
)
_JA_SENTENCE = (
    "肉をくわえたイヌが、橋を渡っていました。ふと下を見ると、川の中にも肉をくわえたイヌがいます。"
)


def test_a_chinese_or_japanese_sentence_counts_like_one_in_a_spaced_language() -> None:
    # Written without spaces, each is a handful of `\w+` runs; counted by characters it has
    # the length, function-word share and sentence end of a sentence of prose.
    from cleaners.lines import sentence_lines, tabulate
    from cleaners.options import DEFAULT_OPTIONS

    table = tabulate([_ZH_SENTENCE, _JA_SENTENCE, "首页", "更多>>"])
    page = table.page
    assert page.words[0] >= 20 and page.words[1] >= 20
    assert page.words[2] == 1 and page.stop_density[2] == 0.0
    assert sentence_lines(page, DEFAULT_OPTIONS).tolist() == [True, True, False, False]

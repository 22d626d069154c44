"""Offline language detection by stopword hits, using jusText's stoplists.

Why stoplists: they ship inside the `justext` package (100 languages), the line
features need the page's stoplist anyway, and counting stopword hits over a page
of prose is reliable for the languages news comes in. The stoplist files are read
once, lazily, as package data (no `import justext`, which pulls in lxml_html_clean).
"""

from __future__ import annotations

import importlib.util
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from itertools import chain, repeat
from pathlib import Path

import numpy as np

STOPLIST_TO_ISO: dict[str, str] = {
    "Afrikaans": "af", "Albanian": "sq", "Arabic": "ar", "Aragonese": "an", "Armenian": "hy",
    "Asturian": "ast", "Azerbaijani": "az", "Basque": "eu", "Belarusian": "be", "Bengali": "bn",
    "Bosnian": "bs", "Breton": "br", "Bulgarian": "bg", "Catalan": "ca", "Cebuano": "ceb",
    "Chuvash": "cv", "Croatian": "hr", "Czech": "cs", "Danish": "da", "Dutch": "nl",
    "English": "en", "Esperanto": "eo", "Estonian": "et", "Finnish": "fi", "French": "fr",
    "Galician": "gl", "Georgian": "ka", "German": "de", "Greek": "el", "Gujarati": "gu",
    "Haitian": "ht", "Hebrew": "he", "Hindi": "hi", "Hungarian": "hu", "Icelandic": "is",
    "Ido": "io", "Igbo": "ig", "Indonesian": "id", "Irish": "ga", "Italian": "it",
    "Javanese": "jv", "Kannada": "kn", "Kazakh": "kk", "Korean": "ko", "Kurdish": "ku",
    "Kyrgyz": "ky", "Latin": "la", "Latvian": "lv", "Lithuanian": "lt", "Luxembourgish": "lb",
    "Macedonian": "mk", "Malay": "ms", "Malayalam": "ml", "Maltese": "mt", "Marathi": "mr",
    "Nepali": "ne", "Norwegian_Bokmal": "nb", "Norwegian_Nynorsk": "nn", "Occitan": "oc",
    "Persian": "fa", "Polish": "pl", "Portuguese": "pt", "Quechua": "qu", "Romanian": "ro",
    "Russian": "ru", "Serbian": "sr", "Slovak": "sk", "Slovenian": "sl", "Spanish": "es",
    "Sundanese": "su", "Swahili": "sw", "Swedish": "sv", "Tagalog": "tl", "Tamil": "ta",
    "Telugu": "te", "Turkish": "tr", "Turkmen": "tk", "Ukrainian": "uk", "Urdu": "ur",
    "Uzbek": "uz", "Vietnamese": "vi", "Walloon": "wa", "Welsh": "cy", "West_Frisian": "fy",
    "Yoruba": "yo",
}  # fmt: skip
"""jusText stoplist name -> ISO 639-1 (639-3 where no 639-1 code exists); others are skipped."""

FALLBACK_LANGUAGE = "en"
"""Stoplist used when the language cannot be detected (most scraped news is English)."""

MIN_HITS = 5
"""Fewer stopword hits than this is too little evidence to name a language."""

MIN_HIT_SHARE = 0.15
"""A language must cover this share of the page's words: prose is 30-50% stopwords."""

TIE_SHARE = 0.9
"""A declared language (`<html lang>`) whose stopword score is within this share of the best
one wins: close calls (es/pt/gl, cs/sk, da/nb) are what the attribute is good for, while a
CMS template's `lang="en"` on a German page is far from German's score and loses."""

SAMPLE_WORDS = 1500
"""Words looked at per page: more does not change the answer, only the time."""

COMMON_WORDS = 200
"""Only a page's most frequent words are looked up: stopwords are the most frequent words."""

SAMPLE_CHARS = 20 * SAMPLE_WORDS
"""Characters tokenised to find those words (bounds the work on huge pages)."""

WORD = re.compile(r"\w+")
"""A word, as every cleaner tokenises (a run of Unicode word characters); defined once."""


def _stoplist_dir() -> Path | None:
    spec = importlib.util.find_spec("justext")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "stoplists"
    return path if path.is_dir() else None


@cache
def stoplist(language: str) -> frozenset[str]:
    """The lower-cased stopwords of an ISO code ('en'); empty when unknown."""
    names = [name for name, iso in STOPLIST_TO_ISO.items() if iso == language]
    folder = _stoplist_dir()
    if not names or folder is None:
        return frozenset()
    try:
        text = (folder / f"{names[0]}.txt").read_text(encoding="utf-8")
    except OSError:
        return frozenset()
    return frozenset(w.strip().lower() for w in text.split() if w.strip())


@dataclass(slots=True, frozen=True)
class _StopIndex:
    """Every shipped stoplist as one word -> languages table (a CSR matrix in flat arrays).

    Why arrays: a page's ~200 common words hit ~7 stoplists each; summing hits with one
    `np.bincount` instead of a dict update per (word, language) pair made language detection
    ~5x cheaper on dev.
    """

    languages: tuple[str, ...]
    word_row: dict[str, int]
    starts: np.ndarray
    """Row `r`'s languages are `lang_ids[starts[r]:starts[r + 1]]`."""
    lang_ids: np.ndarray
    log_sizes: np.ndarray
    """log(stoplist size) per language, the divisor of its hit count."""


@cache
def stoplist_index() -> _StopIndex:
    """The stoplist table, built once from every shipped stoplist."""
    languages = tuple(sorted(set(STOPLIST_TO_ISO.values())))
    rows: dict[str, list[int]] = {}
    for j, iso in enumerate(languages):
        for word in stoplist(iso):
            rows.setdefault(word, []).append(j)
    lengths = np.fromiter((len(v) for v in rows.values()), dtype=np.int64, count=len(rows))
    return _StopIndex(
        languages=languages,
        word_row={w: r for r, w in enumerate(rows)},
        starts=np.concatenate([[0], np.cumsum(lengths)]),
        lang_ids=np.fromiter(chain.from_iterable(rows.values()), dtype=np.int64),
        log_sizes=np.array([math.log(max(len(stoplist(iso)), 20)) for iso in languages]),
    )


def _sample(text: str) -> str:
    """The middle of long texts: heads and tails of pages are menus and footers."""
    if len(text) <= SAMPLE_CHARS:
        return text
    mid = len(text) // 2
    return text[max(0, mid - SAMPLE_CHARS // 2) : mid + SAMPLE_CHARS // 2]


def detect_language(text: str, preferred: str | None = None) -> str | None:
    """Guess the ISO 639-1 code of prose by which stoplist it hits most; None if unsure.

    Args:
        text: the article body (or any prose); only the first `SAMPLE_WORDS` words count.
        preferred: a declared language (`<html lang>`): it only breaks near-ties
            (see `TIE_SHARE`), the text decides.
    """
    words = WORD.findall(_sample(text).lower())[:SAMPLE_WORDS]
    return language_of_counts(Counter(words), preferred)


def language_of_counts(counts: Mapping[str, int], preferred: str | None = None) -> str | None:
    """`detect_language` from lower-cased word counts the caller already has."""
    total = sum(counts.values())
    if not total:
        return None
    index = stoplist_index()
    common: Iterable[tuple[str, int]] = counts.items()
    if isinstance(counts, Counter) and len(counts) > 2 * COMMON_WORDS:
        common = counts.most_common(COMMON_WORDS)
    words, word_counts = zip(*common, strict=True)
    n = len(words)
    # C-level lookups (map over dict.get with a default), -1 for words in no stoplist.
    rows = np.fromiter(map(index.word_row.get, words, repeat(-1)), dtype=np.int64, count=n)
    known = rows >= 0
    if not known.any():
        return None
    rows = rows[known]
    starts, ends = index.starts[rows], index.starts[rows + 1]
    lengths = ends - starts
    # The language ids of every found word, concatenated: one gather over their CSR ranges.
    offsets = np.repeat(starts - np.cumsum(lengths) + lengths, lengths) + np.arange(lengths.sum())
    found_counts = np.fromiter(word_counts, dtype=np.float64, count=n)[known]
    weights = np.repeat(found_counts, lengths)
    hits = np.bincount(index.lang_ids[offsets], weights, minlength=len(index.languages))
    # Big stoplists (Finnish: 6,813 words, many of them English) collect hits from any
    # text, so hits are divided by log(stoplist size); ties go to English. On the dev
    # pages that declare <html lang>, this agrees on 100 of 107 (raw hits: 98).
    score = hits / index.log_sizes
    best_score = score.max()
    tied = np.flatnonzero(score == best_score)
    english = index.languages.index(FALLBACK_LANGUAGE)
    best = english if english in tied else int(tied[0])
    if preferred in index.languages:
        p = index.languages.index(preferred)
        if (
            p != best
            and score[p] >= TIE_SHARE * best_score
            and hits[p] >= MIN_HITS
            and hits[p] >= MIN_HIT_SHARE * total
        ):
            best = p
    if hits[best] < MIN_HITS or hits[best] < MIN_HIT_SHARE * total:
        return None
    return index.languages[best]

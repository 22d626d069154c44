"""Per-line features of a text dump, shared by the rule classifier and the line model.

Why these: jusText showed that length, stopword density and link-likeness separate
prose from chrome in any language; news dumps add shape cues (sentence punctuation,
title case, all caps, digits, separators), pattern hits, and position. Neighbour
features let the model revise a line with its context (a short line between body
paragraphs is body; a long line inside a teaser block is a teaser).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from functools import cache
from typing import NamedTuple

import numpy as np
from numba import njit

from cleaners.language import FALLBACK_LANGUAGE, stoplist
from cleaners.options import MAX_LINE_CHARS
from cleaners.patterns import (
    FLOATING_TRIGGERS,
    HEADER_MAX_WORDS,
    PATTERNS,
    match_lowered,
    normalise_line,
)
from cleaners.words import (
    WordTable,
    char_codes,
    count_words,
    detect_sample_language,
    headline_features,
    holds_word,
    stopword_table,
    word_hash_table,
    word_table,
)

_TERMINALS = ".!?…。！？"
_CLOSERS = "\"'”’»)]」』）】》"
_QUOTES = "\"“'‘«”’»"
_SEPARATORS = "|•·»›/"
_CLOSER_CODES = char_codes(_CLOSERS).copy()
_TERMINAL_CODES = char_codes(_TERMINALS).copy()

REASONS: tuple[str, ...] = tuple(PATTERNS)
"""Pattern groups, in order, each a one-hot feature."""

_REASON_INDEX = {r: i for i, r in enumerate(REASONS)}

LINE_FEATURES: tuple[str, ...] = (
    "log_words",
    "log_chars",
    "stop_density",
    "cap_share",
    "all_caps",
    "sentence_end",
    "inner_sentences",
    "comma_share",
    "digit_share",
    "separator_share",
    "mean_word_len",
    "quote",
    "repeated",
    "section_header",
    *(f"pat_{r}" for r in REASONS),
)
"""Context-free features of one line."""

CONTEXT_FEATURES: tuple[str, ...] = (
    "rel_pos",
    "prose_before",
    "prose_after",
    "in_prose_span",
    "dist_prose_span",
    "header_above_dist",
    "near_prose_3",
    "near_prose_10",
    "rel_pos_longest",
    "chars_share_above",
    "is_prose",
    "title_overlap",
    "after_headline",
    "headline_seen",
)
"""Features that depend on where the line sits among the others."""

NEIGHBOUR_OFFSETS: tuple[int, ...] = (-2, -1, 1, 2)
"""Neighbours (among non-blank lines) whose line features are copied in."""

NEIGHBOUR_KEYS: tuple[str, ...] = (
    "log_words",
    "stop_density",
    "sentence_end",
    "cap_share",
    "section_header",
)
"""The line features copied from each neighbour."""

FEATURE_NAMES: tuple[str, ...] = (
    LINE_FEATURES
    + CONTEXT_FEATURES
    + tuple(f"n{o:+d}_{k}" for o in NEIGHBOUR_OFFSETS for k in NEIGHBOUR_KEYS)
)
"""Column names of the matrix `features` returns; the model file records them and must match."""

PROSE_WORDS = 12
"""A line of this many words with stopwords and a sentence end is 'prose' for the context
features."""

PROSE_STOP_DENSITY = 0.2
"""Stopword share a prose line needs (lower than the keep rule: context, not a verdict)."""

HEADER_FAR = 50
"""Distance (in lines) reported when no section header is above a line."""

HEADLINE_OVERLAP = 0.8
"""Share of a line's words found in the dump's first line (the page <title>) that makes it the
headline."""

HEADLINE_MAX_WORDS = 40
"""Longer lines are never the headline."""

if MAX_LINE_CHARS >= 1 << 15:  # per-line character counts are summed as int16
    raise ValueError("MAX_LINE_CHARS must stay below 32768")

TABLE_SIZE = 0x3000
"""Code points below this get exact character classes; above (CJK etc.) count as letters."""


class PageLines(NamedTuple):
    """A page's non-blank lines as columns: what the rules, the model and revision read.

    Columns rather than one object per line: a pass over dev has 22k lines, and building,
    unpacking and walking per-line records cost more than the compiled work they feed.
    """

    texts: list[str]
    """The lines, whitespace-normalised (what the cleaned text is made of)."""
    lowered: list[str]
    """The lines lower-cased (the pattern-verdict key; repeated lines are counted by it)."""
    chars: np.ndarray
    """Characters per line."""
    words: np.ndarray
    """`\\w+` words per line."""
    stop_density: np.ndarray
    """Share of a line's words on the page language's stoplist."""
    sentence_end: np.ndarray
    """Whether a line ends like a sentence (. ! ? or … before closing quotes/brackets)."""
    reasons: list[str | None]
    """The boilerplate pattern group a line matches, if any (see `cleaners.patterns`)."""
    headers: list[str | None]
    """The reason of a section heading ("Recent Stories" -> recent_stories), if it is one."""
    reason_ids: np.ndarray
    """Index of `reasons` in `REASONS`, -1 where None."""
    codes: np.ndarray
    """Code points of the lines joined by newlines."""
    lowered_codes: np.ndarray
    """Code points of the lower-cased lines joined by newlines."""

    matched: np.ndarray
    """Lines a boilerplate pattern matched (`reason_ids >= 0`)."""
    prose: np.ndarray
    """Long lines with stopwords and no pattern match: the context features' notion of body
    (see `prose_lines`)."""


def prose_lines(words: np.ndarray, stop_density: np.ndarray, matched: np.ndarray) -> np.ndarray:
    """Lines of `PROSE_WORDS` words or more, `PROSE_STOP_DENSITY` stopwords and no pattern."""
    prose: np.ndarray = (words >= PROSE_WORDS) & (stop_density >= PROSE_STOP_DENSITY) & ~matched
    return prose


PATTERN_CACHE_SIZE = 1 << 16
"""Chrome lines recur within and across pages (menus, "Share", footers): on dev, half of the
20k short lines of a pass are repeats, so pattern verdicts are memoised per lower-cased line;
bounded (emptied when full) so memory stays small."""

_VERDICTS: dict[str, tuple[str | None, str | None]] = {}
"""Memoised `line_verdict`s. A plain dict rather than lru_cache: the caller looks verdicts up
inline, without a call per line."""


def line_verdict(
    lowered: str, words: int, triggered: bool | None = None
) -> tuple[str | None, str | None]:
    """(reason, section-heading reason) of a normalised, lower-cased line of `words` words
    (`triggered`: see `cleaners.patterns.match_lowered`)."""
    verdict = _VERDICTS.get(lowered)
    if verdict is None:
        reason, is_header = match_lowered(lowered, triggered)
        verdict = (reason, reason if is_header and words <= HEADER_MAX_WORDS else None)
        if len(_VERDICTS) >= PATTERN_CACHE_SIZE:
            _VERDICTS.clear()
        _VERDICTS[lowered] = verdict
    return verdict


def clear_caches() -> None:
    """Forget memoised pattern verdicts (benchmarks: no credit for an earlier pass)."""
    _VERDICTS.clear()


def _triggered(codes: np.ndarray, lengths: np.ndarray, rows: list[int]) -> np.ndarray:
    """Whether each of `rows` (lines of a lower-cased page) holds a floating-pattern trigger
    word (`cleaners.patterns.FLOATING_TRIGGERS`), found in one compiled pass."""
    if not rows:
        return np.zeros(0, dtype=bool)
    ends = np.cumsum(lengths + 1) - 1  # each line's end in the newline-joined codes
    picked = np.array(rows, dtype=np.int64)
    return holds_word(
        codes, ends[picked] - lengths[picked], ends[picked], word_table(), _trigger_table()
    )


@cache
def _trigger_table() -> WordTable:
    return word_hash_table(sorted(FLOATING_TRIGGERS))


def _normalise_spacing(texts: Sequence[str]) -> tuple[Sequence[str], str]:
    """The lines with whitespace runs collapsed to one space and trimmed, and them joined.

    A page whose lines are all printable (every whitespace but " " is not) with no double,
    leading or trailing spaces is already normal: checked on the joined page, that skips
    the per-line split/join (all dev dumps; 20 -> 3 ms a pass).
    """
    joined = "\n".join(texts)
    if (
        "  " not in joined
        and " \n" not in joined
        and "\n " not in joined
        and joined[:1] != " "
        and joined[-1:] != " "
        and all(map(str.isprintable, texts))
    ):
        return texts, joined
    norms = list(map(normalise_line, texts))
    return norms, "\n".join(norms)


def page_stats(
    texts: Sequence[str],
    pattern_max_words: int,
    language: str | None = None,
    *,
    sample_skip: int = 0,
    sample_words: int = 0,
    language_hint: str | None = None,
) -> tuple[PageLines, str | None]:
    """`PageLines` of a page's non-blank lines and the page language.

    Page-level rather than line-level: the lines are lower-cased in one `lower()` call,
    words, stopwords and sentence ends counted in one compiled pass over the code points
    (`cleaners.words`, no word strings made), and patterns run only on lines of up to
    `pattern_max_words` words (memoised, see `line_verdict`).

    Args:
        texts: the non-blank lines (normalised here).
        pattern_max_words: longer lines are not matched against patterns.
        language: the page language; detected from the words when None.
        sample_skip: lines left out of language detection (menus at the top).
        sample_words: words used for language detection.
        language_hint: the language the page declares (`<html lang>`): it breaks near-ties
            of the detection and stands in when the words are too few to tell.
    """
    norms, joined = _normalise_spacing(texts)
    low = joined.lower()
    lowered = low.split("\n") if norms else []
    lowered_codes = char_codes(low)
    lengths = np.fromiter(map(len, lowered), dtype=np.int64, count=len(lowered))
    if language is None and norms:
        start = int(lengths[:sample_skip].sum()) + sample_skip  # each line and its newline
        language = detect_sample_language(lowered_codes, start, sample_words, language_hint)
        language = language or language_hint
    stopwords = stoplist(language or FALLBACK_LANGUAGE) or stoplist(FALLBACK_LANGUAGE)
    words, stops, ends = count_words(
        lowered_codes,
        lengths,
        word_table(),
        stopword_table(stopwords),
        _CLOSER_CODES,
        _TERMINAL_CODES,
    )
    counts = words.tolist()
    reasons: list[str | None] = [None] * len(norms)
    headers: list[str | None] = [None] * len(norms)
    reason_ids = np.full(len(norms), -1, dtype=np.int64)
    known = _VERDICTS.get
    short = np.flatnonzero(words <= pattern_max_words)
    new = [i for i in short.tolist() if lowered[i] not in _VERDICTS]
    triggered = dict(zip(new, _triggered(lowered_codes, lengths, new).tolist(), strict=True))
    for i in short.tolist():
        key = lowered[i]
        reason, header = known(key) or line_verdict(key, counts[i], triggered.get(i))
        if reason is not None:
            reasons[i], headers[i], reason_ids[i] = reason, header, _REASON_INDEX[reason]
    density = np.where(words > 0, stops / np.maximum(words, 1), 0.0)
    matched = reason_ids >= 0
    page = PageLines(
        texts=list(norms),
        lowered=lowered,
        chars=np.fromiter(map(len, norms), dtype=np.int64, count=len(norms)),
        words=words,
        stop_density=density,
        sentence_end=ends,
        reasons=reasons,
        headers=headers,
        reason_ids=reason_ids,
        codes=char_codes(joined),
        lowered_codes=lowered_codes,
        matched=matched,
        prose=prose_lines(words, density, matched),
    )
    return page, language


@cache
def _char_tables() -> np.ndarray:
    """Per code point bit flags: 1 upper, 2 letter, 4 digit, 8 word char, 16 space, 32 terminal,
    64 comma, 128 separator. One byte per character: every per-character pass reads half as
    much as with the 16-bit table this replaced (quotes, needed only at line ends, are
    looked up separately)."""
    table = np.zeros(TABLE_SIZE + 1, dtype=np.uint8)
    for code in range(TABLE_SIZE):
        c = chr(code)
        flags = (
            (1 if c.isupper() else 0)
            | (2 if c.isalpha() else 0)
            | (4 if c.isdigit() else 0)
            | (8 if c.isalnum() or c == "_" else 0)
            | (16 if c.isspace() else 0)
            | (32 if c in _TERMINALS else 0)
            | (64 if c == "," else 0)
            | (128 if c in _SEPARATORS else 0)
        )
        table[code] = flags
    table[TABLE_SIZE] = 2 | 8  # every code point beyond the table: a letter
    return table


@cache
def _quote_table() -> np.ndarray:
    """Per code point: is it a quote mark (looked up only at line starts and ends)."""
    table = np.zeros(TABLE_SIZE + 1, dtype=bool)
    table[[ord(c) for c in _QUOTES]] = True
    return table


_N_LINE = len(LINE_FEATURES)
_N_CONTEXT = len(CONTEXT_FEATURES)
_NEIGHBOUR_COLUMNS = np.array([LINE_FEATURES.index(k) for k in NEIGHBOUR_KEYS], dtype=np.int64)
_NEIGHBOUR_OFFSETS = np.array(NEIGHBOUR_OFFSETS, dtype=np.int64)
_LOG_SPAN_COLUMN = _N_LINE + CONTEXT_FEATURES.index("dist_prose_span")
_HEADLINE_COLUMN = _N_LINE + CONTEXT_FEATURES.index("title_overlap")
HEADLINE_DISTANCE_COLUMN = _HEADLINE_COLUMN + 1
"""The `after_headline` column: 0 on a line that repeats the page's headline (and on the
first line, the <title> itself), else the log distance below the last such line."""


@njit(cache=True, nogil=True)
def _fill_features(
    out: np.ndarray,
    codes: np.ndarray,
    flags_table: np.ndarray,
    quote_table: np.ndarray,
    lengths: np.ndarray,
    words: np.ndarray,
    density: np.ndarray,
    ends: np.ndarray,
    header: np.ndarray,
    reason: np.ndarray,
    is_prose: np.ndarray,
    repeated: np.ndarray,
    neighbour_columns: np.ndarray,
    neighbour_offsets: np.ndarray,
    n_line: int,
) -> bool:
    """Fill `out`'s columns but the logarithms and headline ones; True if any line is prose.

    `out[:, 0]` (log words) must be filled already: neighbours copy it. Column
    `dist_prose_span` receives the distance; the caller takes its logarithm.

    Compiled (numba): as ~150 numpy calls on each page's small arrays this was ~45 ms of a
    pass over dev, mostly call overhead; one loop takes ~7 ms and gives the same matrix to
    the bit. Logarithms stay in numpy, whose SIMD log1p may differ from libm's in the last
    bit, and the model's thresholds were learned on numpy's values.
    """
    n = lengths.shape[0]
    big = codes.shape[0]
    top = flags_table.shape[0] - 1
    # Character classes per line. A line's segment also holds the "\n" after it (in no
    # class), so a sentence end at a line's end counts as inner when the next line
    # starts upper case, as it did in the numpy version this replaced.
    start = 0
    for i in range(n):
        letters = uppers = cap_starts = word_starts = inners = np.int64(0)
        commas = digits = seps = word_chars = np.int64(0)
        stop = start + lengths[i] + 1 if i < n - 1 else big
        prev_word = np.int64(0)  # a line starts after "\n" (or at the page's start)
        for j in range(start, stop):
            # Branch-free counting (flags are bits; see `_char_tables`): ~2x faster than
            # one `if` per class on dev.
            f = np.int64(flags_table[min(codes[j], top)])
            is_word = (f >> 3) & 1
            starts_word = is_word & (1 - prev_word)
            letters += (f >> 1) & 1
            uppers += f & 1
            cap_starts += f & starts_word
            word_chars += is_word
            word_starts += starts_word
            commas += (f >> 6) & 1
            digits += (f >> 2) & 1
            seps += f >> 7
            if (
                f & 32
                and prev_word
                and j + 2 < big
                and flags_table[min(codes[j + 1], top)] & 16
                and flags_table[min(codes[j + 2], top)] & 1
            ):
                inners += 1
            prev_word = is_word
        nw = max(words[i], 1.0)
        first = codes[min(start, big - 1)]
        last = codes[max(start + lengths[i] - 1, 0)]
        out[i, 2] = density[i]
        out[i, 3] = cap_starts / max(float(word_starts), 1.0)
        out[i, 4] = 1.0 if letters > 3 and uppers > 0.8 * letters else 0.0
        out[i, 5] = ends[i]
        out[i, 6] = inners
        out[i, 7] = commas / nw
        out[i, 8] = digits / float(max(lengths[i], 1))
        out[i, 9] = seps / nw
        out[i, 10] = word_chars / nw
        out[i, 11] = 1.0 if quote_table[min(first, top)] or quote_table[min(last, top)] else 0.0
        out[i, 12] = repeated[i]
        out[i, 13] = header[i]
        if reason[i] >= 0:
            out[i, 14 + reason[i]] = 1.0
        start += lengths[i] + 1

    # Context: where each line sits among the prose lines and section headers.
    c = n_line
    prose = np.flatnonzero(is_prose)
    n_prose = prose.shape[0]
    before = np.zeros(n + 1, dtype=np.int64)  # before[i]: prose lines above line i
    before[1:] = np.cumsum(is_prose)
    lo = prose[0] if n_prose else -1
    hi = prose[-1] if n_prose else -1
    longest = 0
    total = 0.0
    for i in range(n):
        if lengths[i] > lengths[longest]:
            longest = i
        total += lengths[i]
    if total <= 0:
        total = 1.0
    above = 0.0
    last_header = -HEADER_FAR
    for i in range(n):
        out[i, c] = i / max(1, n - 1)
        out[i, c + 1] = before[i] / max(1, n_prose)
        out[i, c + 2] = (n_prose - before[i + 1]) / max(1, n_prose)
        if lo >= 0:
            out[i, c + 3] = 1.0 if lo <= i <= hi else 0.0
            out[i, c + 4] = max(lo - i, 0) + max(i - hi, 0)
            near3 = before[min(n, i + 4)] - before[max(0, i - 3)]
            near10 = before[min(n, i + 11)] - before[max(0, i - 10)]
            out[i, c + 6] = near3 / 7
            out[i, c + 7] = near10 / 21
            out[i, c + 8] = (i - longest) / max(1, n)
        if header[i] > 0:
            last_header = i
        out[i, c + 5] = min(HEADER_FAR, i - last_header)
        out[i, c + 9] = above / total
        above += lengths[i]
        out[i, c + 10] = is_prose[i]

    # Neighbours' line features (-1 beyond the page's ends).
    col = c + _N_CONTEXT
    for off in neighbour_offsets:
        for key in neighbour_columns:
            for i in range(n):
                k = i + off
                out[i, col] = out[k, key] if 0 <= k < n else -1.0
            col += 1
    return lo >= 0


_LOG_DISTANCE = np.array([math.log1p(k) for k in range(HEADER_FAR + 1)])
"""log1p of each distance 0..HEADER_FAR, looked up instead of computed per line."""


def features(page: PageLines) -> np.ndarray:
    """Feature matrix (one row per non-blank line, columns `FEATURE_NAMES`)."""
    n = len(page.texts)
    # Column-major: the tree scorer reads one feature across all lines at a time.
    out = np.zeros((n, len(FEATURE_NAMES)), order="F")
    if n == 0:
        return out
    seen = Counter(page.lowered)
    word_counts = page.words.astype(np.float64)
    out[:, 0] = np.log1p(word_counts)
    out[:, 1] = np.log1p(page.chars)
    headers = np.zeros(n)
    headers[[i for i in np.flatnonzero(page.matched).tolist() if page.headers[i]]] = 1.0
    any_prose = _fill_features(
        out,
        page.codes,
        _char_tables(),
        _quote_table(),
        page.chars,
        word_counts,
        page.stop_density,
        page.sentence_end.astype(np.float64),
        headers,
        page.reason_ids,
        page.prose,
        np.fromiter(map(seen.__getitem__, page.lowered), dtype=np.int64, count=n) > 1,
        _NEIGHBOUR_COLUMNS,
        _NEIGHBOUR_OFFSETS,
        _N_LINE,
    )
    span = out[:, _LOG_SPAN_COLUMN]
    out[:, _LOG_SPAN_COLUMN] = np.log1p(span) if any_prose else math.log1p(n)
    out[:, _HEADLINE_COLUMN : _HEADLINE_COLUMN + 3] = headline_features(
        page.lowered_codes,
        np.fromiter(map(len, page.lowered), dtype=np.int64, count=n),
        page.words,
        HEADLINE_MAX_WORDS,
        HEADLINE_OVERLAP,
        word_table(),
        _LOG_DISTANCE,
    )
    return out


STACK_WINDOWS: tuple[int, ...] = (1, 2, 5, 15)
"""Half-widths of the windows over which first-stage scores are averaged."""

STACK_FEATURES: tuple[str, ...] = (
    "p",
    *(f"p_mean_{w}" for w in STACK_WINDOWS),
    "p_prev",
    "p_next",
    "p_max_before_3",
    "p_max_after_3",
    "p_any_before",
    "p_any_after",
    "p_mass_before",
    "p_mass_after",
    "log_dist_body_before",
    "log_dist_body_after",
)
"""Second-stage features: the first stage's body scores around each line."""


_STACK_LOG_COLUMNS = [STACK_FEATURES.index(c) for c in STACK_FEATURES if c.startswith("log_")]
_STACK_WINDOWS = np.array(STACK_WINDOWS, dtype=np.int64)


def stack_features(p: np.ndarray) -> np.ndarray:
    """Context of first-stage body scores `p` (one per non-blank line), `STACK_FEATURES` columns."""
    out = np.zeros((p.shape[0], len(STACK_FEATURES)))
    if p.shape[0]:
        _fill_stack(out, np.ascontiguousarray(p, dtype=np.float64), _STACK_WINDOWS)
        out[:, _STACK_LOG_COLUMNS] = np.log1p(out[:, _STACK_LOG_COLUMNS])
    return out


@njit(cache=True, nogil=True)
def _fill_stack(out: np.ndarray, p: np.ndarray, windows: np.ndarray) -> None:
    """`STACK_FEATURES` but the logarithms (the log columns get the distances), compiled
    (numba): ~40 numpy calls per page were most of this function's time."""
    n = p.shape[0]
    cs = np.empty(n + 1)
    cs[0] = 0.0
    for i in range(n):
        cs[i + 1] = cs[i] + p[i]
    total = cs[n] if cs[n] > 0 else 1.0
    col = 1 + windows.shape[0]  # after p and the window means
    last_body = -1
    for i in range(n):
        out[i, 0] = p[i]
        for j, w in enumerate(windows):
            lo = max(i - w, 0)
            hi = min(i + w + 1, n)
            out[i, 1 + j] = (cs[hi] - cs[lo] - p[i]) / max(hi - lo - 1, 1)
        out[i, col] = p[i - 1] if i > 0 else -1.0
        out[i, col + 1] = p[i + 1] if i + 1 < n else -1.0
        before = 0.0
        for k in range(max(i - 3, 0), i):
            before = max(before, p[k])
        after = 0.0
        for k in range(i + 1, min(i + 4, n)):
            after = max(after, p[k])
        out[i, col + 2] = before
        out[i, col + 3] = after
        out[i, col + 4] = 1.0 if last_body >= 0 else 0.0
        out[i, col + 6] = cs[i] / total
        out[i, col + 7] = (cs[n] - cs[i + 1]) / total
        out[i, col + 8] = i - last_body if last_body >= 0 else n + 1
        if p[i] >= 0.5:
            last_body = i
    next_body = -1
    for i in range(n - 1, -1, -1):
        out[i, col + 5] = 1.0 if next_body >= 0 else 0.0
        out[i, col + 9] = next_body - i if next_body >= 0 else n + 1
        if p[i] >= 0.5:
            next_body = i

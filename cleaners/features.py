"""Per-line features of a text dump, shared by the rule classifier and the line model.

Why these: jusText showed that length, stopword density and link-likeness separate
prose from chrome in any language; news dumps add shape cues (sentence punctuation,
title case, all caps, digits, separators), pattern hits, and position. Neighbour
features let the model revise a line with its context (a short line between body
paragraphs is body; a long line inside a teaser block is a teaser).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from functools import cache
from itertools import chain, islice
from typing import NamedTuple

import numpy as np

from cleaners.language import FALLBACK_LANGUAGE, language_of_counts, stoplist
from cleaners.options import MAX_LINE_CHARS
from cleaners.patterns import HEADER_MAX_WORDS, PATTERNS, match_lowered

_WORD = re.compile(r"\w+")
_TERMINALS = ".!?…"
_CLOSERS = "\"'”’»)]"
_QUOTES = "\"“'‘«”’»"
_SEPARATORS = "|•·»›/"

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


class LineStats(NamedTuple):
    """Cheap facts about one non-blank line, computed once and reused.

    A NamedTuple rather than a frozen dataclass: `page_stats` builds one per line with a
    C-level `map(LineStats._make, ...)`, ~3x cheaper than a frozen dataclass's __init__.
    """

    text: str
    words: int
    stop_density: float
    sentence_end: bool
    reason: str | None
    header: str | None
    tokens: list[str]


PATTERN_CACHE_SIZE = 1 << 16
"""Chrome lines recur within and across pages (menus, "Share", footers): on dev, half of the
20k short lines of a pass are repeats, so pattern verdicts are memoised per lower-cased line;
bounded (emptied when full) so memory stays small."""

_VERDICTS: dict[str, tuple[str | None, str | None]] = {}
"""Memoised `line_verdict`s. A plain dict rather than lru_cache: the caller passes the words
it already has (unhashable) and looks verdicts up inline, without a call per line."""


def line_verdict(lowered: str, words: list[str]) -> tuple[str | None, str | None]:
    """(reason, section-heading reason) of a normalised, lower-cased line and its words."""
    verdict = _VERDICTS.get(lowered)
    if verdict is None:
        reason, is_header = match_lowered(lowered, words)
        verdict = (reason, reason if is_header and len(words) <= HEADER_MAX_WORDS else None)
        if len(_VERDICTS) >= PATTERN_CACHE_SIZE:
            _VERDICTS.clear()
        _VERDICTS[lowered] = verdict
    return verdict


def clear_caches() -> None:
    """Forget memoised pattern verdicts (benchmarks: no credit for an earlier pass)."""
    _VERDICTS.clear()


def _sentence_end(norm: str) -> bool:
    return norm.rstrip(_CLOSERS)[-1:] in _TERMINALS


def _stop_density(
    words: list[list[str]], counts: list[int], stopwords: frozenset[str]
) -> list[float]:
    """Stopword share of each line: one membership test per word of the page, summed per line
    from a cumulative sum (half the time of a `sum(map(...))` per line on dev)."""
    flat = list(chain.from_iterable(words))
    is_stop = np.fromiter(map(stopwords.__contains__, flat), dtype=np.int64, count=len(flat))
    cum = np.concatenate([[0], np.cumsum(is_stop)])
    n = np.array(counts, dtype=np.int64)
    ends = np.cumsum(n)
    stops = cum[ends] - cum[ends - n]
    density: list[float] = np.where(n > 0, stops / np.maximum(n, 1), 0.0).tolist()
    return density


def page_stats(
    texts: Sequence[str],
    pattern_max_words: int,
    language: str | None = None,
    *,
    sample_skip: int = 0,
    sample_words: int = 0,
) -> tuple[list[LineStats], str | None]:
    """`LineStats` of a page's non-blank lines, column by column, and the page language.

    Page-level rather than line-level: the lines are normalised and lower-cased in one
    `lower()` call, tokenised with a C-level `map`, and patterns run only on lines of up to
    `pattern_max_words` words (memoised, see `line_verdict`). On dev a pass over the 127
    dumps tabulates in ~205 ms instead of ~250 ms with one memoised call chain per line; most
    of what is left is regex work (patterns, tokens) in C.

    Args:
        texts: the non-blank lines (normalised here).
        pattern_max_words: longer lines are not matched against patterns.
        language: the page language; detected from the words when None.
        sample_skip: lines left out of language detection (menus at the top).
        sample_words: words used for language detection.
    """
    norms = [" ".join(t.split()) for t in texts]
    lowered = "\n".join(norms).lower().split("\n") if norms else []
    words = list(map(_WORD.findall, lowered))
    counts = list(map(len, words))
    reasons: list[str | None] = [None] * len(norms)
    headers: list[str | None] = [None] * len(norms)
    known = _VERDICTS.get
    for i, n in enumerate(counts):
        if n <= pattern_max_words:
            low = lowered[i]
            reasons[i], headers[i] = known(low) or line_verdict(low, words[i])
    if language is None:
        sample = islice(chain.from_iterable(words[sample_skip:]), sample_words)
        language = language_of_counts(Counter(sample))
    stopwords = stoplist(language or FALLBACK_LANGUAGE) or stoplist(FALLBACK_LANGUAGE)
    density = _stop_density(words, counts, stopwords)
    ends = list(map(_sentence_end, norms))
    columns = zip(norms, counts, density, ends, reasons, headers, words, strict=True)
    return list(map(LineStats._make, columns)), language


def is_prose(s: LineStats) -> bool:
    """A long line with stopwords and a sentence end: the context features' notion of body."""
    return s.words >= PROSE_WORDS and s.stop_density >= PROSE_STOP_DENSITY and s.reason is None


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


def _char_codes(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def _char_flags(codes: np.ndarray) -> np.ndarray:
    flags: np.ndarray = _char_tables().take(np.minimum(codes, TABLE_SIZE))
    return flags


def _line_matrix(columns: _Columns) -> np.ndarray:
    """`LINE_FEATURES` for all lines at once, from character classes of the joined text.

    Per-line counts are one `reduceat` over all character masks: each line's segment also
    holds the "\\n" after it, which is in none of the masks. (Was one cumsum per mask: 40%
    of this function's time on dev.)
    """
    texts = columns.texts
    n = len(texts)
    lengths = columns.lengths
    joined = "\n".join(texts)
    codes = _char_codes(joined)
    flags = _char_flags(codes)
    starts = np.concatenate([[0], np.cumsum(lengths + 1)[:-1]])
    ends = starts + lengths
    upper = (flags & 1) > 0
    wordc = (flags & 8) > 0
    prev_word = np.concatenate([[False], wordc[:-1]])
    word_start = wordc & ~prev_word
    pad = np.zeros(2, dtype=flags.dtype)
    nxt1 = np.concatenate([flags[1:], pad[:1]])
    nxt2 = np.concatenate([flags[2:], pad])[: len(flags)]  # a 1-char page: one 0, not two
    inner = ((flags & 32) > 0) & prev_word & ((nxt1 & 16) > 0) & ((nxt2 & 1) > 0)
    masks = np.stack(
        [
            (flags & 2) > 0,  # letters
            upper,
            word_start & upper,
            word_start,
            inner,
            (flags & 64) > 0,  # commas
            (flags & 4) > 0,  # digits
            (flags & 128) > 0,  # separators
            wordc,
        ]
    )
    # int16 sums: a line has at most MAX_LINE_CHARS characters (checked at import); a third
    # of the time of int64 sums on dev.
    counts = np.add.reduceat(masks, starts, axis=1, dtype=np.int16).astype(np.float64)
    letters, uppers, cap_starts, word_starts, inners, commas, digits, seps, word_chars = counts

    words = columns.words
    nw = np.maximum(words, 1.0)
    chars = np.maximum(lengths, 1).astype(np.float64)
    quotes = _quote_table()
    first = codes[np.minimum(starts, len(codes) - 1)]
    last = codes[np.maximum(ends - 1, 0)]
    keys = joined.lower().split("\n")
    seen = Counter(keys)
    onehot = np.zeros((n, len(REASONS)))
    matched = [(i, _REASON_INDEX[r]) for i, r in enumerate(columns.reasons) if r is not None]
    if matched:
        onehot[tuple(np.array(matched).T)] = 1.0
    base = np.column_stack(
        [
            np.log1p(words),
            np.log1p(lengths),
            columns.stop_density,
            cap_starts / np.maximum(word_starts, 1.0),
            (letters > 3) & (uppers > 0.8 * letters),
            columns.sentence_end,
            inners,
            commas / nw,
            digits / chars,
            seps / nw,
            word_chars / nw,
            quotes.take(np.minimum(first, TABLE_SIZE)) | quotes.take(np.minimum(last, TABLE_SIZE)),
            np.fromiter(map(seen.__getitem__, keys), dtype=np.float64, count=n) > 1,
            columns.header,
        ]
    ).astype(np.float64)
    return np.hstack([base, onehot])


def _headline_features(stats: Sequence[LineStats]) -> np.ndarray:
    """Overlap with the first line (the <title> in browser dumps) and distance after the
    last headline-like line above: the article body starts right after its headline."""
    n = len(stats)
    out = np.zeros((n, 3))
    title = set(stats[0].tokens)
    if len(title) < 3:
        out[:, 1] = math.log1p(HEADER_FAR)
        return out
    # Filled as Python lists, then copied in once: numpy item assignment per line cost
    # half of this function's time on dev.
    overlaps = [0.0] * n
    dists = [0.0] * n
    seen = [0.0] * n
    far = math.log1p(HEADER_FAR)
    last = -1
    for i in range(1, n):
        s = stats[i]
        if 2 <= s.words <= HEADLINE_MAX_WORDS:
            words = set(s.tokens)
            overlap = len(words & title) / len(words)
            overlaps[i] = overlap
            if overlap >= HEADLINE_OVERLAP and len(words) >= 0.5 * len(title) - 1:
                seen[i] = float(last >= 0)
                last = i
                continue
        dists[i] = math.log1p(min(HEADER_FAR, i - last)) if last >= 0 else far
        seen[i] = float(last >= 0)
    out[:, 0] = overlaps
    out[:, 1] = dists
    out[:, 2] = seen
    return out


class _Columns(NamedTuple):
    """The `LineStats` of a page as columns (one `zip(*stats)`, no per-line attribute access)."""

    texts: tuple[str, ...]
    lengths: np.ndarray
    words: np.ndarray
    stop_density: np.ndarray
    sentence_end: np.ndarray
    reasons: tuple[str | None, ...]
    header: np.ndarray


def _columns(stats: Sequence[LineStats]) -> _Columns:
    texts, words, density, ends, reasons, headers, _tokens = zip(*stats, strict=True)
    n = len(texts)
    return _Columns(
        texts=texts,
        lengths=np.fromiter(map(len, texts), dtype=np.int64, count=n),
        words=np.array(words, dtype=np.float64),
        stop_density=np.array(density, dtype=np.float64),
        sentence_end=np.array(ends, dtype=np.float64),
        reasons=reasons,
        header=np.fromiter((h is not None for h in headers), dtype=np.float64, count=n),
    )


def features(stats: Sequence[LineStats]) -> np.ndarray:
    """Feature matrix (one row per non-blank line, columns `FEATURE_NAMES`)."""
    n = len(stats)
    if n == 0:
        return np.zeros((0, len(FEATURE_NAMES)))
    columns = _columns(stats)
    base = _line_matrix(columns)
    no_reason = np.fromiter((r is None for r in columns.reasons), dtype=bool, count=n)
    prose = (
        (columns.words >= PROSE_WORDS) & (columns.stop_density >= PROSE_STOP_DENSITY) & no_reason
    )  # `is_prose` of every line
    idx = np.arange(n)
    prose_idx = np.flatnonzero(prose)
    chars = columns.lengths.astype(np.float64)
    cum = np.cumsum(chars)
    total = cum[-1] if cum[-1] > 0 else 1.0
    ctx = np.zeros((n, len(CONTEXT_FEATURES)))
    ctx[:, 0] = idx / max(1, n - 1)
    n_prose = max(1, int(prose.sum()))
    pc = np.cumsum(prose)
    ctx[:, 1] = (pc - prose) / n_prose
    ctx[:, 2] = (prose.sum() - pc) / n_prose
    if prose_idx.size:
        lo, hi = prose_idx[0], prose_idx[-1]
        ctx[:, 3] = (idx >= lo) & (idx <= hi)
        ctx[:, 4] = np.log1p(np.maximum(lo - idx, 0) + np.maximum(idx - hi, 0))
        padded = np.concatenate([np.zeros(10), prose.astype(float), np.zeros(10)])
        cs = np.cumsum(padded)
        ctx[:, 6] = (cs[idx + 13] - cs[idx + 6]) / 7
        ctx[:, 7] = (cs[idx + 20] - cs[np.maximum(idx - 1, 0)]) / 21
        ctx[:, 8] = (idx - int(np.argmax(chars))) / max(1, n)
    else:
        ctx[:, 4] = math.log1p(n)
    header_col = LINE_FEATURES.index("section_header")
    last_header = np.maximum.accumulate(np.where(base[:, header_col] > 0, idx, -HEADER_FAR))
    ctx[:, 5] = np.minimum(HEADER_FAR, idx - last_header)
    ctx[:, 9] = (cum - chars) / total
    ctx[:, 10] = prose
    ctx[:, 11:14] = _headline_features(stats)
    cols = [LINE_FEATURES.index(k) for k in NEIGHBOUR_KEYS]
    src = base[:, cols]
    neigh = []
    for off in NEIGHBOUR_OFFSETS:
        shifted = np.full((n, len(cols)), -1.0)
        if off < 0 and n + off > 0:
            shifted[-off:] = src[: n + off]
        elif off > 0 and n - off > 0:
            shifted[: n - off] = src[off:]
        neigh.append(shifted)
    return np.hstack([base, ctx, *neigh])


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


def stack_features(p: np.ndarray) -> np.ndarray:
    """Context of first-stage body scores `p` (one per non-blank line), `STACK_FEATURES` columns."""
    n = p.shape[0]
    out = np.zeros((n, len(STACK_FEATURES)))
    if n == 0:
        return out
    idx = np.arange(n)
    out[:, 0] = p
    cs = np.concatenate([[0.0], np.cumsum(p)])
    col = 1
    for w in STACK_WINDOWS:
        lo = np.maximum(idx - w, 0)
        hi = np.minimum(idx + w + 1, n)
        out[:, col] = (cs[hi] - cs[lo] - p) / np.maximum(hi - lo - 1, 1)
        col += 1
    out[:, col] = np.concatenate([[-1.0], p[:-1]])
    out[:, col + 1] = np.concatenate([p[1:], [-1.0]])
    padded = np.concatenate([np.zeros(3), p, np.zeros(3)])
    max3 = np.maximum(np.maximum(padded[:-2], padded[1:-1]), padded[2:])  # max of 3 from each
    out[:, col + 2] = max3[:n]  # lines i-3..i-1
    out[:, col + 3] = max3[4 : n + 4]  # lines i+1..i+3
    body = p >= 0.5
    before = np.concatenate([[False], np.logical_or.accumulate(body)[:-1]])
    after = np.concatenate([np.logical_or.accumulate(body[::-1])[::-1][1:], [False]])
    out[:, col + 4] = before
    out[:, col + 5] = after
    total = cs[-1] if cs[-1] > 0 else 1.0
    out[:, col + 6] = cs[idx] / total
    out[:, col + 7] = (cs[-1] - cs[idx + 1]) / total
    last = np.where(body, idx, -1)
    last_before = np.concatenate([[-1], np.maximum.accumulate(last)[:-1]])
    out[:, col + 8] = np.log1p(np.where(last_before >= 0, idx - last_before, n + 1))
    nxt = np.where(body, idx, n * 2 + 1)
    next_after = np.concatenate([np.minimum.accumulate(nxt[::-1])[::-1][1:], [n * 2 + 1]])
    out[:, col + 9] = np.log1p(np.where(next_after <= n, next_after - idx, n + 1))
    return out

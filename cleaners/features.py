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
from dataclasses import dataclass

import numpy as np

from cleaners.patterns import PATTERNS, SECTION_HEADERS, match_reason, normalise_line
from cleaners.templates import line_key

_WORD = re.compile(r"\w+")
_SENTENCE_END = re.compile(r"[.!?…][\"'”’»)\]]*\s*$")
_INNER_SENTENCE = re.compile(r"\w[.!?][\"'”’]?\s+[\"'“‘]?[A-Z]")
_SEPARATORS = re.compile(r"[|•·»›/]")

REASONS: tuple[str, ...] = tuple(PATTERNS)
"""Pattern groups, in order, each a one-hot feature."""

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
)
"""Features that depend on where the line sits among the others."""

NEIGHBOUR_OFFSETS: tuple[int, ...] = (-2, -1, 1, 2)
"""Neighbours (among non-blank lines) whose line features are copied in."""

NEIGHBOUR_KEYS: tuple[str, ...] = ("log_words", "stop_density", "sentence_end", "cap_share", "section_header")
"""The line features copied from each neighbour."""

FEATURE_NAMES: tuple[str, ...] = (
    LINE_FEATURES
    + CONTEXT_FEATURES
    + tuple(f"n{o:+d}_{k}" for o in NEIGHBOUR_OFFSETS for k in NEIGHBOUR_KEYS)
)
"""Column names of the matrix `features` returns; the model file records them and must match."""

PROSE_WORDS = 12
"""A line of this many words with stopwords and a sentence end is 'prose' for the context features."""

PROSE_STOP_DENSITY = 0.2
"""Stopword share a prose line needs (lower than the keep rule: context, not a verdict)."""

HEADER_FAR = 50
"""Distance (in lines) reported when no section header is above a line."""


@dataclass(slots=True)
class LineStats:
    """Cheap facts about one non-blank line, computed once and reused."""

    text: str
    words: int
    stop_density: float
    sentence_end: bool
    reason: str | None
    header: str | None


def line_stats(text: str, stopwords: frozenset[str], pattern_max_words: int) -> LineStats:
    """Count words and stopwords, and match patterns, for one line."""
    norm = normalise_line(text)
    words = _WORD.findall(norm)
    n = len(words)
    stops = sum(1 for w in words if w.lower() in stopwords) if stopwords else 0
    reason = match_reason(norm) if n <= pattern_max_words else None
    header = match_reason(norm, SECTION_HEADERS) if n <= 6 else None
    return LineStats(
        text=norm,
        words=n,
        stop_density=stops / n if n else 0.0,
        sentence_end=bool(_SENTENCE_END.search(norm)),
        reason=reason,
        header=header,
    )


def is_prose(s: LineStats) -> bool:
    """A long line with stopwords and a sentence end: the context features' notion of body."""
    return s.words >= PROSE_WORDS and s.stop_density >= PROSE_STOP_DENSITY and s.reason is None


def _line_vector(s: LineStats, repeated: bool) -> list[float]:
    text = s.text
    chars = len(text)
    words = _WORD.findall(text)
    n = max(1, len(words))
    caps = sum(1 for w in words if w[:1].isupper())
    letters = sum(1 for c in text if c.isalpha())
    upper = sum(1 for c in text if c.isupper())
    digits = sum(1 for c in text if c.isdigit())
    return [
        math.log1p(s.words),
        math.log1p(chars),
        s.stop_density,
        caps / n,
        float(letters > 3 and upper > 0.8 * letters),
        float(s.sentence_end),
        float(len(_INNER_SENTENCE.findall(text))),
        text.count(",") / n,
        digits / max(1, chars),
        len(_SEPARATORS.findall(text)) / n,
        sum(len(w) for w in words) / n,
        float(text[:1] in "\"“'‘«" or text[-1:] in "\"”'’»"),
        float(repeated),
        float(s.header is not None),
        *(float(s.reason == r) for r in REASONS),
    ]


def features(stats: Sequence[LineStats]) -> np.ndarray:
    """Feature matrix (one row per non-blank line, columns `FEATURE_NAMES`)."""
    n = len(stats)
    if n == 0:
        return np.zeros((0, len(FEATURE_NAMES)))
    keys = [line_key(s.text) for s in stats]
    counts = Counter(keys)
    base = np.array(
        [_line_vector(s, counts[k] > 1) for s, k in zip(stats, keys, strict=True)], dtype=np.float64
    )
    prose = np.array([is_prose(s) for s in stats], dtype=bool)
    idx = np.arange(n)
    prose_idx = np.flatnonzero(prose)
    chars = np.array([len(s.text) for s in stats], dtype=np.float64)
    cum = np.cumsum(chars)
    total = cum[-1] if cum[-1] > 0 else 1.0
    ctx = np.zeros((n, len(CONTEXT_FEATURES)))
    ctx[:, 0] = idx / max(1, n - 1)
    pc = np.cumsum(prose)
    ctx[:, 1] = (pc - prose) / max(1, prose.sum())
    ctx[:, 2] = (prose.sum() - pc) / max(1, prose.sum())
    if prose_idx.size:
        lo, hi = prose_idx[0], prose_idx[-1]
        ctx[:, 3] = (idx >= lo) & (idx <= hi)
        ctx[:, 4] = np.log1p(np.maximum(lo - idx, 0) + np.maximum(idx - hi, 0))
        # distance-weighted prose around each line
        padded = np.concatenate([np.zeros(10), prose.astype(float), np.zeros(10)])
        cs = np.cumsum(padded)
        ctx[:, 5] = 0
        ctx[:, 6] = (cs[idx + 13] - cs[idx + 6]) / 7
        ctx[:, 7] = (cs[idx + 20] - cs[np.maximum(idx - 1, 0)]) / 21
        longest = int(np.argmax(chars))
        ctx[:, 8] = (idx - longest) / max(1, n)
    else:
        ctx[:, 4] = math.log1p(n)
    ctx[:, 9] = (cum - chars) / total
    ctx[:, 10] = prose
    last_header = -HEADER_FAR
    for i, s in enumerate(stats):
        ctx[i, 5] = min(HEADER_FAR, i - last_header)
        if s.header is not None:
            last_header = i
            ctx[i, 5] = 0
        elif prose[i]:
            last_header = -HEADER_FAR if ctx[i, 5] > 5 else last_header
    cols = [LINE_FEATURES.index(k) for k in NEIGHBOUR_KEYS]
    neigh = []
    for off in NEIGHBOUR_OFFSETS:
        shifted = np.full((n, len(cols)), -1.0)
        src = base[:, cols]
        if off < 0:
            shifted[-off:] = src[: n + off]
        else:
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
    windows = np.lib.stride_tricks.sliding_window_view(padded, 3)
    out[:, col + 2] = windows[idx].max(axis=1)  # lines i-3..i-1
    out[:, col + 3] = windows[idx + 4].max(axis=1)  # lines i+1..i+3
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

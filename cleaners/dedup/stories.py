"""Story clusters: different write-ups of the same source story.

Rewrites share few shingles (word-5-shingle Jaccard 0.00-0.13 across the five seeds),
so a pair is judged on three signals, computed from the documents passed in:

- TF-IDF cosine of title + body words, IDF from the same documents (ROC AUC 0.958 on
  SemEval-2022 task 8 English pairs);
- named-entity overlap: capitalised phrases (people, places, organisations) and their
  words, no model;
- shared quotations: verbatim spans of `QUOTE_WORDS`+ words found in both texts.

and a publication-date window: dated pairs further apart than `window_days` need a
shared quotation or a clearly higher score; a missing date never blocks. Linked pairs are joined
with union-find (connected components).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components
from sklearn.feature_extraction.text import CountVectorizer

from schemas import Article

QUOTE_WORDS = 8
"""A shared verbatim span this long is a quotation or a copied sentence, not a stock
phrase: 8-word spans shared by unrelated dev-benchmark pages are all boilerplate, which
`QUOTE_MAX_DOCS` filters."""

QUOTE_MAX_DOCS = 20
"""An 8-word span in more than 20 documents is boilerplate (bylines, subscription
blurbs), not a quotation of one story."""

ENTITY_WEIGHT = 0.25
"""Weight of entity overlap added to the cosine in the combined score."""

QUOTE_BONUS = 0.0
"""Added to the combined score when the pair shares a quotation."""

SCORE_THRESHOLD = 0.25
"""Combined score (cosine + ENTITY_WEIGHT*entities + QUOTE_BONUS*quote) that links a pair."""

OUT_OF_WINDOW_THRESHOLD = 0.40
"""Dated pairs further apart than the window need this score (or a shared quotation):
a follow-up a week later is usually a new event, unless it clearly retells the story."""

CANDIDATE_COSINE = 0.05
"""Pairs below this TF-IDF cosine are never scored further (keeps pair counts linear-ish)."""

IDF_PRIOR_DOCS = 50
"""Imaginary word-free documents added to the IDF corpus (see `tfidf_rows`)."""

WINDOW_DAYS = 7
"""Default publication window: follow-ups a week later are usually new events."""

_ENTITY_RE = re.compile(
    r"\b(?:[A-Z][\w'’\-]*[a-z0-9][\w'’\-]*|[A-Z]{2,}s?)"
    r"(?:\s+(?:(?:of|the|de|von|van|al|bin|for)\s+)?(?:[A-Z][\w'’\-]*[a-z0-9][\w'’\-]*|[A-Z]{2,}s?))*"
)
_WORD_RE = re.compile(r"[0-9a-z\u0080-\U0010ffff]+")
_NOT_ENTITY = frozenset(
    """a an the and or but if in on at to of for by with from as is are was were be he she
    it they we you i his her its their our this that these those there here when where
    what who which why how said says mr mrs ms dr monday tuesday wednesday thursday friday
    saturday sunday january february march april may june july august september october
    november december read more also after before while during photo source image video
    according however meanwhile new news report update updated published""".split()  # noqa: SIM905
)


@dataclass(slots=True, frozen=True)
class StoryConfig:
    """Story-level thresholds; see the module constants for why each is set so."""

    window_days: float = WINDOW_DAYS
    entity_weight: float = ENTITY_WEIGHT
    quote_bonus: float = QUOTE_BONUS
    score_threshold: float = SCORE_THRESHOLD
    out_of_window_threshold: float = OUT_OF_WINDOW_THRESHOLD
    candidate_cosine: float = CANDIDATE_COSINE
    quote_words: int = QUOTE_WORDS
    quote_max_docs: int = QUOTE_MAX_DOCS
    idf_prior_docs: int = IDF_PRIOR_DOCS


DEFAULT_STORY_CONFIG = StoryConfig()


@dataclass(slots=True)
class StoryFeatures:
    """Per-document signals for story matching (rows aligned with the input texts)."""

    tfidf: csr_matrix
    entities: list[frozenset[str]]
    quotes: list[frozenset[int]]
    times: np.ndarray = field(default_factory=lambda: np.zeros(0))


def parse_time(value: str | date | None) -> float:
    """Seconds since the epoch for an ISO date/datetime (or a date/datetime object).

    NaN when missing or unreadable. Naive values are taken as UTC; a bare date is its
    midnight. Objects are accepted because DuckDB hands TIMESTAMP columns back as
    `datetime`.
    """
    if value is None or value == "":
        return math.nan
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, date):
        dt = datetime(value.year, value.month, value.day)
    else:
        try:
            dt = datetime.fromisoformat(str(value).strip())
        except ValueError:
            return math.nan
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.timestamp()


def entities(text: str) -> frozenset[str]:
    """Capitalised phrases of `text`, lower-cased, plus their individual words.

    Adding the words lets "Anders Fogh Rasmussen" meet "Anders Rasmussen". Sentence-
    initial function words and calendar words are dropped.
    """
    out: set[str] = set()
    for m in _ENTITY_RE.finditer(text):
        words = [w for w in _WORD_RE.findall(m.group(0).lower()) if w not in _NOT_ENTITY]
        if not words:
            continue
        out.update(w for w in words if len(w) > 1)
        if len(words) > 1:
            out.add(" ".join(words))
    return frozenset(out)


def quote_spans(text: str, n_words: int = QUOTE_WORDS) -> frozenset[int]:
    """Hashes of every `n_words`-word span of the normalised text (candidate quotations)."""
    from cleaners.dedup.normalize import normalize

    words = _WORD_RE.findall(normalize(text))
    return frozenset(
        hash(" ".join(words[i : i + n_words])) for i in range(len(words) - n_words + 1)
    )


def tfidf_rows(texts: Sequence[str], idf_texts: Sequence[str], prior_docs: int) -> csr_matrix:
    """L2-normalised TF-IDF rows (sublinear tf) of `texts`, IDF from `idf_texts`.

    idf = ln((1 + N + prior_docs) / (1 + df)) + 1: `prior_docs` imaginary documents that
    contain none of the words keep the IDF meaningful when the corpus is five articles
    about one story (plain smoothed IDF then gives their shared names the lowest weight).
    """
    vec = CountVectorizer(
        lowercase=True, stop_words="english", token_pattern=r"(?u)\b[^\W\d_]{2,}\b"
    )
    vec.fit(idf_texts)
    df = np.bincount(vec.transform(idf_texts).indices, minlength=len(vec.vocabulary_))
    idf = np.log((1.0 + len(idf_texts) + prior_docs) / (1.0 + df)) + 1.0
    tf = csr_matrix(vec.transform(texts), dtype=np.float64)
    np.log(tf.data, out=tf.data)
    tf.data += 1.0
    tf = csr_matrix(tf.multiply(idf[None, :]))
    norms = np.sqrt(np.asarray(tf.multiply(tf).sum(axis=1)).ravel())
    return csr_matrix(tf.multiply(1.0 / np.maximum(norms, 1e-12)[:, None]))


def story_features(
    texts: Sequence[str],
    published: Sequence[str | None] | None = None,
    cfg: StoryConfig = DEFAULT_STORY_CONFIG,
    *,
    idf_texts: Sequence[str] | None = None,
) -> StoryFeatures:
    """Compute TF-IDF rows, entity sets and quotation spans for `texts`.

    Args:
        texts: title + body of each document.
        published: ISO dates aligned with `texts` (None = unknown).
        cfg: `quote_words` and `quote_max_docs` are used.
        idf_texts: corpus for the IDF; default `texts` themselves.
    """
    tfidf = tfidf_rows(texts, idf_texts if idf_texts is not None else texts, cfg.idf_prior_docs)
    spans = [quote_spans(t, cfg.quote_words) for t in texts]
    df: dict[int, int] = {}
    for s in spans:
        for h in s:
            df[h] = df.get(h, 0) + 1
    quotes = [frozenset(h for h in s if df[h] <= cfg.quote_max_docs) for s in spans]
    times = np.array([parse_time(p) for p in (published or [None] * len(texts))])
    return StoryFeatures(tfidf, [entities(t) for t in texts], quotes, times)


def pair_signals(feats: StoryFeatures, pairs: np.ndarray) -> dict[str, np.ndarray]:
    """Cosine, entity Jaccard, shared-quote flag and date gap (days) for each pair."""
    a, b = pairs[:, 0], pairs[:, 1]
    cos = np.asarray(feats.tfidf[a].multiply(feats.tfidf[b]).sum(axis=1)).ravel()
    ent = np.array(
        [
            len(feats.entities[i] & feats.entities[j])
            / max(1, len(feats.entities[i] | feats.entities[j]))
            for i, j in pairs
        ]
    )
    quote = np.array([bool(feats.quotes[i] & feats.quotes[j]) for i, j in pairs], dtype=bool)
    gap = np.abs(feats.times[a] - feats.times[b]) / 86400.0 if len(feats.times) else np.nan
    return {"cosine": cos, "entities": ent, "quote": quote, "days": np.asarray(gap)}


def story_score(
    signals: dict[str, np.ndarray], cfg: StoryConfig = DEFAULT_STORY_CONFIG
) -> np.ndarray:
    """Combined same-story score: cosine + entity_weight*entities + quote_bonus*quote."""
    return (
        signals["cosine"]
        + cfg.entity_weight * signals["entities"]
        + cfg.quote_bonus * signals["quote"].astype(np.float64)
    )


def same_story(
    signals: dict[str, np.ndarray], cfg: StoryConfig = DEFAULT_STORY_CONFIG
) -> np.ndarray:
    """The pipeline's verdict per pair.

    In the date window (or undated): score >= `score_threshold`. Outside it: a shared
    quotation with that score, or score >= `out_of_window_threshold`.
    """
    score = story_score(signals, cfg)
    in_window = ~(signals["days"] > cfg.window_days)  # NaN (missing date) is in window
    near = score >= cfg.score_threshold
    return near & (in_window | signals["quote"] | (score >= cfg.out_of_window_threshold))


def story_candidates(feats: StoryFeatures, cfg: StoryConfig = DEFAULT_STORY_CONFIG) -> np.ndarray:
    """Pairs (i < j) with TF-IDF cosine >= `cfg.candidate_cosine` or a shared quotation."""
    n = feats.tfidf.shape[0]
    if n < 2:
        return np.zeros((0, 2), dtype=np.int64)
    sim = (feats.tfidf @ feats.tfidf.T).tocoo()
    keep = (sim.row < sim.col) & (sim.data >= cfg.candidate_cosine)
    codes = set((sim.row[keep].astype(np.int64) * n + sim.col[keep]).tolist())
    owner: dict[int, list[int]] = {}
    for i, q in enumerate(feats.quotes):
        for h in q:
            owner.setdefault(h, []).append(i)
    for docs in owner.values():
        for x in range(len(docs)):
            for y in range(x + 1, len(docs)):
                codes.add(docs[x] * n + docs[y])
    arr = np.array(sorted(codes), dtype=np.int64)
    return np.stack([arr // n, arr % n], axis=1) if len(arr) else np.zeros((0, 2), np.int64)


def story_labels(
    texts: Sequence[str],
    published: Sequence[str | None] | None = None,
    cfg: StoryConfig = DEFAULT_STORY_CONFIG,
) -> np.ndarray:
    """Connected-component label of each text under the `same_story` relation.

    Labels are component numbers in first-appearance order of `texts`; callers that need
    order independence pass texts in a canonical (sorted) order.
    """
    n = len(texts)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    feats = story_features(texts, published, cfg)
    pairs = story_candidates(feats, cfg)
    if len(pairs):
        pairs = pairs[same_story(pair_signals(feats, pairs), cfg)]
    graph = csr_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    return labels.astype(np.int64)


def story_clusters(
    articles: Sequence[Article], *, window_days: float = WINDOW_DAYS, cfg: StoryConfig | None = None
) -> dict[str, str]:
    """Map each article's doc_id to its story cluster id (the doc_id of its canonical).

    Canonical: earliest published, else longest text, then smallest doc_id. The result
    does not depend on the order of `articles`.

    Args:
        articles: cleaned articles (title and text are used, and published_at).
        window_days: dated pairs further apart than this need a shared quotation.
        cfg: other thresholds; its window_days is replaced by `window_days`.
    """
    base = cfg or StoryConfig()
    cfg = StoryConfig(**{**_asdict(base), "window_days": window_days})
    arts = sorted(articles, key=lambda a: a.doc_id)
    labels = story_labels(
        [_story_text(a.title, a.text) for a in arts], [a.published_at for a in arts], cfg
    )
    best: dict[int, tuple[tuple[object, ...], str]] = {}
    for a, lab in zip(arts, labels.tolist(), strict=True):
        t = parse_time(a.published_at)
        key = (math.isnan(t), 0.0 if math.isnan(t) else t, -len(a.text), a.doc_id)
        if lab not in best or key < best[lab][0]:
            best[lab] = (key, a.doc_id)
    return {a.doc_id: best[lab][1] for a, lab in zip(arts, labels.tolist(), strict=True)}


def _asdict(cfg: StoryConfig) -> dict[str, object]:
    return {f: getattr(cfg, f) for f in cfg.__slots__}  # type: ignore[attr-defined]


def _story_text(title: str | None, text: str) -> str:
    """Title and body as one text; the title carries the story's key entities."""
    return f"{title}\n{text}" if title else text

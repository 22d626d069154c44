"""Story clusters: different write-ups of the same source story.

Rewrites share few shingles (word-5-shingle Jaccard 0.00-0.13 across the five seeds),
so a pair is judged on three signals, computed from the documents passed in:

- TF-IDF cosine of title + body words (plurals folded), IDF from the same documents,
  after dropping sentences that occur verbatim in several documents (templates);
- named-entity overlap: capitalised phrases (people, places, organisations) and their
  words, no model (weight 0 by default, see `ENTITY_WEIGHT`);
- shared quotations: `QUOTE_WORDS`-word spans inside quotation marks in both texts
  (what was said travels verbatim between rewrites; bonus 0 by default, see
  `QUOTE_BONUS`, but a shared quotation lets a pair link across the date window);

and a publication-date window: dated pairs further apart than `window_days` need a
shared quotation or a clearly higher score; a missing date never blocks. Candidates come
from a blocked sparse product over each document's heaviest rare terms plus the
quotation pairs, so the cost follows the number of plausible pairs, not n^2. Linked pairs are
joined with union-find (connected components). On SemEval-2022 task 8 English pairs
(bench/story_quality.py) the pipeline's rule reaches precision 0.971 / recall 0.872 on
the test pairs, with its threshold chosen on the training pairs.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components
from sklearn.feature_extraction.text import CountVectorizer

from cleaners.dedup.lsh import shared_key_pairs
from cleaners.dedup.minhash import shingle_hashes
from cleaners.dedup.normalize import normalize_words
from schemas import Article

QUOTE_WORDS = 8
"""A shared verbatim span this long is a quotation or a copied sentence, not a stock
phrase ("said in a statement on" is 6)."""

QUOTE_MAX_DOCS = 20
"""An 8-word span in more than 20 documents is boilerplate (bylines, subscription
blurbs), not a quotation of one story."""

ENTITY_WEIGHT = 0.0
"""Weight of entity overlap in the combined score. Entity Jaccard alone has ROC AUC 0.92
on SemEval training pairs, but adding it to the cosine (weights 0.1 / 0.25 / 0.5) never
raised training recall at precision >= 0.95 (0.889 / 0.861 / 0.78 vs 0.889 without): it
is correlated with the cosine, whose IDF already favours names. Kept as a knob."""

QUOTE_BONUS = 0.0
"""Added to the score for a shared quotation. On SemEval training pairs a bonus of 0.05
or 0.1 lowered recall at precision >= 0.95 (0.889 -> 0.889 / 0.833; test 0.872 -> 0.821 /
0.795): the truncated pair texts rarely share quotes (17% of positives, 3% of negatives).
Quotations still matter through the date window (`same_story`)."""

SCORE_THRESHOLD = 0.205
"""Score at or above which a pair is one story: the highest-recall threshold with
precision >= 0.95 on SemEval-2022 task 8 English training pairs (P 0.970, R 0.889)."""

OUT_OF_WINDOW_THRESHOLD = 0.40
"""Dated pairs further apart than the window need this score (or a shared quotation):
a follow-up a week later is usually a new event, unless it clearly retells the story."""

CANDIDATE_COSINE = 0.05
"""Candidate pairs need this cosine over their not-too-common terms (a lower bound of
the full cosine), so pairs are found with a blocked sparse product, not all n^2."""

CANDIDATE_MAX_DF = 200
"""Terms in more than max(200, n/1000) documents are left out of candidate search (they
are in every sports or politics story); the full cosine still counts them."""

CANDIDATE_TERMS = 12
"""Heaviest usable terms per document used in candidate search (see `story_candidates`)."""

BOILERPLATE_MIN_DOCS = 2
"""A sentence (5+ words) found verbatim in 2+ documents is left out of TF-IDF: either
template text ("Your browser does not support the audio element.") or a copied passage,
which the near-duplicate level and `quotes` already see. On SemEval training pairs this
raised ROC AUC from 0.990 to 0.992 and test precision from 0.917 to 0.971 (3 -> 2 docs)."""

_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+|\n+")

IDF_PRIOR_DOCS = 50
"""Imaginary word-free documents added to the IDF corpus (see `tfidf_rows`)."""

WINDOW_DAYS = 7
"""Default publication window: follow-ups a week later are usually new events."""

_PAIR_BLOCK = 20_000
"""Candidate pairs scored per sparse block in `pair_signals`."""
_ROW_BLOCK = 2_000
"""Rows per block of the sparse self-product in `story_candidates`."""

_ENTITY_RE = re.compile(
    r"\b(?:[A-Z][\w'’\-]*[a-z0-9][\w'’\-]*|[A-Z]{2,}s?)"
    r"(?:\s+(?:(?:of|the|de|von|van|al|bin|for)\s+)?(?:[A-Z][\w'’\-]*[a-z0-9][\w'’\-]*|[A-Z]{2,}s?))*"
)
_QUOTED_RE = re.compile(r'"([^"\n]{20,})"')
_TERM_RE = re.compile(r"\b[^\W\d_]{2,}\b")
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
    candidate_max_df: int = CANDIDATE_MAX_DF
    candidate_terms: int = CANDIDATE_TERMS
    quote_words: int = QUOTE_WORDS
    quote_max_docs: int = QUOTE_MAX_DOCS
    boilerplate_min_docs: int = BOILERPLATE_MIN_DOCS
    idf_prior_docs: int = IDF_PRIOR_DOCS


DEFAULT_STORY_CONFIG = StoryConfig()


@dataclass(slots=True)
class StoryFeatures:
    """Per-document signals for story matching (rows aligned with the input texts).

    `quote_pairs` holds the pair codes i*n + j (i < j) of documents sharing a quotation;
    `entities` is None unless asked for (it is the slowest feature).
    """

    tfidf: csr_matrix
    quote_pairs: np.ndarray
    times: np.ndarray
    entities: list[frozenset[str]] | None = None


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


def quoted_passages(text: str) -> str:
    """The passages of `text` inside double quotes (straight or typographic), one per
    line; a quote cut by a paragraph break ends there."""
    return "\n".join(_QUOTED_RE.findall(normalize_words(text)))


def quote_pairs(texts: Sequence[str], cfg: StoryConfig = DEFAULT_STORY_CONFIG) -> np.ndarray:
    """Codes i*n + j of text pairs that quote the same `quote_words`-word span.

    Only text inside quotation marks counts (what people said travels verbatim between
    rewrites; the narration does not), which also keeps the number of hashed spans at a
    fraction of the corpus. Spans quoted by more than `quote_max_docs` texts are ignored.
    """
    normed = [quoted_passages(t) for t in texts]
    values, offsets = shingle_hashes(normed, cfg.quote_words, wide=True, short_texts=False)
    owners = np.repeat(np.arange(len(texts)), np.diff(offsets))
    return shared_key_pairs(values, owners, len(texts), cfg.quote_max_docs)


def boilerplate_sentences(texts: Sequence[str], min_docs: int) -> frozenset[str]:
    """Lower-cased sentences of 5+ words that occur verbatim in >= min_docs of `texts`."""
    df: dict[str, int] = {}
    for t in texts:
        for key in {x.strip().lower() for x in _SENTENCE_SPLIT.split(t) if x.count(" ") >= 4}:
            df[key] = df.get(key, 0) + 1
    return frozenset(k for k, c in df.items() if c >= min_docs)


def drop_sentences(texts: Sequence[str], drop: frozenset[str]) -> list[str]:
    """`texts` without the sentences in `drop` (as `boilerplate_sentences` keys them)."""
    if not drop:
        return list(texts)
    out = []
    for t in texts:
        sents = _SENTENCE_SPLIT.split(t)
        if any(x.strip().lower() in drop for x in sents):
            t = " ".join(x for x in sents if x.strip().lower() not in drop)
        out.append(t)
    return out


def _singular(word: str) -> str:
    """Crude plural folding ("bushfires" -> "bushfire"): +0.03 recall at equal precision
    on SemEval training pairs; full stemmers merged unrelated words."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word[-1] == "s" and word[-2] not in "su":
        return word[:-1]
    return word


def tfidf_rows(
    texts: Sequence[str], idf_texts: Sequence[str] | None, prior_docs: int
) -> csr_matrix:
    """L2-normalised TF-IDF rows (sublinear tf) of `texts`, IDF from `idf_texts`.

    Terms: lower-cased alphabetic words of 2+ letters, no English stop words, plurals
    folded (`_singular`, applied to the vocabulary, not to every token). idf =
    ln((1 + N + prior_docs) / (1 + df)) + 1: `prior_docs` imaginary documents that
    contain none of the words keep the IDF meaningful when the corpus is five articles
    about one story (plain smoothed IDF then gives their shared names the lowest weight).

    Args:
        texts: documents to vectorise.
        idf_texts: IDF corpus; None means `texts` (tokenised once).
        prior_docs: see above.
    """
    vec = CountVectorizer(lowercase=True, stop_words="english", token_pattern=_TERM_RE.pattern)
    corpus_counts = vec.fit_transform(texts if idf_texts is None else idf_texts)
    vocab = vec.get_feature_names_out()
    folded, column = np.unique([_singular(w) for w in vocab], return_inverse=True)
    fold = csr_matrix(
        (np.ones(len(vocab)), (np.arange(len(vocab)), column.ravel())),
        shape=(len(vocab), len(folded)),
    )
    corpus_counts = csr_matrix(corpus_counts @ fold)
    counts = corpus_counts if idf_texts is None else csr_matrix(vec.transform(texts) @ fold)
    n_corpus = corpus_counts.shape[0]
    df = np.bincount(corpus_counts.indices, minlength=len(folded))
    idf = np.log((1.0 + n_corpus + prior_docs) / (1.0 + df)) + 1.0
    tf = csr_matrix(counts, dtype=np.float64)
    np.log(tf.data, out=tf.data)
    tf.data += 1.0
    tf.data *= idf[tf.indices]
    norms = np.sqrt(np.asarray(tf.multiply(tf).sum(axis=1)).ravel())
    tf.data /= np.repeat(np.maximum(norms, 1e-12), np.diff(tf.indptr))
    return tf


def story_features(
    texts: Sequence[str],
    published: Sequence[str | date | None] | None = None,
    cfg: StoryConfig = DEFAULT_STORY_CONFIG,
    *,
    idf_texts: Sequence[str] | None = None,
    with_entities: bool = False,
) -> StoryFeatures:
    """Compute TF-IDF rows, quotation pairs, dates (and entity sets) for `texts`.

    Args:
        texts: title + body of each document.
        published: ISO dates aligned with `texts` (None = unknown).
        cfg: thresholds (quote and boilerplate settings, IDF prior).
        idf_texts: corpus for the IDF and the boilerplate sentence counts; default
            `texts` themselves.
        with_entities: compute entity sets even when `cfg.entity_weight` is 0.
    """
    quotes = quote_pairs(texts, cfg)
    corpus = idf_texts if idf_texts is not None else texts
    common = boilerplate_sentences(corpus, cfg.boilerplate_min_docs)
    kept = drop_sentences(texts, common)
    kept_corpus = None if idf_texts is None else drop_sentences(idf_texts, common)
    tfidf = tfidf_rows(kept, kept_corpus, cfg.idf_prior_docs)
    times = np.array([parse_time(p) for p in (published or [None] * len(texts))])
    ents = [entities(t) for t in kept] if with_entities or cfg.entity_weight else None
    return StoryFeatures(tfidf, quotes, times, ents)


def pair_signals(feats: StoryFeatures, pairs: np.ndarray) -> dict[str, np.ndarray]:
    """Cosine, entity Jaccard (0 if not computed), shared-quote flag and date gap (days)."""
    n = feats.tfidf.shape[0]
    a, b = pairs[:, 0], pairs[:, 1]
    cos = np.empty(len(pairs))
    for lo in range(0, len(pairs), _PAIR_BLOCK):
        x, y = feats.tfidf[a[lo : lo + _PAIR_BLOCK]], feats.tfidf[b[lo : lo + _PAIR_BLOCK]]
        cos[lo : lo + _PAIR_BLOCK] = np.asarray(x.multiply(y).sum(axis=1)).ravel()
    ent = np.zeros(len(pairs))
    if feats.entities is not None:
        e = feats.entities
        ent = np.array([len(e[i] & e[j]) / max(1, len(e[i] | e[j])) for i, j in pairs.tolist()])
    lo_, hi_ = np.minimum(a, b), np.maximum(a, b)
    quote = np.isin(lo_.astype(np.int64) * n + hi_, feats.quote_pairs)
    days = np.abs(feats.times[a] - feats.times[b]) / 86400.0
    return {"cosine": cos, "entities": ent, "quote": quote, "days": days}


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
    verdict: np.ndarray = near & (
        in_window | signals["quote"] | (score >= cfg.out_of_window_threshold)
    )
    return verdict


def story_candidates(feats: StoryFeatures, cfg: StoryConfig = DEFAULT_STORY_CONFIG) -> np.ndarray:
    """Pairs (i < j) worth scoring: a shared quotation, or a partial cosine >=
    `candidate_cosine` over each document's `candidate_terms` heaviest terms among those in
    2 to max(`candidate_max_df`, n/1000) documents.

    That bounds the sparse self-product at candidate_terms * max_df entries per row (the
    full product of 100k synthetic texts took 219 s and 6.6 GB); same-story pairs share
    their heaviest (rarest) terms, names and places. It runs in row blocks.
    """
    x = feats.tfidf
    n = x.shape[0]
    if n < 2:
        return np.zeros((0, 2), dtype=np.int64)
    df = np.bincount(x.indices, minlength=x.shape[1])
    usable = (df >= 2) & (df <= max(cfg.candidate_max_df, n // 1000))
    xr = _top_terms(x, usable, cfg.candidate_terms)
    xt = csr_matrix(xr.T)
    codes = [feats.quote_pairs]
    for lo in range(0, n, _ROW_BLOCK):
        sim = (xr[lo : lo + _ROW_BLOCK] @ xt).tocoo()
        row = sim.row.astype(np.int64) + lo
        keep = (row < sim.col) & (sim.data >= cfg.candidate_cosine)
        codes.append(row[keep] * n + sim.col[keep])
    arr = np.unique(np.concatenate(codes))
    return np.stack([arr // n, arr % n], axis=1)


def _top_terms(x: csr_matrix, usable: np.ndarray, k: int) -> csr_matrix:
    """`x` keeping, per row, the k largest entries among the `usable` columns."""
    x = csr_matrix(x, copy=True)
    x.data[~usable[x.indices]] = 0.0
    row = np.repeat(np.arange(x.shape[0]), np.diff(x.indptr))
    order = np.lexsort((-x.data, row))  # by row, heaviest first
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order)) - x.indptr[row[order]]
    x.data[rank >= k] = 0.0
    x.eliminate_zeros()
    return x


def story_labels(
    texts: Sequence[str],
    published: Sequence[str | date | None] | None = None,
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
    labels: np.ndarray = connected_components(graph, directed=False)[1]
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
    cfg = replace(cfg or DEFAULT_STORY_CONFIG, window_days=window_days)
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


def _story_text(title: str | None, text: str) -> str:
    """Title and body as one text; the title carries the story's key entities."""
    return f"{title}\n{text}" if title else text

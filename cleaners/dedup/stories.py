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

import hashlib
import math
import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from functools import cache
from typing import TYPE_CHECKING

import numpy as np

from cleaners.dedup.lsh import shared_key_pairs
from cleaners.dedup.minhash import WORD_RE, shingle_hashes
from cleaners.dedup.normalize import normalize_words
from schemas import Article
from schemas.timestamps import parse_timestamp

if TYPE_CHECKING:
    from scipy.sparse import csr_matrix  # imported where used: SciPy is most of a second

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

REACH_DAYS = 31
"""How far apart (published, else ingested) two story nodes can be and still be
compared at all: beyond the window a pair needs a shared quotation or
`OUT_OF_WINDOW_THRESHOLD`, and a retelling more than a month later is a new story unless
it quotes the old one (quotations are looked up at any distance). This bound is what
lets a run compare a new article with the stories of its month, not with the whole
warehouse. The seeds span 8 days (seed 4 is crawled a week after the others)."""

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
_NOT_ENTITY = frozenset(
    """a an the and or but if in on at to of for by with from as is are was were be he she
    it they we you i his her its their our this that these those there here when where
    what who which why how said says mr mrs ms dr monday tuesday wednesday thursday friday
    saturday sunday january february march april may june july august september october
    november december read more also after before while during photo source image video
    according however meanwhile new news report update updated published""".split()  # noqa: SIM905
)

Moment = str | date | None
"""A time as records and DuckDB hand it over: an ISO string, a `date`/`datetime`, or none."""


@dataclass(slots=True, frozen=True)
class StoryConfig:
    """Story-level thresholds; see the module constants for why each is set so."""

    window_days: float = WINDOW_DAYS
    reach_days: float = REACH_DAYS
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
    vocab: list[str] = field(default_factory=list)
    df: np.ndarray = field(default_factory=lambda: np.zeros(0))
    n_corpus: int = 0


def parse_time(value: Moment) -> float:
    """Seconds since the epoch for a date or timestamp (or a date/datetime object).

    A string is read by the one timestamp parser, `schemas.timestamps.parse_timestamp`
    (NaN where it finds no date). Naive values are taken as UTC; a bare date is its
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
        parsed = parse_timestamp(str(value))
        if parsed is None:
            return math.nan
        dt = parsed
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
        words = [w for w in WORD_RE.findall(m.group(0).lower()) if w not in _NOT_ENTITY]
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


def quote_keys(
    texts: Sequence[str], cfg: StoryConfig = DEFAULT_STORY_CONFIG
) -> tuple[np.ndarray, np.ndarray]:
    """64-bit keys of the `quote_words`-word spans inside quotation marks of each text:
    (values, offsets), the keys of text i being values[offsets[i]:offsets[i + 1]]."""
    normed = [quoted_passages(t) for t in texts]
    values, offsets = shingle_hashes(normed, cfg.quote_words, wide=True, short_texts=False)
    return values, offsets


def quote_pairs(texts: Sequence[str], cfg: StoryConfig = DEFAULT_STORY_CONFIG) -> np.ndarray:
    """Codes i*n + j of text pairs that quote the same `quote_words`-word span.

    Only text inside quotation marks counts (what people said travels verbatim between
    rewrites; the narration does not), which also keeps the number of hashed spans at a
    fraction of the corpus. Spans quoted by more than `quote_max_docs` texts are ignored.
    """
    values, offsets = quote_keys(texts, cfg)
    owners = np.repeat(np.arange(len(texts)), np.diff(offsets))
    return shared_key_pairs(values, owners, len(texts), cfg.quote_max_docs)


def _singular(word: str) -> str:
    """Crude plural folding ("bushfires" -> "bushfire"): +0.03 recall at equal precision
    on SemEval training pairs; full stemmers merged unrelated words."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word[-1] == "s" and word[-2] not in "su":
        return word[:-1]
    return word


@cache
def _analyzer() -> Callable[[str], list[str]]:
    """scikit-learn's word analyzer (its English stop words), built on first use: a run
    with no new article to cluster then does not import scikit-learn (a second or so)."""
    from sklearn.feature_extraction.text import CountVectorizer

    analyze: Callable[[str], list[str]] = CountVectorizer(
        lowercase=True, stop_words="english", token_pattern=_TERM_RE.pattern
    ).build_analyzer()
    return analyze


_FOLDED: dict[str, str] = {}


def story_terms(text: str) -> Counter[str]:
    """Term counts of a story text: lower-cased alphabetic words of 2+ letters, no
    English stop words, plurals folded (`_singular`)."""
    out: Counter[str] = Counter()
    folded = _FOLDED
    for tok in _analyzer()(text):
        term = folded.get(tok)
        if term is None:
            term = folded[tok] = _singular(tok)
        out[term] += 1
    if len(folded) > 2_000_000:  # bounded memo: a long recluster meets many words
        folded.clear()
    return out


def sentence_keys(text: str) -> set[int]:
    """64-bit keys of the sentences of 5+ words (lower-cased, stripped) of `text`."""
    return {
        int.from_bytes(hashlib.blake2b(x.encode(), digest_size=8).digest(), "little")
        for x in (y.strip().lower() for y in _SENTENCE_SPLIT.split(text))
        if x.count(" ") >= 4
    }


@dataclass(slots=True, frozen=True)
class CorpusStats:
    """What TF-IDF needs of the corpus: its size and per-term / per-sentence document
    frequencies. The warehouse keeps these for its story nodes and updates them per run
    (`warehouse.dedup`); `corpus_stats` computes them for a list of texts."""

    n_docs: int
    term_df: Mapping[str, int]
    sentence_df: Mapping[int, int]


def corpus_stats(texts: Sequence[str]) -> CorpusStats:
    """Document frequencies of the terms and 5+-word sentences of `texts`."""
    term_df: Counter[str] = Counter()
    sentence_df: Counter[int] = Counter()
    for t in texts:
        term_df.update(story_terms(t).keys())
        sentence_df.update(sentence_keys(t))
    return CorpusStats(len(texts), term_df, sentence_df)


def drop_boilerplate(text: str, stats: CorpusStats, min_docs: int) -> str:
    """`text` without its sentences (5+ words) found verbatim in `min_docs`+ documents of
    the corpus: template text ("Your browser does not support the audio element.") or a
    copied passage, which the near-duplicate level and quotations already see."""
    sents = _SENTENCE_SPLIT.split(text)

    def common(x: str) -> bool:
        x = x.strip().lower()
        if x.count(" ") < 4:
            return False
        key = int.from_bytes(hashlib.blake2b(x.encode(), digest_size=8).digest(), "little")
        return stats.sentence_df.get(key, 0) >= min_docs

    flags = [common(x) for x in sents]
    return " ".join(x for x, f in zip(sents, flags, strict=True) if not f) if any(flags) else text


@dataclass(slots=True, frozen=True)
class TermRows:
    """TF-IDF rows and their vocabulary (column -> term), with each column's df."""

    matrix: csr_matrix
    vocab: list[str]
    df: np.ndarray


def tfidf_rows(
    texts: Sequence[str],
    stats: CorpusStats,
    prior_docs: int,
    terms: Sequence[Counter[str] | None] | None = None,
) -> TermRows:
    """L2-normalised TF-IDF rows (sublinear tf) of `texts` under the corpus `stats`.

    idf = ln((1 + N + prior_docs) / (1 + df)) + 1: `prior_docs` imaginary documents that
    contain none of the words keep the IDF meaningful when the corpus is five articles
    about one story (plain smoothed IDF then gives their shared names the lowest weight).
    Terms the corpus does not know count with df 1 (the text itself). `terms` may hold
    each text's `story_terms`, already computed.
    """
    from scipy.sparse import csr_matrix

    column: dict[str, int] = {}
    indptr, indices, counts = [0], [], []
    for i, t in enumerate(texts):
        known = terms[i] if terms is not None else None
        for term, c in (known if known is not None else story_terms(t)).items():
            indices.append(column.setdefault(term, len(column)))
            counts.append(c)
        indptr.append(len(indices))
    vocab = list(column)
    df = np.array([max(1, stats.term_df.get(w, 0)) for w in vocab], dtype=np.float64)
    idf = np.log((1.0 + stats.n_docs + prior_docs) / (1.0 + df)) + 1.0
    tf = csr_matrix(
        (np.asarray(counts, dtype=np.float64), np.asarray(indices, dtype=np.int64), indptr),
        shape=(len(texts), len(vocab)),
    )
    np.log(tf.data, out=tf.data)
    tf.data += 1.0
    tf.data *= idf[tf.indices]
    norms = np.sqrt(np.asarray(tf.multiply(tf).sum(axis=1)).ravel())
    tf.data /= np.repeat(np.maximum(norms, 1e-12), np.diff(tf.indptr))
    return TermRows(tf, vocab, df)


def story_features(
    texts: Sequence[str],
    published: Sequence[str | date | None] | None = None,
    cfg: StoryConfig = DEFAULT_STORY_CONFIG,
    *,
    idf_texts: Sequence[str] | None = None,
    stats: CorpusStats | None = None,
    terms: Sequence[Counter[str]] | None = None,
    sentences: Sequence[set[int]] | None = None,
    with_entities: bool = False,
) -> StoryFeatures:
    """Compute TF-IDF rows, quotation pairs, dates (and entity sets) for `texts`.

    Args:
        texts: title + body of each document.
        published: ISO dates aligned with `texts` (None = unknown).
        cfg: thresholds (quote and boilerplate settings, IDF prior).
        idf_texts: corpus for the IDF and the boilerplate sentence counts; default
            `texts` themselves. Ignored when `stats` is given.
        stats: the corpus statistics themselves (the warehouse's, kept per run).
        terms: each text's `story_terms`, when the caller has them already.
        sentences: each text's `sentence_keys`, likewise (a text none of whose
            sentences is common is kept whole without splitting it again).
        with_entities: compute entity sets even when `cfg.entity_weight` is 0.
    """
    if stats is None:
        stats = corpus_stats(idf_texts if idf_texts is not None else texts)
    quotes = quote_pairs(texts, cfg)
    need = cfg.boilerplate_min_docs
    kept = [
        t if sentences is not None and all(stats.sentence_df.get(k, 0) < need
                                           for k in sentences[i])
        else drop_boilerplate(t, stats, need)
        for i, t in enumerate(texts)
    ]
    known = None
    if terms is not None:  # a text that lost sentences has other terms
        known = [c if k is t else None for c, k, t in zip(terms, kept, texts, strict=True)]
    rows = tfidf_rows(kept, stats, cfg.idf_prior_docs, known)
    times = np.array([parse_time(p) for p in (published or [None] * len(texts))])
    ents = [entities(t) for t in kept] if with_entities or cfg.entity_weight else None
    return StoryFeatures(rows.matrix, quotes, times, ents, rows.vocab, rows.df, stats.n_docs)


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


def candidate_cap(cfg: StoryConfig, n_corpus: int) -> int:
    """Terms in more documents than this are left out of candidate search."""
    return max(cfg.candidate_max_df, n_corpus // 1000)


def top_terms(feats: StoryFeatures, cfg: StoryConfig, *, min_df: int = 2) -> csr_matrix:
    """Per row, the `candidate_terms` heaviest terms with corpus df in
    [min_df, `candidate_cap`]; the other entries dropped.

    The warehouse indexes each new story node under these terms with `min_df` 1 (a term
    only it has today may be shared tomorrow) and looks candidates up with 2.
    """
    from scipy.sparse import csr_matrix

    x = csr_matrix(feats.tfidf, copy=True)
    usable = (feats.df >= min_df) & (feats.df <= candidate_cap(cfg, feats.n_corpus))
    x.data[~usable[x.indices]] = 0.0
    row = np.repeat(np.arange(x.shape[0]), np.diff(x.indptr))
    order = np.lexsort((-x.data, row))  # by row, heaviest first
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order)) - x.indptr[row[order]]
    x.data[rank >= cfg.candidate_terms] = 0.0
    x.eliminate_zeros()
    return x


def window_days(
    published: Sequence[Moment], ingested: Sequence[Moment] | None
) -> np.ndarray:
    """The day that places each document in the story window: published, else
    ingested (NaN when neither is known: such a document is never kept out)."""
    pub = np.array([parse_time(p) for p in published])
    if ingested is not None:
        ing = np.array([parse_time(p) for p in ingested])
        pub = np.where(np.isnan(pub), ing, pub)
    return pub / 86400.0


def story_candidates(
    feats: StoryFeatures,
    cfg: StoryConfig = DEFAULT_STORY_CONFIG,
    days: np.ndarray | None = None,
) -> np.ndarray:
    """Pairs (i < j) worth scoring: a shared quotation, or a partial cosine >=
    `candidate_cosine` over each document's heaviest terms (`top_terms`) at most
    `reach_days` apart (`days`, from `window_days`; None = no bound).

    That bounds the sparse self-product at candidate_terms * max_df entries per row (the
    full product of 100k synthetic texts took 219 s and 6.6 GB); same-story pairs share
    their heaviest (rarest) terms, names and places. It runs in row blocks.
    """
    from scipy.sparse import csr_matrix

    n = feats.tfidf.shape[0]
    if n < 2:
        return np.zeros((0, 2), dtype=np.int64)
    xr = top_terms(feats, cfg)
    xt = csr_matrix(xr.T)
    codes = [feats.quote_pairs]
    for lo in range(0, n, _ROW_BLOCK):
        sim = (xr[lo : lo + _ROW_BLOCK] @ xt).tocoo()
        row = sim.row.astype(np.int64) + lo
        keep = (row < sim.col) & (sim.data >= cfg.candidate_cosine)
        if days is not None:
            keep &= ~(np.abs(days[row] - days[sim.col]) > cfg.reach_days)
        codes.append(row[keep] * n + sim.col[keep])
    arr = np.unique(np.concatenate(codes))
    return np.stack([arr // n, arr % n], axis=1)


def story_pairs(
    texts: Sequence[str],
    published: Sequence[str | date | None],
    ingested: Sequence[str | date | None] | None = None,
    cfg: StoryConfig = DEFAULT_STORY_CONFIG,
    stats: CorpusStats | None = None,
) -> np.ndarray:
    """Pairs (i < j) of `texts` that are one story: candidates, then `same_story`."""
    if len(texts) < 2:
        return np.zeros((0, 2), dtype=np.int64)
    feats = story_features(texts, published, cfg, stats=stats)
    pairs = story_candidates(feats, cfg, window_days(published, ingested))
    if len(pairs):
        pairs = pairs[same_story(pair_signals(feats, pairs), cfg)]
    return pairs


def story_labels(
    texts: Sequence[str],
    published: Sequence[str | date | None] | None = None,
    cfg: StoryConfig = DEFAULT_STORY_CONFIG,
) -> np.ndarray:
    """Connected-component label of each text under the `same_story` relation (the
    near clusters' `components`: one union-find for both levels)."""
    from cleaners.dedup.clusters import components  # clusters imports this module

    n = len(texts)
    return components(n, story_pairs(texts, published or [None] * n, None, cfg))


def story_clusters(
    articles: Sequence[Article], *, window_days: float = WINDOW_DAYS, cfg: StoryConfig | None = None
) -> dict[str, str]:
    """Map each article's doc_id to its story cluster id (the doc_id of its canonical).

    Canonical: the near clusters' rule (`clusters.rank_key`: earliest published, else
    longest clean text, then smallest doc_id). The result does not depend on the order
    of `articles`.

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
    from cleaners.dedup.clusters import leaders, rank_key, ranks  # clusters imports this module

    rank = ranks([rank_key(a.published_at, len(a.text.strip()), a.doc_id) for a in arts])
    leader = leaders(labels, rank)
    return {a.doc_id: arts[int(leader[i])].doc_id for i, a in enumerate(arts)}


def _story_text(title: str | None, text: str) -> str:
    """Title and body as one text; the title carries the story's key entities."""
    return f"{title}\n{text}" if title else text

"""Incremental clustering: a run clusters its new articles against the stored indexes.

For each chunk of articles not clustered yet (new ones, re-cleaned ones, and any a
killed run left), in one transaction:

1. sign what has no current signature, key each text (`exact_key`), index one document
   per new exact key under its LSH band keys and look up who shares a band
   (`warehouse.dedup.band_candidates`); verify those pairs from the stored signatures;
2. recompute the region the chunk touches (its documents and every member of every
   near cluster they join or link to) with `cleaners.dedup.near_partition`;
3. story level: near canonicals that are new become story nodes (terms and sentences
   counted into the stored document frequencies, heaviest terms and quotations
   indexed), ones that stopped being canonical leave; each new node is scored against
   the nodes that can still match it (a shared heavy term at most `reach_days` away, or
   a shared quotation) with the same `same_story` rule as `cleaners.dedup.stories`;
   the stories the region touches are recomputed with `story_leaders`.

Everything read or written is sized by the chunk and the clusters it touches. The
near-duplicate partition (exact groups, near clusters, canonicals, similarities) is a
function of the set of articles only: any split into runs, order, batch size or worker
count gives the same rows, and `recluster` (which empties the indexes and clusters
everything again) gives the same partition. The story level uses the document
frequencies as they stand when a pair is scored, so a pair scored in an early run sees
a smaller corpus than `recluster` would (see bench/README.md for what that changes).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import duckdb
import numpy as np
import pyarrow as pa

from cleaners.dedup import signatures
from cleaners.dedup.clusters import (
    key_labels,
    near_partition,
    rank_key,
    ranks,
    story_leaders,
)
from cleaners.dedup.config import DEFAULT_CONFIG
from cleaners.dedup.lsh import index_keys, near_duplicate_score
from cleaners.dedup.normalize import exact_key
from cleaners.dedup.stories import (
    DEFAULT_STORY_CONFIG,
    CorpusStats,
    Moment,
    StoryFeatures,
    _story_text,
    pair_signals,
    parse_time,
    quote_keys,
    same_story,
    sentence_keys,
    story_features,
    story_terms,
    top_terms,
)
from schemas import ClusterRow
from warehouse import dedup
from warehouse.db import transaction

CHUNK_ARTICLES = 20_000
"""Articles clustered per transaction: a first run of 10k documents is one chunk, and a
recluster of 1M holds ~100 MB of texts and signatures at a time, not 20 GB."""

SIGNATURE_VERSION = "v1"
"""Bump when the hashing in `cleaners.dedup.minhash` changes: stored signatures are then
recomputed from the article text on the next run instead of silently mismatching."""


def signature_scheme() -> str:
    """Names everything a stored signature depends on; a change makes old ones stale."""
    cfg = DEFAULT_CONFIG
    return f"minhash-{SIGNATURE_VERSION}-k{cfg.shingle_size}-p{cfg.num_perm}-s{cfg.seed}"


def story_counts(nodes: Sequence[tuple[str | None, str]]) -> tuple[list[str], list[int]]:
    """Distinct terms and sentence keys of each (title, text), one entry per node."""
    terms: list[str] = []
    sents: list[int] = []
    for title, text in nodes:
        story = _story_text(title, text)
        terms.extend(story_terms(story))
        sents.extend(sentence_keys(story))
    return terms, sents


def forget_articles(con: duckdb.DuckDBPyConnection, doc_ids: Sequence[str]) -> None:
    """Take articles out of the clustering state before their text is replaced (a site
    template re-cleaned them); the next `dedup_new` clusters them again."""
    dedup.forget(con, doc_ids, story_counts)


def dedup_new(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Cluster every article that is not clustered yet; returns the cluster counts."""
    cluster_pending(con)
    return dedup.cluster_counts(con)


def cluster_pending(con: duckdb.DuckDBPyConnection) -> None:
    """Cluster every article that is not clustered yet.

    Signatures made under another scheme (a new presswash changed the hashing) make the
    stored band keys meaningless too: then everything is clustered again, re-signed.
    """
    stale = con.execute(
        "SELECT count(*) FROM signatures WHERE scheme <> ?", [signature_scheme()]
    ).fetchall()[0][0]
    if stale:
        with transaction(con):
            dedup.reset(con)
    while True:
        with transaction(con):
            table = dedup.pending(con, CHUNK_ARTICLES)
            dirty = con.execute("SELECT count(*) FROM dedup_dirty").fetchall()[0][0]
            if table.num_rows == 0 and not dirty:
                break
            _cluster_chunk(con, table)


def recluster(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Rebuild every cluster from the stored articles and signatures (after a change of
    dedup settings): empty the indexes, then cluster everything as new. A kill midway
    leaves the rest pending, and the next run or recluster finishes it."""
    with transaction(con):
        dedup.reset(con)
    return dedup_new(con)


def _cluster_chunk(con: duckdb.DuckDBPyConnection, table: pa.Table) -> None:
    cols = table.to_pydict()
    ids: list[str] = cols["doc_id"]
    cfg = DEFAULT_CONFIG
    sigs, sizes = _current_signatures(con, cols)
    keys = [exact_key(t) for t in cols["text"]]
    known = dedup.known_exact_keys(con, keys)
    indexed = np.zeros(len(ids), dtype=bool)
    seen: set[str] = set(known)
    for i, k in enumerate(keys):  # ids are sorted: the smallest doc_id of a new key
        if k not in seen and sizes[i] > 0:
            indexed[i] = True
        seen.add(k)
    days = _window_days(cols["published_at"], cols["ingested_at"])
    numbers = dedup.add_docs(con, pa.table({
        "doc_id": pa.array(ids, pa.string()),
        "exact_key": pa.array(keys, pa.string()),
        "published_at": pa.array(cols["published_at"], pa.timestamp("us")),
        "text_len": pa.array([len(t.strip()) for t in cols["text"]], pa.int32()),
        "window_day": pa.array(days, pa.float64()),
        "indexed": pa.array(indexed, pa.bool_()),
    }))
    rows = np.flatnonzero(indexed)
    pairs = dedup.band_candidates(
        con,
        np.array([numbers[ids[i]] for i in rows], dtype=np.int64),
        index_keys(sigs[rows], cfg),
    )
    dedup.add_near_edges(con, _verified(con, pairs, ids, sigs, sizes))

    reg = dedup.region(con, ids, cfg.num_perm)
    rank = ranks([
        rank_key(p, n, d) for p, n, d in zip(reg.published, reg.text_len, reg.doc_ids, strict=True)
    ])
    part = near_partition(key_labels(reg.exact_keys), rank, reg.sigs, reg.sizes, reg.near_edges)
    near_rows = [
        ClusterRow(
            doc_id=d,
            exact_group=reg.doc_ids[part.exact_leader[i]],
            near_cluster=reg.doc_ids[part.near_leader[i]],
            story_cluster=reg.old[d][1] if d in reg.old else reg.doc_ids[part.near_leader[i]],
            is_canonical=bool(part.near_leader[i] == i),
            similarity=float(part.similarity[i]),
        )
        for i, d in enumerate(reg.doc_ids)
    ]
    dedup.write_clusters(con, near_rows)
    dedup.clear_dirty(con)
    canon = {r.doc_id for r in near_rows if r.is_canonical}
    dedup.drop_story_nodes(con, sorted(reg.story_nodes - canon), story_counts)
    added = sorted(canon - reg.story_nodes)
    _add_story_nodes(con, added, dict(zip(reg.doc_ids, reg.window_day.tolist(), strict=True)))
    _restory(con, reg.doc_ids)


def _current_signatures(
    con: duckdb.DuckDBPyConnection, cols: dict[str, list]
) -> tuple[np.ndarray, np.ndarray]:
    """The chunk's signatures, re-signing (and storing) any that are missing or stale."""
    cfg = DEFAULT_CONFIG
    scheme = signature_scheme()
    stale = [i for i, s in enumerate(cols["scheme"]) if s != scheme]
    blobs = list(cols["minhash"])
    sizes = np.array([n or 0 for n in cols["n_shingles"]], dtype=np.int64)
    if stale:
        new_sigs, new_sizes = signatures([cols["text"][i] for i in stale])
        table = pa.table({
            "doc_id": pa.array([cols["doc_id"][i] for i in stale], pa.string()),
            "minhash": pa.array(
                [dedup.signature_blob(new_sigs[j]) for j in range(len(stale))],
                pa.binary(),
            ),
            "n_shingles": pa.array(new_sizes, pa.int32()),
            "scheme": pa.array([scheme] * len(stale), pa.string()),
        })
        dedup.store_signatures(con, table)
        for j, i in enumerate(stale):
            blobs[i] = table.column("minhash")[j].as_py()
            sizes[i] = int(new_sizes[j])
    return dedup.blobs_to_matrix(blobs, cfg.num_perm), sizes


def _window_days(
    published: Sequence[Moment], ingested: Sequence[Moment]
) -> list[float | None]:
    out: list[float | None] = []
    for p, g in zip(published, ingested, strict=True):
        t = parse_time(p)
        if np.isnan(t):
            t = parse_time(g)
        out.append(None if np.isnan(t) else t / 86400.0)
    return out


def _verified(
    con: duckdb.DuckDBPyConnection,
    pairs: list[tuple[str, str]],
    ids: list[str],
    sigs: np.ndarray,
    sizes: np.ndarray,
) -> list[tuple[str, str]]:
    """The candidate pairs that `near_duplicate_score` accepts."""
    if not pairs:
        return []
    pos = {d: i for i, d in enumerate(ids)}
    others = sorted({b for _, b in pairs if b not in pos})
    o_sigs, o_sizes = dedup.signatures_of(con, others, DEFAULT_CONFIG.num_perm)
    for j, d in enumerate(others):
        pos[d] = len(ids) + j
    all_sigs = np.concatenate([sigs, o_sigs]) if len(others) else sigs
    all_sizes = np.concatenate([sizes, o_sizes]) if len(others) else sizes
    idx = np.array([(pos[a], pos[b]) for a, b in pairs], dtype=np.int64)
    _, ok = near_duplicate_score(all_sigs, all_sizes, idx)
    return [p for p, k in zip(pairs, ok.tolist(), strict=True) if k]


@dataclass(slots=True)
class _Nodes:
    """Story texts of nodes, with their terms and sentence keys computed once."""

    story: dict[str, str] = field(default_factory=dict)
    published: dict[str, Moment] = field(default_factory=dict)
    terms: dict[str, Counter[str]] = field(default_factory=dict)
    sentences: dict[str, set[int]] = field(default_factory=dict)

    def fetch(self, con: duckdb.DuckDBPyConnection, doc_ids: Sequence[str]) -> None:
        todo = [d for d in doc_ids if d not in self.story]
        for d, (title, text, published) in dedup.node_texts(con, todo).items():
            story = _story_text(title, text)
            self.story[d] = story
            self.published[d] = published
            self.terms[d] = story_terms(story)
            self.sentences[d] = sentence_keys(story)

    def features(self, con: duckdb.DuckDBPyConnection, doc_ids: Sequence[str]) -> StoryFeatures:
        """Story features of these nodes under the warehouse's current frequencies."""
        self.fetch(con, doc_ids)
        n, term_df, sent_df = dedup.story_stats(
            con,
            (t for d in doc_ids for t in self.terms[d]),
            (k for d in doc_ids for k in self.sentences[d]),
        )
        return story_features(
            [self.story[d] for d in doc_ids],
            [self.published[d] for d in doc_ids],
            DEFAULT_STORY_CONFIG,
            stats=CorpusStats(n, term_df, sent_df),
            terms=[self.terms[d] for d in doc_ids],
            sentences=[self.sentences[d] for d in doc_ids],
        )


def _term_rows(
    feats: StoryFeatures, doc_ids: Sequence[str], days: Sequence[float | None], min_df: int
) -> pa.Table:
    """Each node's `top_terms` as (term, doc_id, weight, window_day) rows."""
    x = top_terms(feats, DEFAULT_STORY_CONFIG, min_df=min_df).tocoo()
    return pa.table({
        "term": pa.array([feats.vocab[c] for c in x.col.tolist()], pa.string()),
        "doc_id": pa.array([doc_ids[r] for r in x.row.tolist()], pa.string()),
        "weight": pa.array(x.data.astype(np.float32), pa.float32()),
        "window_day": pa.array([days[r] for r in x.row.tolist()], pa.float64()),
    })


def _add_story_nodes(
    con: duckdb.DuckDBPyConnection, added: list[str], day_of: dict[str, float]
) -> None:
    """Make these near canonicals story nodes and link them to the nodes they match."""
    if not added:
        return
    cfg = DEFAULT_STORY_CONFIG
    nodes = _Nodes()
    nodes.fetch(con, added)
    dedup.count_story_text(
        con,
        [t for d in added for t in nodes.terms[d]],
        [k for d in added for k in nodes.sentences[d]],
        +1,
    )
    feats = nodes.features(con, added)
    days = [None if np.isnan(day_of[d]) else day_of[d] for d in added]
    values, offsets = quote_keys([nodes.story[d] for d in added], cfg)
    quotes = pa.table({
        "quote_key": pa.array(values, pa.uint64()),
        "doc_id": pa.array(np.repeat(np.array(added, dtype=object), np.diff(offsets)).tolist(),
                           pa.string()),
    })
    dedup.add_story_nodes(
        con,
        pa.table({"doc_id": pa.array(added, pa.string()), "window_day": pa.array(days)}),
        _term_rows(feats, added, days, 1),
        quotes,
    )
    cands = dedup.story_candidates(
        con, _term_rows(feats, added, days, 2), quotes,
        window_days=cfg.reach_days, min_cosine=cfg.candidate_cosine,
        quote_max_docs=cfg.quote_max_docs,
    )
    if not cands:
        return
    pair_ids = sorted({(min(p), max(p)) for p in cands})
    involved = sorted({d for p in pair_ids for d in p})
    feats = nodes.features(con, involved)
    pos = {d: i for i, d in enumerate(involved)}
    idx = np.array([(pos[a], pos[b]) for a, b in pair_ids], dtype=np.int64)
    ok = same_story(pair_signals(feats, idx), cfg)
    dedup.add_story_edges(con, [p for p, k in zip(pair_ids, ok.tolist(), strict=True) if k])


def _restory(con: duckdb.DuckDBPyConnection, seeds: Sequence[str]) -> None:
    """Recompute the story clusters of every story these documents touch."""
    rows, edges = dedup.story_region(con, seeds)
    if not rows:
        return
    ids = [r[0] for r in rows]
    pos = {d: i for i, d in enumerate(ids)}
    near_leader = np.array([pos[r[1]] for r in rows], dtype=np.int64)
    rank = ranks([rank_key(r[2], r[3], r[0]) for r in rows])
    links = np.array(
        [(pos[a], pos[b]) for a, b in edges if a in pos and b in pos], dtype=np.int64
    ).reshape(-1, 2)
    leader = story_leaders(near_leader, rank, links)
    dedup.set_story_clusters(con, [(d, ids[leader[i]]) for i, d in enumerate(ids)])

"""Exact groups, near-duplicate clusters and story clusters: the partition rules.

The rules are stated over a set of documents, never over an order of arrival, so the
warehouse can apply them incrementally (`flows.stages.dedup_new` feeds them one region
of the graph at a time: the new articles and the clusters they touch) and
`cluster_documents` can apply them to a whole corpus at once; both give the same rows.

- exact group: documents with the same `exact_key` (normalised text);
- near cluster: connected components of "same exact group" and "verified LSH pair"
  (`near_duplicate_score` on the stored signatures and shingle counts);
- story cluster: connected components, over near-cluster canonicals, of `same_story`,
  inherited by the canonicals' members.

Every cluster id is the doc_id of that cluster's canonical member, chosen by
`canonical_key`: earliest published, else longest clean text, then smallest doc_id.
Ties are broken by content (the doc_id is the sha256 of the raw bytes), never by when
a document was loaded, so the ids do not depend on how the inputs were split into runs.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np

from cleaners.dedup.config import DEFAULT_CONFIG, MinHashConfig
from cleaners.dedup.lsh import lsh_candidates, near_duplicate_score
from cleaners.dedup.normalize import exact_key
from cleaners.dedup.stories import (
    DEFAULT_STORY_CONFIG,
    Moment,
    StoryConfig,
    _story_text,
    parse_time,
    story_pairs,
)
from schemas import ClusterRow


@dataclass(slots=True, frozen=True)
class DedupDoc:
    """What the deduplicator needs of one article (a subset of `articles` + `documents`).

    `text` is the clean article text (exact keys, canonical length, story features);
    `published_at` and `ingested_at` are ISO strings (a `datetime` from DuckDB works too;
    unreadable or missing values sort last). `ingested_at` only places an undated
    article in the story date window; it never decides a canonical.
    """

    doc_id: str
    text: str
    title: str | None = None
    published_at: str | None = None
    ingested_at: str = ""
    site: str | None = None


def rank_key(
    published: Moment, text_len: int, doc_id: str
) -> tuple[bool, float, int, str]:
    """Sort key whose minimum is the canonical member of a group.

    Earliest published (documents without a date sort after dated ones), else the
    longest clean text (`len(text.strip())`), then the smallest doc_id.
    """
    pub = parse_time(published)
    return (math.isnan(pub), 0.0 if math.isnan(pub) else pub, -int(text_len), doc_id)


def canonical_key(doc: DedupDoc) -> tuple[bool, float, int, str]:
    """`rank_key` of a document."""
    return rank_key(doc.published_at, len(doc.text.strip()), doc.doc_id)


def ranks(keys: Sequence[tuple[bool, float, int, str]]) -> np.ndarray:
    """The position of each key in sorted order (0 = the best canonical)."""
    rank = np.empty(len(keys), dtype=np.int64)
    rank[sorted(range(len(keys)), key=keys.__getitem__)] = np.arange(len(keys))
    return rank


def components(n: int, pairs: np.ndarray) -> np.ndarray:
    """Union-find over `pairs` (m, 2): the connected-component label of each of n rows."""
    from scipy.sparse import csr_matrix  # here: importing SciPy is most of a second
    from scipy.sparse.csgraph import connected_components

    if len(pairs) == 0:
        return np.arange(n, dtype=np.int64)
    graph = csr_matrix(
        (np.ones(len(pairs), dtype=np.int8), (pairs[:, 0], pairs[:, 1])), shape=(n, n)
    )
    labels: np.ndarray = connected_components(graph, directed=False)[1]
    return labels.astype(np.int64)


def leaders(labels: np.ndarray, rank: np.ndarray) -> np.ndarray:
    """For each row, the row of its group's member with the smallest `rank`."""
    if len(labels) == 0:
        return np.zeros(0, dtype=np.int64)
    order = np.lexsort((rank, labels))
    first = np.ones(len(order), dtype=bool)
    first[1:] = labels[order[1:]] != labels[order[:-1]]
    leader_of_label = np.empty(labels.max() + 1, dtype=np.int64)
    leader_of_label[labels[order[first]]] = order[first]
    out: np.ndarray = leader_of_label[labels]
    return out


def key_labels(keys: Sequence[Hashable]) -> np.ndarray:
    """Group label per row: rows with equal keys share the label of the first of them."""
    first: dict[Hashable, int] = {}
    return np.array([first.setdefault(k, i) for i, k in enumerate(keys)], dtype=np.int64)


def exact_groups(docs: Sequence[DedupDoc], sigs: np.ndarray | None = None) -> np.ndarray:
    """Group label per doc: equal labels have the same `exact_key` (normalised text).

    With `sigs`, only documents whose whole signature (hashed to 128 bits) equals
    another's get their text normalised and hashed: equal normalised texts have equal
    signatures, so every other document is alone in its group. That skips ~100 us
    of normalisation per document on a corpus where most texts are unique.
    """
    n = len(docs)
    if sigs is None or n < 2:
        check = np.arange(n)
    else:
        rng = np.random.default_rng(0)
        weights = rng.integers(0, 1 << 63, size=(sigs.shape[1], 2), dtype=np.uint64)
        with np.errstate(over="ignore"):
            key = sigs.astype(np.uint64) @ (weights | np.uint64(1))  # 128-bit row hash
        _, inverse, counts = np.unique(key, axis=0, return_inverse=True, return_counts=True)
        check = np.flatnonzero(counts[inverse.ravel()] > 1)
    labels = np.arange(n, dtype=np.int64)  # singletons: their own row number
    first: dict[str, int] = {}
    for i in check.tolist():
        labels[i] = first.setdefault(exact_key(docs[i].text), i)
    return labels


def near_edges(
    sigs: np.ndarray, sizes: np.ndarray, active: np.ndarray, cfg: MinHashConfig = DEFAULT_CONFIG
) -> np.ndarray:
    """Verified near-duplicate pairs (i < j) among the `active` rows: LSH, then
    `near_duplicate_score` from the signatures and shingle counts alone."""
    pairs = lsh_candidates(sigs, cfg, active=active & (sizes > 0))
    _, ok = near_duplicate_score(sigs, sizes, pairs, cfg)
    return pairs[ok]


@dataclass(slots=True, frozen=True)
class NearPartition:
    """Per row: the rows of its exact-group and near-cluster canonicals, and its
    similarity (near-duplicate score) to the near canonical."""

    exact_leader: np.ndarray
    near_leader: np.ndarray
    similarity: np.ndarray


def near_partition(
    exact: np.ndarray,
    rank: np.ndarray,
    sigs: np.ndarray,
    sizes: np.ndarray,
    edges: np.ndarray,
    cfg: MinHashConfig = DEFAULT_CONFIG,
) -> NearPartition:
    """Exact groups and near clusters of a closed set of rows.

    Args:
        exact: exact-group label per row (`key_labels` of the exact keys).
        rank: canonical rank per row (`ranks`; smaller is better).
        sigs, sizes: signatures and shingle counts aligned with the rows.
        edges: verified near-duplicate pairs between rows. The set must be closed:
            no row has an edge to a row outside it.
    """
    n = len(rank)
    exact_leader = leaders(exact, rank)
    links = np.concatenate(
        [edges.reshape(-1, 2).astype(np.int64), np.stack([np.arange(n), exact_leader], axis=1)]
    )
    near_leader = leaders(components(n, links), rank)
    score, _ = near_duplicate_score(sigs, sizes, np.stack([np.arange(n), near_leader], 1), cfg)
    similarity = np.where(exact == exact[near_leader], 1.0, np.round(score, 4))
    return NearPartition(exact_leader, near_leader, similarity)


def story_leaders(near_leader: np.ndarray, rank: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Per row, the row of its story's canonical.

    `edges` link near canonicals (rows that are their own near leader) judged the same
    story; every other row follows its near canonical. The story canonical is the
    best-ranked member, which is always a near canonical.
    """
    n = len(rank)
    links = np.concatenate(
        [edges.reshape(-1, 2).astype(np.int64), np.stack([np.arange(n), near_leader], axis=1)]
    )
    return leaders(components(n, links), rank)


def cluster_documents(
    docs: Sequence[DedupDoc],
    sigs: np.ndarray,
    sizes: np.ndarray,
    cfg: MinHashConfig = DEFAULT_CONFIG,
    *,
    stories: StoryConfig = DEFAULT_STORY_CONFIG,
) -> list[ClusterRow]:
    """One `ClusterRow` per document, for a whole corpus at once.

    Args:
        docs: every article, in any order (doc_ids unique).
        sigs: (n, num_perm) uint32 signatures aligned with `docs` (from `signatures`).
        sizes: (n,) shingle counts aligned with `docs` (from `signatures`).
        cfg: near-duplicate settings; must match the ones the signatures were made with.
        stories: story-level settings.

    Returns:
        Rows sorted by doc_id. `similarity` is the near-duplicate score (max of estimated
        Jaccard and containment) against the near cluster's canonical, 1.0 for the
        canonical and its exact duplicates.
    """
    n = len(docs)
    if sigs.shape != (n, cfg.num_perm) or sizes.shape != (n,):
        raise ValueError(
            f"expected sigs {(n, cfg.num_perm)} and sizes {(n,)}, "
            f"got {sigs.shape} and {sizes.shape}"
        )
    if n == 0:
        return []
    order = sorted(range(n), key=lambda i: docs[i].doc_id)
    docs = [docs[i] for i in order]
    if len({d.doc_id for d in docs}) != n:
        raise ValueError("doc_ids passed to cluster_documents must be unique")
    sigs, sizes = sigs[order], np.asarray(sizes)[order]
    rank = ranks([canonical_key(d) for d in docs])
    exact = exact_groups(docs, sigs)
    # exact copies have equal signatures: one representative each is enough for LSH
    edges = near_edges(sigs, sizes, exact == np.arange(n), cfg)
    part = near_partition(exact, rank, sigs, sizes, edges, cfg)

    canon = np.flatnonzero(part.near_leader == np.arange(n))
    pairs = story_pairs(
        [_story_text(docs[i].title, docs[i].text) for i in canon],
        [docs[i].published_at for i in canon],
        [docs[i].ingested_at for i in canon],
        stories,
    )
    story = story_leaders(part.near_leader, rank, canon[pairs] if len(pairs) else pairs)
    return [
        ClusterRow(
            doc_id=d.doc_id,
            exact_group=docs[part.exact_leader[i]].doc_id,
            near_cluster=docs[part.near_leader[i]].doc_id,
            story_cluster=docs[story[i]].doc_id,
            is_canonical=bool(part.near_leader[i] == i),
            similarity=float(part.similarity[i]),
        )
        for i, d in enumerate(docs)
    ]

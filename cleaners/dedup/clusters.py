"""Exact groups, near-duplicate clusters and story clusters for a whole corpus.

`cluster_documents` is called with every article in the warehouse (old signatures read
back, new ones freshly computed) and returns one `ClusterRow` per document. Incremental
runs are therefore just "cluster everything again from stored signatures": new articles
meet every earlier one in LSH, no old signature is recomputed, and because documents are
sorted by doc_id first, the result never depends on input order or on how the corpus was
split into runs.

Every cluster id is the doc_id of that cluster's canonical member, chosen by
`canonical_key`: earliest published, else longest clean text, else first ingested, then
smallest doc_id.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from cleaners.dedup.config import DEFAULT_CONFIG, MinHashConfig
from cleaners.dedup.lsh import lsh_candidates, near_duplicate_score
from cleaners.dedup.normalize import exact_key
from cleaners.dedup.stories import (
    DEFAULT_STORY_CONFIG,
    StoryConfig,
    _story_text,
    parse_time,
    story_labels,
)
from schemas import ClusterRow


@dataclass(slots=True, frozen=True)
class DedupDoc:
    """What the deduplicator needs of one article (a subset of `articles` + `documents`).

    `text` is the clean article text (exact keys, canonical length, story features);
    `published_at` and `ingested_at` are ISO strings (a `datetime` from DuckDB works too;
    unreadable or missing values sort last).
    """

    doc_id: str
    text: str
    title: str | None = None
    published_at: str | None = None
    ingested_at: str = ""
    site: str | None = None


def canonical_key(doc: DedupDoc) -> tuple[bool, float, int, bool, float, str]:
    """Sort key whose minimum is the canonical member of a group.

    Earliest published (documents without a date sort after dated ones), else the
    longest clean text, else the first ingested, then the smallest doc_id.
    """
    pub = parse_time(doc.published_at)
    ing = parse_time(doc.ingested_at)
    return (
        math.isnan(pub),
        0.0 if math.isnan(pub) else pub,
        -len(doc.text.strip()),
        math.isnan(ing),
        0.0 if math.isnan(ing) else ing,
        doc.doc_id,
    )


def components(n: int, pairs: np.ndarray) -> np.ndarray:
    """Union-find over `pairs` (m, 2): the connected-component label of each of n rows."""
    if len(pairs) == 0:
        return np.arange(n, dtype=np.int64)
    graph = csr_matrix(
        (np.ones(len(pairs), dtype=np.int8), (pairs[:, 0], pairs[:, 1])), shape=(n, n)
    )
    labels: np.ndarray = connected_components(graph, directed=False)[1]
    return labels.astype(np.int64)


def _leaders(labels: np.ndarray, rank: np.ndarray) -> np.ndarray:
    """For each row, the row of its group's member with the smallest `rank`."""
    order = np.lexsort((rank, labels))
    first = np.ones(len(order), dtype=bool)
    first[1:] = labels[order[1:]] != labels[order[:-1]]
    leader_of_label = np.empty(labels.max() + 1 if len(labels) else 0, dtype=np.int64)
    leader_of_label[labels[order[first]]] = order[first]
    leaders: np.ndarray = leader_of_label[labels]
    return leaders


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


def near_clusters(
    sigs: np.ndarray,
    sizes: np.ndarray,
    exact: np.ndarray,
    rank: np.ndarray,
    cfg: MinHashConfig = DEFAULT_CONFIG,
) -> np.ndarray:
    """Near-duplicate component label per row.

    LSH and verification run on one representative per exact group (the best-ranked
    member), so a 1,000-copy wire story costs one LSH row, not 1,000.
    """
    n = len(rank)
    rep = _leaders(exact, rank)
    active = (rep == np.arange(n)) & (sizes > 0)
    pairs = lsh_candidates(sigs, cfg, active=active)
    _, ok = near_duplicate_score(sigs, sizes, pairs, cfg)
    edges = np.concatenate([pairs[ok], np.stack([np.arange(n), rep], axis=1)])
    return components(n, edges)


def cluster_documents(
    docs: Sequence[DedupDoc],
    sigs: np.ndarray,
    sizes: np.ndarray,
    cfg: MinHashConfig = DEFAULT_CONFIG,
    *,
    stories: StoryConfig = DEFAULT_STORY_CONFIG,
) -> list[ClusterRow]:
    """One `ClusterRow` per document: exact group, near cluster, story cluster.

    Args:
        docs: every article in the warehouse, in any order (doc_ids unique).
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
    keys = [canonical_key(d) for d in docs]
    rank = np.empty(n, dtype=np.int64)
    rank[sorted(range(n), key=keys.__getitem__)] = np.arange(n)

    exact = exact_groups(docs, sigs)
    exact_leader = _leaders(exact, rank)
    near = near_clusters(sigs, sizes, exact, rank, cfg)
    near_leader = _leaders(near, rank)

    score, _ = near_duplicate_score(sigs, sizes, np.stack([np.arange(n), near_leader], 1), cfg)
    same_exact = exact == exact[near_leader]
    similarity = np.where(same_exact, 1.0, score)

    # stories over near-cluster canonicals, in rank order; members inherit
    canon = np.flatnonzero(near_leader == np.arange(n))
    canon = canon[np.argsort(rank[canon])]
    labels = story_labels(
        [_story_text(docs[i].title, docs[i].text) for i in canon],
        [docs[i].published_at for i in canon],
        stories,
    )
    story_of_canon = np.empty(n, dtype=np.int64)
    story_of_canon[canon] = labels
    story = story_of_canon[near_leader]
    story_leader = _leaders(story, rank)

    return [
        ClusterRow(
            doc_id=d.doc_id,
            exact_group=docs[exact_leader[i]].doc_id,
            near_cluster=docs[near_leader[i]].doc_id,
            story_cluster=docs[story_leader[i]].doc_id,
            is_canonical=bool(near_leader[i] == i),
            similarity=round(float(similarity[i]), 4),
        )
        for i, d in enumerate(docs)
    ]

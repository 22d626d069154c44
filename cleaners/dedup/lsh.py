"""LSH banding for candidate pairs and their verification, all from stored data.

Banding is sort-based: per band, one uint64 key per document, one argsort, and pairs
from runs of equal keys. Nothing holds a dict of band keys per document, so 1M documents
cost 42 sorts of 1M uint64 rather than 42M dict entries.

Verification needs only the signatures and shingle counts the warehouse stores: the
Jaccard estimate is the share of equal signature values, and containment follows from
Jaccard and the set sizes, |A n B| = J (|A| + |B|) / (1 + J).
"""

from __future__ import annotations

import numpy as np

from cleaners.dedup.config import DEFAULT_CONFIG, MinHashConfig

_PAIR_BLOCK = 65536
"""Pairs compared per numpy block in `estimate_jaccard` (65536 x 128 uint32 = 32 MB)."""


def band_keys(sigs: np.ndarray, cfg: MinHashConfig) -> np.ndarray:
    """One uint64 key per (document, band), hashed from the band's `cfg.rows` values.

    Returns:
        (n, cfg.bands) uint64. Equal keys mean equal band values up to 64-bit collisions,
        which verification filters out anyway.
    """
    n = sigs.shape[0]
    keys = np.zeros((n, cfg.bands), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for band in range(cfg.bands):  # one band at a time: no (n, bands*rows) uint64 copy
            acc = keys[:, band]
            for r in range(cfg.rows):
                acc *= np.uint64(0x9E3779B97F4A7C15)
                acc += sigs[:, band * cfg.rows + r].astype(np.uint64) + np.uint64(r + 1)
        keys ^= keys >> np.uint64(29)
        keys *= np.uint64(0xBF58476D1CE4E5B9)
        keys ^= keys >> np.uint64(32)
    return keys


def index_keys(sigs: np.ndarray, cfg: MinHashConfig) -> np.ndarray:
    """`band_keys` with the band number mixed in, so one column of a stored index holds
    every band: equal index keys mean the same band and equal values (up to 64-bit
    collisions, which verification filters out).

    Returns:
        (n, cfg.bands) uint64.
    """
    keys = band_keys(sigs, cfg)
    with np.errstate(over="ignore"):
        keys ^= (np.arange(cfg.bands, dtype=np.uint64) + np.uint64(1)) * np.uint64(
            0xD6E8FEB86659FD93
        )
        keys *= np.uint64(0x94D049BB133111EB)
        keys ^= keys >> np.uint64(31)
    return keys


def _bucket_pairs(keys: np.ndarray) -> np.ndarray:
    """Pairs of row indices (i < j) sharing a key in one band, as int64 codes i*n + j.

    Every pair of a bucket, however large: a cap on the pairs per bucket would make the
    candidates depend on which other documents share the bucket, and so the clusters on
    how the corpus was split into runs. Exact copies are one row (see `near_edges`), so
    a large bucket holds distinct texts, which verification must see anyway."""
    n = len(keys)
    order = np.argsort(keys, kind="stable")  # stable: ties stay in index order
    sk = keys[order]
    new_run = np.empty(n, dtype=bool)
    new_run[0] = True
    np.not_equal(sk[1:], sk[:-1], out=new_run[1:])
    run_id = np.cumsum(new_run) - 1
    run_start = np.flatnonzero(new_run)
    run_size = np.diff(np.append(run_start, n))
    size = run_size[run_id]
    pos = np.flatnonzero(size > 1)  # positions inside buckets that can make pairs
    if len(pos) == 0:
        return np.zeros(0, dtype=np.int64)
    left = pos - run_start[run_id[pos]]  # offset inside its bucket
    remaining = size[pos] - left - 1
    out = []
    for d in range(1, int(remaining.max()) + 1):
        ok = remaining >= d
        if not ok.any():
            break
        p = pos[ok]
        a, b = order[p], order[p + d]
        out.append(np.minimum(a, b) * n + np.maximum(a, b))
        pos, remaining = p, remaining[ok]
    return np.concatenate(out)


def shared_key_pairs(keys: np.ndarray, owners: np.ndarray, n: int, max_owners: int) -> np.ndarray:
    """Pairs of owners (i < j) that share a key held by at most `max_owners` owners.

    Args:
        keys: one key per (owner, key) entry, distinct within an owner.
        owners: the owner row of each entry.
        n: number of owners (rows).
        max_owners: keys held by more owners are ignored (boilerplate, not evidence).

    Returns:
        Sorted unique int64 pair codes i*n + j.
    """
    if len(keys) < 2:
        return np.zeros(0, dtype=np.int64)
    order = np.lexsort((owners, keys))
    sk, so = keys[order], owners[order]
    new_run = np.empty(len(sk), dtype=bool)
    new_run[0] = True
    np.not_equal(sk[1:], sk[:-1], out=new_run[1:])
    run_id = np.cumsum(new_run) - 1
    run_start = np.flatnonzero(new_run)
    size = np.diff(np.append(run_start, len(sk)))[run_id]
    pos = np.flatnonzero((size > 1) & (size <= max_owners))
    if len(pos) == 0:
        return np.zeros(0, dtype=np.int64)
    remaining = size[pos] - (pos - run_start[run_id[pos]]) - 1
    out = []
    for d in range(1, max_owners):
        ok = remaining >= d
        if not ok.any():
            break
        pos, remaining = pos[ok], remaining[ok]
        out.append(so[pos].astype(np.int64) * n + so[pos + d])
    return np.unique(np.concatenate(out))


def lsh_candidates(
    sigs: np.ndarray, cfg: MinHashConfig = DEFAULT_CONFIG, *, active: np.ndarray | None = None
) -> np.ndarray:
    """Candidate pairs: rows whose signatures agree on every row of at least one band.

    Args:
        sigs: (n, num_perm) signatures.
        cfg: `bands` and `rows` are used.
        active: optional bool mask; rows outside it (e.g. empty texts, duplicates
            already grouped) never appear in a pair.

    Returns:
        (m, 2) int64 array of row pairs, i < j, sorted and without repeats.
    """
    n = sigs.shape[0]
    rows = np.arange(n) if active is None else np.flatnonzero(active)
    if len(rows) < 2:
        return np.zeros((0, 2), dtype=np.int64)
    keys = band_keys(sigs[rows], cfg)
    codes = np.unique(np.concatenate([_bucket_pairs(keys[:, band]) for band in range(cfg.bands)]))
    m = len(rows)
    return np.stack([rows[codes // m], rows[codes % m]], axis=1)


def estimate_jaccard(sigs: np.ndarray, pairs: np.ndarray) -> np.ndarray:
    """Estimated Jaccard of each pair: the share of signature positions that agree."""
    out = np.empty(len(pairs), dtype=np.float64)
    for lo in range(0, len(pairs), _PAIR_BLOCK):
        p = pairs[lo : lo + _PAIR_BLOCK]
        out[lo : lo + len(p)] = (sigs[p[:, 0]] == sigs[p[:, 1]]).mean(axis=1)
    return out


def estimate_containment(jaccard: np.ndarray, size_a: np.ndarray, size_b: np.ndarray) -> np.ndarray:
    """Estimated share of the smaller shingle set found in the larger one.

    From |A n B| = J (|A| + |B|) / (1 + J); clipped to [0, 1] since the Jaccard estimate
    is noisy. 0 where either set is empty.
    """
    a = size_a.astype(np.float64)
    b = size_b.astype(np.float64)
    small = np.minimum(a, b)
    inter = jaccard * (a + b) / (1.0 + jaccard)
    with np.errstate(divide="ignore", invalid="ignore"):
        c = np.where(small > 0, inter / np.maximum(small, 1.0), 0.0)
    return np.clip(c, 0.0, 1.0)


def near_duplicate_score(
    sigs: np.ndarray, sizes: np.ndarray, pairs: np.ndarray, cfg: MinHashConfig = DEFAULT_CONFIG
) -> tuple[np.ndarray, np.ndarray]:
    """Score and verdict for each pair, from signatures and shingle counts only.

    The score is max(Jaccard, containment) where containment counts only when the
    smaller text has at least `cfg.min_contained_shingles` shingles; the verdict is
    Jaccard >= `cfg.jaccard_threshold` or counted containment >= `cfg.containment_threshold`.

    Returns:
        (score, is_near_duplicate): float64 and bool arrays aligned with `pairs`.
    """
    if len(pairs) == 0:
        return np.zeros(0), np.zeros(0, dtype=bool)
    j = estimate_jaccard(sigs, pairs)
    sa, sb = sizes[pairs[:, 0]], sizes[pairs[:, 1]]
    c = estimate_containment(j, sa, sb)
    c = np.where(np.minimum(sa, sb) >= cfg.min_contained_shingles, c, 0.0)
    both = (sa > 0) & (sb > 0)
    ok = both & ((j >= cfg.jaccard_threshold) | (c >= cfg.containment_threshold))
    return np.where(both, np.maximum(j, c), 0.0), ok

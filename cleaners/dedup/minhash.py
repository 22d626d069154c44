"""Word shingles and MinHash signatures, vectorised over a whole batch with numpy.

Why our own instead of datasketch: datasketch hashes every shingle with SHA-1 in Python
and permutes each document separately; here tokenising, shingle hashing and the
permutations run as a handful of numpy passes over the batch's concatenated bytes, which
`bench/dedup_speed.py` measures several times faster (figures in bench/README.md).
`tests/cleaners/dedup/test_dedup_minhash.py` checks that both estimate the same Jaccard.

Stages: `normalize_words` -> `token_hashes` (polynomial hash of each word, from prefix sums over
the byte array) -> `shingle_hashes` (rolling combination of k token hashes, 32-bit) ->
`minhash` (32-bit affine permutations a*x+b, min per document).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from cleaners.dedup.config import DEFAULT_CONFIG, MinHashConfig
from cleaners.dedup.normalize import normalize, normalize_words

_U64 = np.uint64
_TOKEN_BASE = 0x100000001B3  # FNV-64 prime: odd, so invertible modulo 2**64
_TOKEN_BASE_INV = pow(_TOKEN_BASE, -1, 1 << 64)
_SHINGLE_BASE = 0x9E3779B97F4A7C15  # golden-ratio constant, odd
_EMPTY = np.uint32(0xFFFFFFFF)
"""Signature value of a document without shingles (empty text)."""

_WORD_BYTE = np.zeros(256, dtype=bool)
_WORD_BYTE[ord("0") : ord("9") + 1] = True
_WORD_BYTE[ord("a") : ord("z") + 1] = True
_WORD_BYTE[0x80:] = True  # any non-ASCII character (after NFKC + casefold) is a letter
WORD_RE = re.compile(r"[0-9a-z\u0080-\U0010ffff]+")
"""The same word definition as `_WORD_BYTE`, for reference implementations and tests."""


def _mix64(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser: spreads polynomial hashes over all 64 bits (in place)."""
    x ^= x >> _U64(30)
    x *= _U64(0xBF58476D1CE4E5B9)
    x ^= x >> _U64(27)
    x *= _U64(0x94D049BB133111EB)
    x ^= x >> _U64(31)
    return x


class _PowerTables:
    """B**i and B**-i (mod 2**64) for i < size, grown on demand and shared by calls.

    Both tables are swapped in as one tuple, so concurrent callers (threaded task
    runners) never see a new table paired with an old, shorter one.
    """

    def __init__(self) -> None:
        self._tables = (np.ones(1, dtype=_U64), np.ones(1, dtype=_U64))

    def get(self, size: int) -> tuple[np.ndarray, np.ndarray]:
        tables = self._tables
        if len(tables[0]) < size:
            size = max(size, 2 * len(tables[0]))
            with np.errstate(over="ignore"):
                pw = np.full(size, _TOKEN_BASE, dtype=_U64)
                pw[0] = 1
                np.cumprod(pw, out=pw)
                inv = np.full(size, _TOKEN_BASE_INV, dtype=_U64)
                inv[0] = 1
                np.cumprod(inv, out=inv)
            tables = self._tables = (pw, inv)
        return tables


_POWERS = _PowerTables()


def token_hashes(normed: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Hash every word of every (already normalised) text in one pass over the bytes.

    A word's hash is the polynomial sum(byte_j * B**j) over its bytes, taken from prefix
    sums over the whole batch's bytes and shifted back by B**-start, so equal words hash
    equally wherever they occur. The power tables are cached (16 bytes per batch byte:
    ~100 MB for a 2,000-text batch of 3 KB texts).

    Returns:
        (hashes, doc) for all tokens in reading order: uint64 token hashes, and the
        int64 index of the text each token belongs to.
    """
    n = len(normed)
    encoded = [t.encode("utf-8") for t in normed]
    lengths = np.fromiter(map(len, encoded), dtype=np.int64, count=n) + 1  # + \0
    doc_start = np.zeros(n, dtype=np.int64)
    np.cumsum(lengths[:-1], out=doc_start[1:])
    buf = np.frombuffer(b"\0".join(encoded) + b"\0", dtype=np.uint8)
    is_word = _WORD_BYTE[buf]
    edges = np.flatnonzero(is_word[1:] != is_word[:-1]) + 1
    if is_word[0]:
        edges = np.concatenate([np.zeros(1, dtype=edges.dtype), edges])
    starts, ends = edges[0::2], edges[1::2]  # buf ends with \0: every word has an end
    if len(starts) == 0:
        return np.zeros(0, dtype=_U64), np.zeros(0, dtype=np.int64)
    doc = np.searchsorted(doc_start, starts, side="right") - 1
    powers, inv_powers = _POWERS.get(len(buf) + 1)
    with np.errstate(over="ignore"):
        contrib = powers[: len(buf)] * buf
        prefix = np.zeros(len(buf) + 1, dtype=_U64)
        np.cumsum(contrib, out=prefix[1:])
        hashes = (prefix[ends] - prefix[starts]) * inv_powers[starts]
    return _mix64(hashes), doc


def shingle_hashes(
    normed: Sequence[str], k: int, *, wide: bool = False, short_texts: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """Distinct hashes of every text's word k-shingles, grouped by text.

    A text with fewer than k words (but at least one) gets one shingle of all its words
    when `short_texts`, so short texts still compare; an empty text gets none.

    Args:
        normed: texts already passed through `normalize_words`.
        k: words per shingle.
        wide: 64-bit hashes (for exact span matching over large corpora, where 32 bits
            would collide) instead of 32-bit ones (MinHash input).
        short_texts: give texts shorter than k words their one whole-text shingle.

    Returns:
        (values, offsets): uint32 (uint64 if `wide`) hashes, sorted within each text, and
        int64 offsets of length n+1 such that text i owns values[offsets[i]:offsets[i+1]].
    """
    n = len(normed)
    tok, doc = token_hashes(normed)
    m = len(tok)
    per_doc = np.bincount(doc, minlength=n) if m else np.zeros(n, dtype=np.int64)
    with np.errstate(over="ignore"):
        if m >= k:
            acc = tok[: m - k + 1].copy()
            for i in range(1, k):
                acc *= _U64(_SHINGLE_BASE)
                acc += tok[i : m - k + 1 + i]
            valid = doc[: m - k + 1] == doc[k - 1 :]
            sh, sh_doc = acc[valid], doc[: m - k + 1][valid]
        else:
            sh, sh_doc = np.zeros(0, dtype=_U64), np.zeros(0, dtype=np.int64)
        short = np.flatnonzero((per_doc > 0) & (per_doc < k))
        if len(short) and short_texts:
            first = np.zeros(n + 1, dtype=np.int64)
            np.cumsum(per_doc, out=first[1:])
            extra = np.zeros(len(short), dtype=_U64)
            for j, d in enumerate(short):
                acc1 = _U64(0)
                for t in tok[first[d] : first[d + 1]]:
                    acc1 = acc1 * _U64(_SHINGLE_BASE) + t
                extra[j] = acc1
            sh = np.concatenate([sh, extra])
            sh_doc = np.concatenate([sh_doc, short])
        sh = _mix64(sh)
    if wide:
        order = np.lexsort((sh, sh_doc))
        values, owner = sh[order], sh_doc[order]
        if len(values):
            keep = np.empty(len(values), dtype=bool)
            keep[0] = True
            keep[1:] = (values[1:] != values[:-1]) | (owner[1:] != owner[:-1])
            values, owner = values[keep], owner[keep]
        counts = np.bincount(owner, minlength=n)
        offsets = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(counts, out=offsets[1:])
        return values, offsets
    # distinct (doc, shingle) pairs: one sort (np.unique is ~10x slower on uint64 here)
    keys = np.sort((sh_doc.astype(_U64) << _U64(32)) | (sh >> _U64(32)))
    if len(keys):
        keep = np.empty(len(keys), dtype=bool)
        keep[0] = True
        np.not_equal(keys[1:], keys[:-1], out=keep[1:])
        keys = keys[keep]
    values = (keys & _U64(0xFFFFFFFF)).astype(np.uint32)
    counts = np.bincount((keys >> _U64(32)).astype(np.int64), minlength=n)
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    return values, offsets


def permutation_params(cfg: MinHashConfig) -> tuple[np.ndarray, np.ndarray]:
    """The (a, b) of the num_perm hash functions h(x) = (a*x + b) mod 2**32, a odd.

    Each is a bijection of the 32-bit shingle hashes; because those are already
    well-mixed (splitmix64), the family behaves like random permutations: on 300 random
    set pairs per Jaccard level its estimates were unbiased (|mean error| <= 0.005) with
    the textbook spread sqrt(J(1-J)/128). 32-bit arithmetic halves memory traffic
    against 64-bit multiply-shift. Seeded by `cfg.seed`, so stored signatures compare.
    """
    rng = np.random.default_rng(cfg.seed)
    a = rng.integers(0, 1 << 31, size=cfg.num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = rng.integers(0, 1 << 32, size=cfg.num_perm, dtype=np.uint64).astype(np.uint32)
    return a, b


def minhash(values: np.ndarray, offsets: np.ndarray, cfg: MinHashConfig) -> np.ndarray:
    """Min over each text's shingles of each hash function: (n, num_perm) uint32.

    Works in blocks of about `cfg.chunk_rows` shingles (whole texts per block) laid out
    (num_perm, rows), so the per-text minimum runs along contiguous memory: 2x faster
    than the (rows, num_perm) layout. Texts without shingles get all 0xFFFFFFFF, which
    `near_duplicate_score` never accepts (their shingle count is 0).
    """
    n = len(offsets) - 1
    a, b = permutation_params(cfg)
    out = np.full((n, cfg.num_perm), _EMPTY, dtype=np.uint32)
    counts = np.diff(offsets)
    nonempty = np.flatnonzero(counts > 0)
    if len(nonempty) == 0:
        return out
    buf = np.empty((cfg.num_perm, max(cfg.chunk_rows, int(counts.max()))), dtype=np.uint32)
    ends = offsets[nonempty + 1]
    i = 0
    with np.errstate(over="ignore"):
        while i < len(nonempty):
            lo = offsets[nonempty[i]]
            # whole texts while the block stays within chunk_rows (at least one text)
            j = max(int(np.searchsorted(ends, lo + cfg.chunk_rows, side="right")), i + 1)
            docs = nonempty[i:j]
            hi = offsets[docs[-1] + 1]
            block = buf[:, : hi - lo]
            np.multiply(a[:, None], values[None, lo:hi], out=block)
            block += b[:, None]
            out[docs] = np.minimum.reduceat(block, offsets[docs] - lo, axis=1).T
            i = j
    return out


def signatures(
    texts: Sequence[str], cfg: MinHashConfig = DEFAULT_CONFIG
) -> tuple[np.ndarray, np.ndarray]:
    """MinHash signatures and shingle-set sizes of `texts`.

    Each text's signature depends only on that text and (shingle_size, num_perm, seed),
    never on the batch it is computed in, so signatures from different runs compare.

    Args:
        texts: raw or cleaned texts; normalised here.
        cfg: shared settings (shingle_size, num_perm, seed, chunk_rows are used).

    Returns:
        (sigs, sizes): sigs is (n, num_perm) uint32 (C-contiguous; store row i as
        `sigs[i].tobytes()`, read back with `np.frombuffer(blob, np.uint32)`), and
        sizes is (n,) int32, the number of
        distinct shingles of each text (0 for a text without words).
    """
    normed = [normalize_words(t) for t in texts]
    values, offsets = shingle_hashes(normed, cfg.shingle_size)
    sigs = minhash(values, offsets, cfg)
    return sigs, np.diff(offsets).astype(np.int32)


def shingle_set(text: str, k: int) -> set[str]:
    """Word k-shingles of `text` as strings: the reference for tests and exact checks.

    Uses the same normalisation and word definition as `signatures`.
    """
    words = WORD_RE.findall(normalize(text))
    if not words:
        return set()
    if len(words) < k:
        return {" ".join(words)}
    return {" ".join(words[i : i + k]) for i in range(len(words) - k + 1)}

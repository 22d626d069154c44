"""`MinHashConfig`: the knobs every near-duplicate stage shares, with why each is set so.

Figures quoted here come from `bench/dedup_quality.py` and `bench/dedup_speed.py` (see
bench/README.md for the exact commands).
"""

from __future__ import annotations

from dataclasses import dataclass

SHINGLE_SIZE = 5
"""Words per shingle. The syndication bench (`bench/dedup_quality.py --sweep`, 3 sets of 484
docs) peaks at k=5: F1 0.9970 (k=3 0.9962, k=4 0.9968, k=7 0.9922, k=9 0.9904). Longer
shingles lose edited copies (one changed word kills k shingles); shorter ones make unrelated
news share stock phrases ("said in a statement") and dilute containment."""

NUM_PERM = 128
"""Hash functions per signature (512 bytes stored per doc as uint32). The Jaccard estimate's
standard error is sqrt(J(1-J)/128) <= 0.044. Bench F1: 64 perms 0.9877 (precision 0.9905),
128 perms 0.9970, 256 perms 0.9954 at twice the MinHash cost: 128 is the knee."""

LSH_BANDS = 42
LSH_ROWS = 3
"""42 bands of 3 rows (126 of the 128 values): a pair becomes a candidate with probability
1-(1-J^3)^42 = 0.94 at J=0.4, 0.995 at J=0.5, but only 4e-5 at J=0.01 (unrelated news).
The S-curve's midpoint ~(1/42)^(1/3) = 0.29 sits below the verification thresholds, so
trimmed copies (J ~0.4-0.6, containment ~1) reach verification: bench LSH pair recall 0.987
(32x4 bands: 0.945; 64x2: 0.999 but precision 0.9906 from the extra low-J candidates)."""

JACCARD_THRESHOLD = 0.5
"""Estimated Jaccard at or above which two texts are near-duplicates: a lightly edited copy
(new headline, a few sentences dropped or reworded) scores 0.6-0.9, unrelated news < 0.05.
Bench F1 at 0.3 / 0.4 / 0.5 / 0.6: 0.9938 / 0.9977 / 0.9970 / 0.9949 (flat: the usual 0.5)."""

CONTAINMENT_THRESHOLD = 0.7
"""Estimated containment (share of the smaller shingle set found in the larger) at or above
which a shorter text is a trimmed copy of a longer one (60-90% of paragraphs kept) or the
article inside leftover chrome. Bench F1 at 0.5 / 0.6 / 0.7 / 0.8 / 0.9: 0.9883 (precision
0.9813) / 0.9977 / 0.9970 / 0.9962 / 0.9939; 0.7 keeps a margin above the 0.5 cliff."""

MIN_CONTAINED_SHINGLES = 25
"""Containment only counts when the smaller text has this many shingles (~30 words, one
paragraph): below that, a teaser or a stock sentence is 'contained' in many articles."""

SIGNATURE_CHUNK_ROWS = 8192
"""Shingles hashed per numpy block in `minhash`: a (128, 8192) uint32 block is 4 MB; per 1M
shingles 4k-row blocks took 0.09 s, 8k-16k 0.055 s, 64k 0.12 s (cache-bound)."""


@dataclass(slots=True, frozen=True)
class MinHashConfig:
    """Near-duplicate settings shared by `signatures`, `lsh_candidates` and `verify_pairs`.

    Signatures stored in the warehouse are only comparable when `shingle_size`,
    `num_perm` and `seed` are unchanged; the other fields may change between runs.
    """

    shingle_size: int = SHINGLE_SIZE
    num_perm: int = NUM_PERM
    seed: int = 1
    bands: int = LSH_BANDS
    rows: int = LSH_ROWS
    jaccard_threshold: float = JACCARD_THRESHOLD
    containment_threshold: float = CONTAINMENT_THRESHOLD
    min_contained_shingles: int = MIN_CONTAINED_SHINGLES
    chunk_rows: int = SIGNATURE_CHUNK_ROWS

    def __post_init__(self) -> None:
        if self.bands * self.rows > self.num_perm:
            raise ValueError(
                f"bands*rows ({self.bands}*{self.rows}) exceeds num_perm ({self.num_perm})"
            )
        if self.shingle_size < 1 or self.num_perm < 1:
            raise ValueError("shingle_size and num_perm must be positive")


DEFAULT_CONFIG = MinHashConfig()
"""The shared default (frozen, so one instance serves every call)."""

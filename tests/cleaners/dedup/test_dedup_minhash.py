"""Our vectorised MinHash against exact Jaccard and datasketch's estimates."""

from __future__ import annotations

import numpy as np
from datasketch import MinHash
from dedup_helpers import edited, seed_texts, trimmed, wrapped

from cleaners.dedup import MinHashConfig, exact_key, normalize, shingle_set, signatures

CFG = MinHashConfig(num_perm=256)


def _pairs() -> list[tuple[str, str]]:
    import random

    rng = random.Random(1)
    seeds = seed_texts()
    out = [(a, b) for i, a in enumerate(seeds) for b in seeds[i + 1 :]]
    for t in seeds:
        out += [(t, wrapped(t)), (t, trimmed(t, 0.6)), (t, edited(t, rng)), (t, trimmed(t, 0.9))]
    return out


def test_normalize_maps_typography_case_and_space() -> None:
    assert normalize("  \u201cHello\u201d \u2014 W\u00f6rld\u00a0\n\n IT\u2019S ﬁne ") == (
        '"hello" - wörld it\'s fine'
    )
    assert exact_key("A  b\nC") == exact_key("a b c")
    assert exact_key("a b c") != exact_key("a b d")


def test_shingle_counts_match_reference() -> None:
    texts = [*seed_texts(), "", "two words", "one", "Ünïcödé wörds here and there, again!"]
    _, sizes = signatures(texts)
    assert sizes.tolist() == [len(shingle_set(t, 5)) for t in texts]
    assert sizes.dtype == np.int32


def test_signature_independent_of_batch() -> None:
    texts = seed_texts()
    sigs, _ = signatures(texts)
    one, _ = signatures(texts[2:3])
    rev, _ = signatures(texts[::-1])
    assert sigs.dtype == np.uint32 and sigs.shape == (5, 128)
    assert np.array_equal(sigs[2], one[0])
    assert np.array_equal(sigs, rev[::-1])


def test_estimates_agree_with_exact_and_datasketch() -> None:
    ours, ds, exact = [], [], []
    for a, b in _pairs():
        sa, sb = shingle_set(a, 5), shingle_set(b, 5)
        exact.append(len(sa & sb) / len(sa | sb))
        sig, _ = signatures([a, b], CFG)
        ours.append(float((sig[0] == sig[1]).mean()))
        ma, mb = MinHash(num_perm=256, seed=1), MinHash(num_perm=256, seed=1)
        ma.update_batch([s.encode() for s in sa])
        mb.update_batch([s.encode() for s in sb])
        ds.append(ma.jaccard(mb))
    ours_a, ds_a, ex_a = map(np.array, (ours, ds, exact))
    # standard error at 256 perms is <= 0.031; allow ~3.5 sigma per pair
    assert np.abs(ours_a - ex_a).max() < 0.11
    assert np.abs(ds_a - ex_a).max() < 0.11
    assert np.abs(ours_a - ds_a).max() < 0.15
    # no bias: mean errors are both close to zero
    assert abs((ours_a - ex_a).mean()) < 0.02
    assert abs((ds_a - ex_a).mean()) < 0.02

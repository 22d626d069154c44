"""Near-duplicate clusters, canonical choice and the incremental / order property."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaners.dedup import DedupDoc, cluster_documents, signatures
from schemas import ClusterRow


def _rows(docs: list[DedupDoc]) -> list[ClusterRow]:
    sigs, sizes = signatures([d.text for d in docs])
    return cluster_documents(docs, sigs, sizes)


def test_every_syndicated_copy_lands_in_its_cluster(syndication_docs) -> None:
    docs, truth = syndication_docs
    rows = {r.doc_id: r for r in _rows(docs)}
    for doc_id, seed in truth.items():
        assert rows[doc_id].near_cluster == rows[seed].near_cluster, doc_id
    assert len({r.near_cluster for r in rows.values()}) == len(set(truth.values()))
    # exact group: a re-wrapped copy (whitespace only) is an exact duplicate
    assert rows["s0-dup"].exact_group == rows["s0"].exact_group
    assert rows["s0-trimmed"].exact_group != rows["s0"].exact_group


def test_canonical_earliest_then_longest_then_smallest_doc_id() -> None:
    text = "The quick brown fox jumps over the lazy dog near the river bank today. " * 10
    docs = [
        DedupDoc("b", text, None, "2023-06-09", "2024-01-01"),
        DedupDoc("a", text + " Extra words here.", None, "2023-06-09", "2024-01-02"),
        DedupDoc("c", text, None, "2023-06-08T10:00:00+02:00", "2024-01-03"),
    ]
    rows = {r.doc_id: r for r in _rows(docs)}
    assert {r.near_cluster for r in rows.values()} == {"c"}
    assert rows["c"].is_canonical and rows["c"].similarity == 1.0
    assert not rows["a"].is_canonical and 0.5 < rows["a"].similarity <= 1.0
    # no dates: the longest wins; same length: the first ingested
    undated = [DedupDoc(d.doc_id, d.text, None, None, d.ingested_at) for d in docs]
    assert {r.near_cluster for r in _rows(undated)} == {"a"}
    same = [DedupDoc(d.doc_id, text, None, None, d.ingested_at) for d in docs]
    assert {r.near_cluster for r in _rows(same)} == {"a"}
    later = [DedupDoc(d.doc_id, text, None, None, f"2030-01-0{i + 1}") for i, d in
             enumerate(reversed(docs))]
    assert {r.near_cluster for r in _rows(later)} == {"a"}


def test_empty_and_tiny_texts_do_not_merge() -> None:
    docs = [
        DedupDoc("e1", ""),
        DedupDoc("e2", "  "),
        DedupDoc("w1", "hello"),
        DedupDoc("w2", "world"),
    ]
    rows = {r.doc_id: r for r in _rows(docs)}
    assert rows["e1"].exact_group == rows["e2"].exact_group
    assert rows["w1"].near_cluster != rows["w2"].near_cluster
    assert rows["w1"].near_cluster != rows["e1"].near_cluster


def _partition(rows: list[ClusterRow]) -> tuple[dict[str, str], ...]:
    return tuple(
        {r.doc_id: getattr(r, level) for r in rows}
        for level in ("exact_group", "near_cluster", "story_cluster")
    )


@settings(max_examples=20, deadline=None)
@given(data=st.data())
def test_any_split_and_order_gives_one_run_result(syndication_docs, data) -> None:
    """Signatures computed per run-part, concatenated in any order == one run."""
    docs, _ = syndication_docs
    whole = _rows(docs)
    perm = data.draw(st.permutations(range(len(docs))))
    cuts = sorted(data.draw(st.sets(st.integers(1, len(docs) - 1), max_size=5)))
    shuffled = [docs[i] for i in perm]
    parts = [shuffled[a:b] for a, b in zip([0, *cuts], [*cuts, len(docs)], strict=True)]
    run_order = data.draw(st.permutations(range(len(parts))))
    all_docs: list[DedupDoc] = []
    sig_parts, size_parts = [], []
    for p in run_order:
        s, z = signatures([d.text for d in parts[p]])
        all_docs += parts[p]
        sig_parts.append(s)
        size_parts.append(z)
    rows = cluster_documents(all_docs, np.concatenate(sig_parts), np.concatenate(size_parts))
    assert rows == whole
    assert _partition(rows) == _partition(whole)


def test_trimmed_copy_verified_from_stored_data_only() -> None:
    """Containment from Jaccard + shingle counts: a 60% copy is a near-duplicate."""
    from dedup_helpers import seed_texts, trimmed

    from cleaners.dedup import lsh_candidates, near_duplicate_score

    full = seed_texts()[3]
    sigs, sizes = signatures([full, trimmed(full, 0.6), seed_texts()[0]])
    pairs = lsh_candidates(sigs)
    assert [0, 1] in pairs.tolist()
    score, ok = near_duplicate_score(sigs, sizes, np.array([[0, 1], [0, 2]]))
    assert ok.tolist() == [True, False]
    assert score[0] > 0.8 > score[1]

"""Story clusters: the five seeds are one story."""

from __future__ import annotations

from dedup_helpers import seed_texts

from cleaners.dedup import DedupDoc, cluster_documents, signatures, story_clusters
from schemas import Article

SEED_DATES = ["2023-06-08", "2023-06-08", "2023-06-08", "2023-06-08", "2023-06-16"]


def test_five_seeds_are_one_story() -> None:
    arts = [
        Article(doc_id=f"s{i}", text=t, published_at=d)
        for i, (t, d) in enumerate(zip(seed_texts(), SEED_DATES, strict=True))
    ]
    assert len(set(story_clusters(arts).values())) == 1


def test_seeds_one_story_through_cluster_documents(syndication_docs) -> None:
    docs, _ = syndication_docs
    sigs, sizes = signatures([d.text for d in docs])
    rows = cluster_documents(docs, sigs, sizes)
    assert len({r.story_cluster for r in rows}) == 1
    assert len({r.near_cluster for r in rows}) == 5


def test_unrelated_articles_stay_out() -> None:
    other = [
        "The city council approved a new budget on Tuesday that raises spending on parks, "
        "libraries and road repairs, Mayor Jane Smith said after a long public meeting.",
        "Manchester United beat Liverpool 2-1 at Old Trafford on Sunday, with Marcus "
        "Rashford scoring the winner in the 89th minute of a tense Premier League match.",
    ]
    texts = [*seed_texts(), *other]
    docs = [DedupDoc(f"d{i}", t, None, "2023-06-08", "2024-01-01") for i, t in enumerate(texts)]
    sigs, sizes = signatures(texts)
    rows = {r.doc_id: r for r in cluster_documents(docs, sigs, sizes)}
    seed_story = rows["d0"].story_cluster
    assert all(rows[f"d{i}"].story_cluster == seed_story for i in range(5))
    assert rows["d5"].story_cluster != seed_story
    assert rows["d6"].story_cluster != seed_story


def test_a_story_canonical_follows_the_near_clusters_rule() -> None:
    """One canonical rule (`clusters.rank_key`): the longest *clean* text wins, so a
    shorter article padded with whitespace does not beat a longer one."""
    from cleaners.dedup.clusters import rank_key

    texts = seed_texts()
    longest = max(range(5), key=lambda i: len(texts[i].strip()))
    padded = min(range(5), key=lambda i: len(texts[i].strip()))
    pad = " " * (len(texts[longest]) + 10 - len(texts[padded]))
    arts = [
        Article(doc_id=f"s{i}", text=t + pad if i == padded else t)
        for i, t in enumerate(texts)
    ]
    expected = min(arts, key=lambda a: rank_key(a.published_at, len(a.text.strip()), a.doc_id))
    assert expected.doc_id == f"s{longest}"
    assert set(story_clusters(arts).values()) == {expected.doc_id}


def test_one_word_regex_and_one_union_find_for_both_levels() -> None:
    import inspect

    from cleaners.dedup import clusters, minhash, stories

    assert stories.WORD_RE is minhash.WORD_RE
    source = inspect.getsource(stories)
    assert "connected_components" not in source and "math.isnan(t)" not in source
    assert "components" in inspect.getsource(stories.story_labels)
    assert clusters.components.__module__ == "cleaners.dedup.clusters"

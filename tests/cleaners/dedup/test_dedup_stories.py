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

"""Incremental clustering against the warehouse: any split into runs, any order and any
chunk size give the same tables as one pass, `cluster_documents` and `recluster`."""

from __future__ import annotations

import random
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "cleaners" / "dedup"))
from dedup_helpers import edited, seed_texts, trimmed, wrapped

from cleaners.dedup import DedupDoc, cluster_documents, signatures
from flows import dedup as incremental
from flows.stages import sign_articles
from schemas import Article, Batch, RawDocument
from warehouse import Warehouse

FILLER = [
    "The city council met on Tuesday to debate the new budget for parks and schools. "
    "Members argued over the cost of repairs to the old library and the swimming pool.",
    "A local football club won its derby on Saturday after a late goal from its captain. "
    "Fans celebrated in the streets until the early hours of Sunday morning.",
    "Heavy rain flooded several roads in the valley, and the weather service warned of "
    "more storms this week. Farmers said the harvest could be delayed by a fortnight.",
]


def _corpus() -> list[tuple[str, str, str | None]]:
    """(doc_id, text, published) for the seeds, their copies and unrelated filler."""
    rng = random.Random(3)
    out: list[tuple[str, str, str | None]] = []
    for s, text in enumerate(seed_texts()):
        day = "2023-06-08" if s < 4 else "2023-06-16"
        for name, body in {
            "": text, "w": wrapped(text), "t": trimmed(text, 0.7), "e": edited(text, rng),
            "d": text.replace("\n", "\n\n"),
        }.items():
            out.append((f"{s:02d}{name}".ljust(64, "0"), body, day))
    for i, text in enumerate(FILLER):
        out.append((f"f{i}".ljust(64, "0"), text, "2021-01-0" + str(i + 1)))
        out.append((f"g{i}".ljust(64, "0"), text + " Updated.", None))
    return out


CORPUS = _corpus()


def _load(wh: Warehouse, run: str, items: Sequence[tuple[str, str, str | None]]) -> None:
    docs = [
        RawDocument(doc_id=d, source_uri=f"mem://{d[:4]}", format="text", markup="text",
                    raw_bytes=t.encode(), raw_text=t, encoding="utf-8")
        for d, t, _ in items
    ]
    arts = [
        Article(doc_id=d, text=t, title=None, published_at=p, n_words=len(t.split()),
                cleaner="test")
        for d, t, p in items
    ]
    wh.load_batch(run, Batch(documents=docs, articles=arts, signatures=sign_articles(arts)))


def _tables(wh: Warehouse) -> list[tuple]:
    return wh.con.execute(
        "SELECT doc_id, exact_group, near_cluster, story_cluster, is_canonical, similarity "
        "FROM clusters ORDER BY doc_id"
    ).fetchall()


def _run_in_parts(parts: Sequence[Sequence[tuple[str, str, str | None]]], chunk: int) -> list:
    with tempfile.TemporaryDirectory() as tmp, Warehouse(Path(tmp) / "w.duckdb") as wh:
        old = incremental.CHUNK_ARTICLES
        incremental.CHUNK_ARTICLES = chunk
        try:
            for k, part in enumerate(parts):
                _load(wh, f"run{k}", part)
                incremental.dedup_new(wh.con)
            return _tables(wh)
        finally:
            incremental.CHUNK_ARTICLES = old


@pytest.fixture(scope="module")
def one_pass() -> list[tuple]:
    return _run_in_parts([CORPUS], 10_000)


def test_one_pass_matches_cluster_documents(one_pass: list[tuple]) -> None:
    docs = [DedupDoc(d, t, None, p) for d, t, p in CORPUS]
    sigs, sizes = signatures([d.text for d in docs])
    batch = cluster_documents(docs, sigs, sizes)
    near = [(r.doc_id, r.exact_group, r.near_cluster, r.is_canonical, r.similarity)
            for r in batch]
    assert [(r[0], r[1], r[2], r[4], r[5]) for r in one_pass] == near
    # the five seeds are one story; their copies follow them; the filler is apart
    stories = {r[0]: r[3] for r in one_pass}
    assert len({stories[d] for d, _, _ in CORPUS[:25]}) == 1
    assert stories[CORPUS[25][0]] != stories[CORPUS[0][0]]
    # a copy with an appended word is a near-duplicate of its filler article
    assert {r[0]: r[2] for r in one_pass}[CORPUS[26][0]] == CORPUS[25][0]


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow,
          HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_split_order_and_chunk_size_gives_the_same_tables(one_pass, data) -> None:
    perm = data.draw(st.permutations(range(len(CORPUS))))
    cuts = sorted(data.draw(st.sets(st.integers(1, len(CORPUS) - 1), max_size=4)))
    shuffled = [CORPUS[i] for i in perm]
    parts = [shuffled[a:b] for a, b in zip([0, *cuts], [*cuts, len(CORPUS)], strict=True)]
    chunk = data.draw(st.sampled_from([1, 3, 7, 10_000]))
    assert _run_in_parts(parts, chunk) == one_pass


def test_recluster_gives_the_incremental_partition(one_pass: list[tuple]) -> None:
    parts = [CORPUS[i::3] for i in range(3)]
    with tempfile.TemporaryDirectory() as tmp, Warehouse(Path(tmp) / "w.duckdb") as wh:
        for k, part in enumerate(parts):
            _load(wh, f"run{k}", part)
            incremental.dedup_new(wh.con)
        assert _tables(wh) == one_pass
        counts = incremental.recluster(wh.con)
        assert _tables(wh) == one_pass
        assert counts["story_clusters"] >= 1 and counts["near_clusters"] >= 5


def test_a_changed_text_is_clustered_again(one_pass: list[tuple]) -> None:
    """Re-cleaning (a site template) takes an article out and clusters it anew: the
    trimmed copy of seed 0 replaced by unrelated text leaves seed 0's cluster."""
    from flows.stages import forget_articles

    target = CORPUS[2][0]  # seed 0, trimmed copy
    with tempfile.TemporaryDirectory() as tmp, Warehouse(Path(tmp) / "w.duckdb") as wh:
        _load(wh, "run0", CORPUS)
        incremental.dedup_new(wh.con)
        new = Article(doc_id=target, text=FILLER[0] + " A different story.", n_words=30,
                      cleaner="test")
        wh.replace_articles(Batch(articles=[new], signatures=sign_articles([new])), {},
                            forget_articles)
        incremental.dedup_new(wh.con)
        rows = {r[0]: r for r in _tables(wh)}
        assert rows[target][2] == CORPUS[25][0]  # now a copy of filler 0
        assert rows[CORPUS[0][0]][2] == rows[CORPUS[1][0]][2] == CORPUS[1][0]  # seed 0 stays
        # the same tables as clustering the changed corpus from scratch
        expected = [(d, new.text if d == target else t, None if d == target else p)
                    for d, t, p in CORPUS]
        assert _tables(wh) == _run_in_parts([expected], 10_000)


def test_articles_a_killed_run_left_unclustered_are_clustered_by_the_next(
    one_pass: list[tuple],
) -> None:
    """The loader marks each article pending in its own transaction: a run killed before
    its dedup stage leaves them marked, and the next run, with nothing new, clusters them."""
    with tempfile.TemporaryDirectory() as tmp, Warehouse(Path(tmp) / "w.duckdb") as wh:
        _load(wh, "killed", CORPUS)  # the run dies here
        assert wh.count("dedup_pending") == len(CORPUS) and wh.count("clusters") == 0
        incremental.dedup_new(wh.con)  # the next run
        assert wh.count("dedup_pending") == 0
        assert _tables(wh) == one_pass


def test_a_re_cleaned_article_with_the_same_text_keeps_its_cluster(
    one_pass: list[tuple],
) -> None:
    target = CORPUS[2][0]
    text = dict((d, t) for d, t, _ in CORPUS)[target]
    with tempfile.TemporaryDirectory() as tmp, Warehouse(Path(tmp) / "w.duckdb") as wh:
        _load(wh, "run0", CORPUS)
        incremental.dedup_new(wh.con)
        same = Article(doc_id=target, text=text, n_words=30, cleaner="test",
                       published_at=CORPUS[2][2])
        from flows.stages import forget_articles

        wh.replace_articles(Batch(articles=[same], signatures=sign_articles([same])), {},
                            forget_articles)
        assert wh.count("dedup_pending") == 1
        incremental.dedup_new(wh.con)
        assert wh.count("dedup_pending") == 0 and wh.count("dedup_docs") == len(CORPUS)
        assert _tables(wh) == one_pass


def test_upgrading_marks_the_articles_an_older_warehouse_had_not_clustered(
    tmp_path: Path,
) -> None:
    """Schema 7 adds `dedup_pending`: an article of an older warehouse that no run had
    clustered is marked by the migration; the clustered ones are not."""
    import duckdb

    from warehouse.db import migrate

    path = tmp_path / "old.duckdb"
    with Warehouse(path) as wh:
        _load(wh, "run0", CORPUS[:5])
        incremental.dedup_new(wh.con)
        _load(wh, "run1", CORPUS[5:8])  # loaded, never clustered
    con = duckdb.connect(str(path))
    con.execute("DROP TABLE dedup_pending")
    con.execute("DELETE FROM schema_version WHERE version = 7")
    migrate(con)
    marked = sorted(r[0] for r in con.execute("SELECT doc_id FROM dedup_pending").fetchall())
    con.close()
    assert marked == sorted(d for d, _, _ in CORPUS[5:8])


def test_cluster_counts_are_the_groups_of_two_or_more(one_pass: list[tuple]) -> None:
    """The one-pass counting rule agrees with grouping every row."""
    with tempfile.TemporaryDirectory() as tmp, Warehouse(Path(tmp) / "w.duckdb") as wh:
        _load(wh, "run0", CORPUS)
        counts = incremental.dedup_new(wh.con)
        near, story, exact = wh.con.execute(
            """
            SELECT
              (SELECT count(*) FROM (SELECT near_cluster FROM clusters GROUP BY 1
                                     HAVING count(*) > 1)),
              (SELECT count(*) FROM (SELECT story_cluster FROM clusters GROUP BY 1
                                     HAVING count(*) > 1)),
              (SELECT count(*) - count(DISTINCT exact_group) FROM clusters)
            """
        ).fetchall()[0]
        assert counts == {"near_clusters": near, "story_clusters": story,
                          "exact_duplicates": exact}
        assert near >= 5 and story >= 1 and exact >= 1
        # what the counting leans on: a canonical leads its near cluster and its exact group
        leaders = wh.con.execute(
            "SELECT count(*) FROM clusters WHERE is_canonical "
            "AND (near_cluster <> doc_id OR exact_group <> doc_id)"
        ).fetchall()[0][0]
        assert leaders == 0

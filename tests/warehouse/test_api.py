"""The Python API: export in every format, unique articles, clusters."""

from __future__ import annotations

import io
import json

import pyarrow.parquet as pq

from schemas import ClusterRow
from tests.warehouse.test_load import make_batch
from warehouse import Warehouse


def loaded(wh: Warehouse) -> list[str]:
    batch = make_batch("first body", "second body", "third body")
    wh.load_batch("r1", batch)
    ids = sorted(a.doc_id for a in batch.articles)
    wh.replace_clusters(
        [
            ClusterRow(ids[0], ids[0], ids[0], ids[0], True, 1.0),
            ClusterRow(ids[1], ids[1], ids[0], ids[0], False, 0.9),
            ClusterRow(ids[2], ids[2], ids[2], ids[0], True, 1.0),
        ]
    )
    return ids


def test_export_jsonl_all_and_unique(fresh_wh: Warehouse) -> None:
    ids = loaded(fresh_wh)
    buf = io.BytesIO()
    assert fresh_wh.export(buf, "jsonl") == 3
    rows = [json.loads(line) for line in buf.getvalue().splitlines()]
    assert {r["doc_id"] for r in rows} == set(ids)
    assert rows[0]["published_at"] == "2023-06-08T07:00:00"
    buf = io.BytesIO()
    assert fresh_wh.export(buf, "jsonl", unique=True) == 2
    assert {json.loads(x)["doc_id"] for x in buf.getvalue().splitlines()} == {ids[0], ids[2]}


def test_export_parquet_csv_txt(fresh_wh: Warehouse) -> None:
    loaded(fresh_wh)
    buf = io.BytesIO()
    fresh_wh.export(buf, "parquet")
    assert pq.read_table(io.BytesIO(buf.getvalue())).num_rows == 3
    buf = io.BytesIO()
    fresh_wh.export(buf, "csv")
    assert buf.getvalue().decode().splitlines()[0].startswith('"doc_id","title"')
    buf = io.BytesIO()
    fresh_wh.export(buf, "txt")
    assert buf.getvalue().decode().split("\n\f\n")[0] in {"first body", "second body", "third body"}


def test_articles_and_views(fresh_wh: Warehouse) -> None:
    ids = loaded(fresh_wh)
    assert len(list(fresh_wh.articles())) == 3
    assert {a.doc_id for a in fresh_wh.articles(unique=True)} == {ids[0], ids[2]}
    story = fresh_wh.arrow("SELECT n_articles, n_sites, sites FROM stories").to_pylist()
    assert story == [{"n_articles": 3, "n_sites": 1, "sites": ["example.org"]}]


def test_clusters_lists_members_canonical_first(fresh_wh: Warehouse) -> None:
    ids = loaded(fresh_wh)
    near = fresh_wh.clusters("near")
    assert len(near) == 1 and [m.doc_id for m in near[0].members] == [ids[0], ids[1]]
    assert near[0].members[0].is_canonical
    story = fresh_wh.clusters("story")
    assert len(story[0].members) == 3 and story[0].sites == ["example.org"]

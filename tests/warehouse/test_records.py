"""Columns come from the record dataclasses (`warehouse.records`): a new column is one
field in `schemas/records.py` plus its migration, with no hand-kept column list to edit
in the loader, the readers of records or the export."""

from __future__ import annotations

from dataclasses import dataclass, fields

import pytest

from schemas import Article, ClusterRow, RawDocument, Reject, Signature
from warehouse import Warehouse
from warehouse.api import EXPORT_COLUMNS
from warehouse.load import _insert
from warehouse.records import column_names, from_rows, select_list, to_arrow
from warehouse.templates import raw_documents

TABLES = {
    Article: "articles",
    RawDocument: "documents",
    Reject: "rejects",
    ClusterRow: "clusters",
    Signature: "signatures",
}


def table_columns(wh: Warehouse, table: str) -> list[str]:
    return [r[0] for r in wh.con.execute(f"DESCRIBE {table}").fetchall()]


@pytest.mark.parametrize("cls", list(TABLES), ids=lambda c: c.__name__)
def test_every_field_of_a_record_is_a_column_of_its_table(fresh_wh: Warehouse, cls) -> None:
    have = table_columns(fresh_wh, TABLES[cls])
    assert set(column_names(cls)) <= set(have)
    assert {f.name for f in fields(cls)} <= set(have)  # derived fields too, as columns


def test_articles_are_exactly_the_article_fields(fresh_wh: Warehouse) -> None:
    assert table_columns(fresh_wh, "articles") == [f.name for f in fields(Article)]
    exported = [c for c in column_names(Article, exported_only=True)]
    assert EXPORT_COLUMNS.startswith(", ".join(exported) + ", ")


@dataclass(slots=True, frozen=True, kw_only=True)
class WiderArticle(Article):
    """`Article` after the one edit a new column takes (and its migration, below)."""

    paywalled: bool = False


def test_a_new_field_is_loaded_read_and_exported_with_no_other_edit(fresh_wh: Warehouse) -> None:
    con = fresh_wh.con
    con.execute("ALTER TABLE articles ADD COLUMN paywalled BOOLEAN")  # the migration
    record = WiderArticle(
        doc_id="a" * 64, text="Body.", title="T", published_at="2023-06-08T09:00:00",
        n_words=1, paywalled=True,
    )  # fmt: skip
    _insert(con, "articles", to_arrow([record], WiderArticle))
    names = column_names(WiderArticle)
    assert names[-1] == "paywalled"
    assert "paywalled" in column_names(WiderArticle, exported_only=True)
    rows = con.execute(f"SELECT {select_list(WiderArticle)} FROM articles").fetchall()
    assert from_rows(WiderArticle, names, rows) == [record]


def test_the_template_stage_reads_documents_as_records(fresh_wh: Warehouse) -> None:
    """`flows.stages` gets `RawDocument`s from the warehouse, not rows to map by hand."""
    from schemas import Batch

    doc = RawDocument(
        doc_id="b" * 64, source_uri="crawl.warc.wet.gz#urn:uuid:1", format="wet",
        markup="text", raw_bytes=b"Hello there.\n", raw_text="Hello there.\n",
        encoding="utf-8", url="https://example.com/a", site="example.com",
        title="Hello", published_at="2023-06-08T09:00:00", language="eng",
    )  # fmt: skip
    fresh_wh.load_batch("run-1", Batch(documents=[doc]))
    (back,) = raw_documents(fresh_wh.con, [doc.doc_id])
    assert isinstance(back, RawDocument)
    assert back == RawDocument(**{**{f.name: getattr(doc, f.name) for f in fields(doc)},
                                  "raw_bytes": b""})  # fmt: skip

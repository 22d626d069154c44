"""Loading batches: idempotent, atomic, and every unit accounted for."""

from __future__ import annotations

import hashlib

import pytest

from schemas import Article, Batch, RawDocument, Reject, Removed, Signature
from warehouse import Warehouse


def make_doc(body: str, uri: str | None = None) -> RawDocument:
    raw = body.encode()
    doc_id = hashlib.sha256(raw).hexdigest()
    return RawDocument(
        doc_id=doc_id,
        source_uri=uri or f"in/{doc_id[:6]}.txt",
        format="text",
        markup="text",
        raw_bytes=raw,
        raw_text=body,
        encoding="utf-8",
        site="example.org",
    )


def make_batch(*bodies: str) -> Batch:
    docs = [make_doc(b) for b in bodies]
    return Batch(
        documents=docs,
        articles=[
            Article(
                doc_id=d.doc_id,
                text=d.raw_text,
                n_words=2,
                cleaner="t/1",
                site=d.site,
                published_at="2023-06-08T09:00:00+02:00",
            )
            for d in docs
        ],
        removed=[(d.doc_id, Removed(1, "Menu", "navigation")) for d in docs],
        signatures=[Signature(d.doc_id, b"\x00" * 8, 3, "test") for d in docs],
        rejects=[Reject("in/empty.txt", "empty", "0 bytes", b"", hashlib.sha256(b"").hexdigest())],
    )


def table_counts(wh: Warehouse) -> dict[str, int]:
    return {
        t: wh.count(t)
        for t in ("documents", "sources", "articles", "removed_lines", "signatures", "rejects")
    }


def test_load_batch_writes_every_table(fresh_wh: Warehouse) -> None:
    counts = fresh_wh.load_batch("r1", make_batch("one body", "two body"))
    assert (counts.new_documents, counts.articles, counts.new_rejects) == (2, 2, 1)
    assert table_counts(fresh_wh) == {
        "documents": 2,
        "sources": 2,
        "articles": 2,
        "removed_lines": 2,
        "signatures": 2,
        "rejects": 1,
    }


def test_published_at_is_stored_as_utc_timestamp(fresh_wh: Warehouse) -> None:
    fresh_wh.load_batch("r1", make_batch("one body"))
    value = fresh_wh.arrow("SELECT published_at FROM articles").column(0)[0].as_py()
    assert value.isoformat() == "2023-06-08T07:00:00"


def test_loading_the_same_batch_again_adds_nothing(fresh_wh: Warehouse) -> None:
    fresh_wh.load_batch("r1", make_batch("one body", "two body"))
    before = table_counts(fresh_wh)
    counts = fresh_wh.load_batch("r2", make_batch("one body", "two body"))
    assert counts.new_documents == 0 and counts.known_documents == 2
    assert counts.new_rejects == 0
    assert table_counts(fresh_wh) == before


def test_same_bytes_under_two_paths_is_one_document_two_sources(fresh_wh: Warehouse) -> None:
    a, b = make_doc("same body", "in/a.txt"), make_doc("same body", "in/b.txt")
    fresh_wh.load_batch("r1", Batch(documents=[a, b]))
    assert fresh_wh.count("documents") == 1
    uris = fresh_wh.arrow("SELECT source_uri FROM sources ORDER BY 1").column(0).to_pylist()
    assert uris == ["in/a.txt", "in/b.txt"]


def test_a_failing_batch_leaves_nothing_behind(fresh_wh: Warehouse) -> None:
    batch = make_batch("good body")
    batch.articles.append(Article(doc_id="x", text=None, cleaner="t/1"))  # type: ignore[arg-type]
    with pytest.raises(Exception, match="NOT NULL"):
        fresh_wh.load_batch("r1", batch)
    assert all(n == 0 for n in table_counts(fresh_wh).values())

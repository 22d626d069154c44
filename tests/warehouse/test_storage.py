"""The raw input is stored once: `documents.raw_text` is derived from `raw_bytes` in SQL."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schemas import Article, Batch, RawDocument, Removed
from warehouse import SCHEMA_VERSION, Warehouse, migrate
from warehouse.dedup import count_story_text

PAGE = "Ein Bericht über Zürich.\n\nZweiter Absatz mit „Anführungszeichen“.\n"


def document(raw: bytes, text: str, *, fmt: str = "text", encoding: str = "utf-8",
             markup: str = "text", **meta: str) -> RawDocument:
    return RawDocument(
        doc_id=hashlib.sha256(raw).hexdigest(),
        source_uri=f"in/{hashlib.sha256(raw).hexdigest()[:8]}",
        format=fmt,  # type: ignore[arg-type]
        markup=markup,  # type: ignore[arg-type]
        raw_bytes=raw,
        raw_text=text,
        encoding=encoding,
        **meta,  # type: ignore[arg-type]
    )


def jsonl_record(**obj: str) -> bytes:
    return json.dumps(obj).encode()


UTF8 = document(PAGE.encode(), PAGE)
CP1251 = document("Привет, мир\n".encode("cp1251"), "Привет, мир\n", encoding="cp1251")
BOM = document(b"\xef\xbb\xbfwith a byte-order mark\n", "with a byte-order mark\n",
               encoding="utf-8-sig")
RECORD = document(
    jsonl_record(url="https://a.example/x", title="Supplied", date="2024-05-01", html="<p>é</p>"),
    "<p>é</p>", fmt="jsonl", markup="html", url="https://a.example/x", title="Supplied",
    published_at="2024-05-01",
)
# Python's json keeps the last of two equal keys; a reader that keeps the first differs
DUPLICATE_KEY = document(b'{"text": "first", "text": "last"}', "last", fmt="jsonl")
ALL = [UTF8, CP1251, BOM, RECORD, DUPLICATE_KEY]


def stored(wh: Warehouse) -> dict[str, tuple[str, str | None]]:
    rows = wh.arrow("SELECT doc_id, raw_text, stored_text FROM documents").to_pylist()
    return {r["doc_id"]: (r["raw_text"], r["stored_text"]) for r in rows}


def test_raw_text_is_what_the_reader_decoded_and_kept_only_when_sql_cannot_derive_it(
    fresh_wh: Warehouse,
) -> None:
    fresh_wh.load_batch("r1", Batch(documents=ALL))
    rows = stored(fresh_wh)
    assert {d: text for d, (text, _) in rows.items()} == {d.doc_id: d.raw_text for d in ALL}
    kept = {d for d, (_, kept) in rows.items() if kept is not None}
    assert kept == {CP1251.doc_id, BOM.doc_id, DUPLICATE_KEY.doc_id}
    supplied = fresh_wh.arrow(
        "SELECT title, published_at FROM documents WHERE doc_id = ?", [RECORD.doc_id]
    ).to_pylist()
    assert supplied == [{"title": "Supplied", "published_at": "2024-05-01"}]


def test_a_version_2_warehouse_is_upgraded_in_place(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    con = duckdb.connect(str(db_path))
    assert migrate(con, target=2) == 2
    for d in ALL:
        con.execute(
            "INSERT INTO documents (doc_id, source_uri, format, markup, site, url, encoding, "
            "raw_bytes, raw_text, run_id, ingested_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'r0', "
            "now())",
            [d.doc_id, d.source_uri, d.format, d.markup, d.site, d.url, d.encoding,
             d.raw_bytes, d.raw_text],
        )
    con.close()
    with Warehouse(db_path) as wh:
        assert wh.arrow("SELECT max(version) FROM schema_version").column(0)[0].as_py() == (
            SCHEMA_VERSION
        )
        rows = stored(wh)
        assert {d: text for d, (text, _) in rows.items()} == {d.doc_id: d.raw_text for d in ALL}
        assert {d for d, (_, kept) in rows.items() if kept is not None} == {
            CP1251.doc_id, BOM.doc_id, DUPLICATE_KEY.doc_id
        }
        # a JSONL record's own title and date are recovered from its stored bytes
        supplied = wh.arrow(
            "SELECT doc_id, title, published_at FROM documents WHERE title IS NOT NULL"
        ).to_pylist()
        assert supplied == [
            {"doc_id": RECORD.doc_id, "title": "Supplied", "published_at": "2024-05-01"}
        ]
        # documents of an old warehouse still get their site-template check
        pending = wh.arrow("SELECT doc_id FROM template_pending").column(0).to_pylist()
        assert sorted(pending) == sorted(d.doc_id for d in ALL)
        # and the upgraded table takes new documents as a fresh one does
        extra = document(b"one more page\n", "one more page\n")
        wh.load_batch("r1", Batch(documents=[extra]))
        assert stored(wh)[extra.doc_id] == ("one more page\n", None)


def test_removed_lines_are_kept_once_per_line_without_an_index(db_path: Path) -> None:
    """v8 drops the (doc_id, line_no) index: a v7 warehouse keeps its rows, and the loader
    still writes each line once, whatever the batch repeats."""
    db_path.parent.mkdir(parents=True)
    con = duckdb.connect(str(db_path))
    assert migrate(con, target=7) == 7
    con.execute("INSERT INTO removed_lines VALUES ('old', 1, 'Home | News', 'navigation')")
    con.close()
    line = Removed(line_no=3, text="Share this", reason="share")
    article = Article(doc_id=UTF8.doc_id, text=PAGE, n_words=9)
    repeated = Batch(documents=[UTF8], articles=[article],
                     removed=[(UTF8.doc_id, line), (UTF8.doc_id, line)])
    with Warehouse(db_path) as wh:
        indexed = wh.arrow(
            "SELECT count(*) FROM duckdb_constraints() WHERE table_name = 'removed_lines' "
            "AND constraint_type = 'PRIMARY KEY'"
        ).column(0)[0].as_py()
        assert indexed == 0
        wh.load_batch("r1", repeated)
        wh.load_batch("r2", repeated)  # known document: nothing is written again
        rows = wh.arrow("SELECT doc_id, line_no, text, reason FROM removed_lines")
        assert sorted(rows.to_pylist(), key=lambda r: r["line_no"]) == [
            {"doc_id": "old", "line_no": 1, "text": "Home | News", "reason": "navigation"},
            {"doc_id": UTF8.doc_id, "line_no": 3, "text": "Share this", "reason": "share"},
        ]


def primary_keys(wh: Warehouse, table: str) -> int:
    return int(wh.arrow(
        "SELECT count(*) FROM duckdb_constraints() WHERE table_name = ? "
        "AND constraint_type = 'PRIMARY KEY'", [table],
    ).column(0)[0].as_py())


def test_story_frequencies_stay_one_row_per_key_without_an_index(db_path: Path) -> None:
    """v11 drops the story_df / story_sentences indexes: a v10 warehouse keeps its counts,
    and adding and removing counts keeps one row per key with the summed frequency."""
    db_path.parent.mkdir(parents=True)
    con = duckdb.connect(str(db_path))
    assert migrate(con, target=10) == 10
    con.execute("INSERT INTO story_df VALUES ('zurich', 2), ('bericht', 1)")
    con.execute("INSERT INTO story_sentences VALUES (7, 3)")
    con.close()
    with Warehouse(db_path) as wh:
        assert primary_keys(wh, "story_df") == primary_keys(wh, "story_sentences") == 0
        con = wh.con
        # one entry per node and term: 'zurich' in two new nodes, 'neu' in two, 'x' in one
        count_story_text(con, ["zurich", "neu", "zurich", "neu", "x"], [7, 9, 9], 1)
        count_story_text(con, ["neu", "y"], [9], 1)
        df = dict(con.execute("SELECT term, df FROM story_df").fetchall())
        assert df == {"zurich": 4, "bericht": 1, "neu": 3, "x": 1, "y": 1}
        assert con.execute("SELECT count(*), count(DISTINCT term) FROM story_df").fetchall() == [
            (5, 5)
        ]
        sent = dict(con.execute("SELECT sentence_key, df FROM story_sentences").fetchall())
        assert sent == {7: 4, 9: 3}
        # a node leaving takes its counts with it; a count down to 0 leaves no row
        count_story_text(con, ["x", "neu", "bericht"], [9, 9, 9], -1)
        df = dict(con.execute("SELECT term, df FROM story_df").fetchall())
        assert df == {"zurich": 4, "neu": 2, "y": 1}
        assert dict(con.execute("SELECT sentence_key, df FROM story_sentences").fetchall()) == {
            7: 4
        }


BYTES_AND_TEXT = st.one_of(
    st.text().map(lambda t: (t.encode("utf-8"), t)),  # NUL and noncharacters included
    st.binary().map(lambda b: (b, b.decode("utf-8", "replace"))),
    st.text().map(lambda t: (("\ufeff" + t).encode("utf-8"), t)),  # a BOM the reader drops
)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(BYTES_AND_TEXT, min_size=1, max_size=8))
def test_the_stored_text_is_always_what_the_reader_decoded(
    tmp_path_factory: pytest.TempPathFactory, pages: list[tuple[bytes, str]]
) -> None:
    """The loader leaves a text out only where DuckDB derives the same one from the bytes
    (`document_payloads`): whatever the bytes, `raw_text` reads back as decoded."""
    docs = list({d.doc_id: d for d in (document(raw, text) for raw, text in pages)}.values())
    with Warehouse(tmp_path_factory.mktemp("w") / "w.duckdb") as wh:
        wh.load_batch("r1", Batch(documents=docs))
        rows = stored(wh)
    assert {d: text for d, (text, _) in rows.items()} == {d.doc_id: d.raw_text for d in docs}


def test_a_version_11_warehouse_gains_site_name_with_the_inputs_own_site(db_path: Path) -> None:
    """v12 adds `site_name` to documents and articles; a JSONL or Parquet record's own
    `site` (a display name, stored as the key until v11) is recovered from its bytes."""
    db_path.parent.mkdir(parents=True)
    con = duckdb.connect(str(db_path))
    assert migrate(con, target=11) == 11
    named = document(
        jsonl_record(url="https://www.wsj.com/a", site=" WSJ ", text="Markets rose."),
        "Markets rose.", fmt="jsonl", url="https://www.wsj.com/a", site="WSJ",
    )
    row = document(  # a Parquet row's bytes are its sorted-key JSON
        jsonl_record(site="Daily", text="Rain fell.", url="https://daily.example/r"),
        "Rain fell.", fmt="parquet", url="https://daily.example/r", site="Daily",
    )
    unnamed = [UTF8, RECORD, DUPLICATE_KEY]
    for d in [named, row, *unnamed]:
        con.execute(
            "INSERT INTO documents (doc_id, source_uri, format, markup, site, url, encoding, "
            "raw_bytes, run_id, ingested_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'r0', now())",
            [d.doc_id, d.source_uri, d.format, d.markup, d.site, d.url, d.encoding, d.raw_bytes],
        )
        con.execute(
            "INSERT INTO articles (doc_id, site, url, text, n_words, cleaner, removed_lines) "
            "VALUES (?, ?, ?, ?, 2, 't/1', 0)",
            [d.doc_id, d.site, d.url, d.raw_text],
        )
    con.close()
    with Warehouse(db_path) as wh:
        assert wh.arrow("SELECT max(version) FROM schema_version").column(0)[0].as_py() == (
            SCHEMA_VERSION
        )
        for table in ("documents", "articles"):
            names = wh.arrow(f"SELECT doc_id, site_name FROM {table}").to_pylist()
            assert {r["doc_id"]: r["site_name"] for r in names} == {
                named.doc_id: "WSJ", row.doc_id: "Daily", **dict.fromkeys(
                    (d.doc_id for d in unnamed), None
                )
            }
        # the records read back carry it, and a new one is written with it
        assert {a.doc_id: a.site_name for a in wh.articles()}[named.doc_id] == "WSJ"
        new = document(b"fresh page\n", "fresh page\n", site="wsj.com", site_name="WSJ")
        article = Article(doc_id=new.doc_id, text="fresh page", site="wsj.com", site_name="WSJ")
        wh.load_batch("r1", Batch(documents=[new], articles=[article]))
        got = wh.arrow(
            "SELECT d.site_name AS supplied, a.site, a.site_name FROM documents d "
            "JOIN articles a USING (doc_id) WHERE doc_id = ?", [new.doc_id]
        ).to_pylist()
        assert got == [{"supplied": "WSJ", "site": "wsj.com", "site_name": "WSJ"}]


def test_a_warehouse_killed_before_its_first_checkpoint_opens_again(tmp_path: Path) -> None:
    """A run killed right after creating (migrating) the file leaves the migrations in the
    log; replaying it must not need an extension (schema v12 rebuilds `documents` rather
    than altering it: an ALTER bound its JSON-using generated column during replay)."""
    import subprocess
    import sys

    db = tmp_path / "killed.duckdb"
    root = Path(__file__).resolve().parents[2]
    create = f"import os; from warehouse import Warehouse; w = Warehouse({str(db)!r}); os._exit(0)"
    subprocess.run([sys.executable, "-c", create], cwd=root, check=True,
                   env={**os.environ, "PYTHONPATH": str(root)})
    assert db.with_name(db.name + ".wal").exists()
    con = duckdb.connect(str(db), read_only=True)  # any client, extensions or not
    try:
        assert con.execute("SELECT max(version) FROM schema_version").fetchall() == [
            (SCHEMA_VERSION,)
        ]
    finally:
        con.close()
    with Warehouse(db) as wh:
        assert wh.arrow("SELECT count(*) AS n FROM documents").to_pylist() == [{"n": 0}]

"""End to end: the real Prefect flow over the seeds into a real DuckDB file."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from schemas import RunSummary
from tests.conftest import SEED_CHROME, SEEDS
from warehouse import Warehouse

TABLES = ("documents", "sources", "articles", "removed_lines", "clusters", "rejects", "signatures")


def counts(db: Path) -> dict[str, int]:
    with Warehouse(db, read_only=True) as wh:
        return {t: wh.count(t) for t in TABLES}


def test_seeds_land_as_five_articles_in_one_story(seeded: tuple[Path, RunSummary]) -> None:
    db, summary = seeded
    assert (summary.files_seen, summary.new_documents, summary.articles) == (5, 5, 5)
    assert summary.rejected == 0 and summary.story_clusters == 1
    with Warehouse(db, read_only=True) as wh:
        ids = set(wh.arrow("SELECT doc_id FROM documents").column(0).to_pylist())
        assert ids == {hashlib.sha256(p.read_bytes()).hexdigest() for p in SEEDS.glob("*.txt")}
        story = wh.arrow("SELECT n_articles, n_sites FROM stories").to_pylist()
        # two seeds name their site (UrduPoint's head, Pravda.ru's copyright footer)
        assert story == [{"n_articles": 5, "n_sites": 2}]
        run = wh.arrow("SELECT status, counts->>'articles' AS n FROM runs").to_pylist()
        assert run[0] == {"status": "completed", "n": "5"}


def test_no_article_keeps_a_menu_teaser_or_footer_line(seeded: tuple[Path, RunSummary]) -> None:
    db, _ = seeded
    with Warehouse(db, read_only=True) as wh:
        for article in wh.articles():
            lines = {line.strip() for line in article.text.splitlines()}
            assert not lines & set(SEED_CHROME), article.doc_id
        rows = wh.arrow(
            "SELECT text, reason FROM removed_lines "
            "WHERE text IN ('Recent Stories', 'Related Topics')"
        ).to_pylist()
        reasons = {r["text"]: r["reason"] for r in rows}
        assert reasons == {"Recent Stories": "recent_stories", "Related Topics": "related"}


def test_second_run_adds_nothing_and_changes_nothing(seeded: tuple[Path, RunSummary]) -> None:
    from flows.pipeline import pipeline

    db, _ = seeded
    before = counts(db)
    with Warehouse(db, read_only=True) as wh:
        clusters_before = wh.arrow("SELECT * FROM clusters ORDER BY doc_id").to_pylist()
    summary = pipeline(db=db)
    assert summary.new_documents == 0 and summary.known_documents == 5
    assert counts(db) == before
    with Warehouse(db, read_only=True) as wh:
        assert wh.arrow("SELECT * FROM clusters ORDER BY doc_id").to_pylist() == clusters_before
        assert wh.count("runs") >= 2


def test_bad_inputs_are_rejected_with_reasons_and_counted(
    prefect_server: None, tmp_path: Path
) -> None:
    from flows.pipeline import pipeline

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "empty.txt").write_bytes(b"")
    (inbox / "fake.txt").write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + bytes(range(256)) * 20)
    (inbox / "menu.txt").write_text("Home\nNews\nSport\nContact Us\n")
    (inbox / "story.txt").write_text((SEEDS / "001_e1980c2dd2ce34b0.txt").read_text())
    db = tmp_path / "pw.duckdb"
    summary = pipeline([inbox, tmp_path / "missing.txt"], db=db)
    assert summary.files_seen == 5 and summary.articles == 1
    assert summary.inputs == summary.new_documents + summary.rejected == 5
    assert summary.rejects_by_reason == {
        "binary": 1,
        "empty": 1,
        "no_content": 1,
        "not_found": 1,
    }
    with Warehouse(db, read_only=True) as wh:
        assert wh.count("rejects") == 4 and wh.count("documents") == 1
    again = pipeline([inbox, tmp_path / "missing.txt"], db=db)
    assert again.rejected == 4
    with Warehouse(db, read_only=True) as wh:
        assert wh.count("rejects") == 4  # known rejects are not recorded twice


def tables(db: Path) -> dict[str, list[dict[str, object]]]:
    """Every table a run writes, without the columns that say when (run ids, times)."""
    queries = {
        "documents": "SELECT * EXCLUDE (run_id, ingested_at) FROM documents",
        "sources": "SELECT source_uri, doc_id FROM sources",
        "articles": "SELECT * FROM articles",
        "removed_lines": "SELECT * FROM removed_lines",
        "signatures": "SELECT * FROM signatures",
        "rejects": "SELECT source_uri, reason, detail, content_sha256 FROM rejects",
        "site_templates": "SELECT * FROM site_templates",
        "clusters": "SELECT * FROM clusters",
    }
    with Warehouse(db, read_only=True) as wh:
        return {name: wh.arrow(f"{sql} ORDER BY ALL").to_pylist() for name, sql in queries.items()}


def parquet_of_pages(texts: list[Path], folder: Path) -> Path:
    """A Parquet file with a row per text page, under its own URL; row groups of 7."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder.mkdir()
    path = folder / "pages.parquet"
    urls = [f"https://rows.example/{k}/{p.stem}" for k, p in enumerate(texts)]
    table = pa.table({"url": urls, "text": [p.read_text() for p in texts]})
    pq.write_table(table, path, row_group_size=7, compression="none")
    return path


def jsonl_of_pages(texts: list[Path], folder: Path) -> Path:
    """A plain JSONL file with a line per text page, under its own URL."""
    import json

    folder.mkdir()
    path = folder / "pages.jsonl"
    path.write_text("".join(
        json.dumps({"url": f"https://lines.example/{k}/{p.stem}", "text": p.read_text()}) + "\n"
        for k, p in enumerate(texts)
    ))  # fmt: skip
    return path


def test_tables_do_not_depend_on_batch_size_or_workers(
    prefect_server: None, tmp_path: Path
) -> None:
    """In the flow's process or in a pool of 1 or 2 workers, 500, 20 or 2 units a batch:
    the same tables. 65 files (the seeds and 60 real pages) in batches of 20 or 2 are
    enough batches to use the pool; a
    Parquet file of the 30 text pages is whole at 500 and in pieces of 2 rows, cut
    inside its row groups, at 2; a JSONL file of them is whole at 500 and in pieces of 2
    lines at 2, cut again between the 2 workers."""
    from flows.pipeline import MIN_PARALLEL_BATCHES, pipeline, run_pipeline
    from flows.readers.spans import file_spans

    pages = Path(__file__).resolve().parents[1] / "data" / "extraction"
    rows = parquet_of_pages(sorted((pages / "text").glob("*.txt")), tmp_path / "rows")
    pieces = file_spans(rows, 2)
    assert len(pieces) > 15 and any(s.first % 7 for s in pieces)
    assert len(file_spans(rows, 500)) == 1
    lines = jsonl_of_pages(sorted((pages / "text").glob("*.txt")), tmp_path / "lines")
    assert len(file_spans(lines, 2)) == 15 and len(file_spans(lines, 500)) == 1
    inputs = [SEEDS, pages / "text", pages / "html", rows, lines]
    assert len(list(pages.glob("*/*.*"))) + 5 >= MIN_PARALLEL_BATCHES * 20

    here = pipeline(inputs, db=tmp_path / "here.duckdb", batch_size=500)
    one = run_pipeline(inputs, db=tmp_path / "one.duckdb", workers=1, batch_size=20)
    two = run_pipeline(inputs, db=tmp_path / "two.duckdb", workers=2, batch_size=2)
    assert here.articles == one.articles == two.articles >= 60
    assert here.rejects_by_reason == one.rejects_by_reason == two.rejects_by_reason
    expected = tables(tmp_path / "here.duckdb")
    assert tables(tmp_path / "one.duckdb") == expected
    assert tables(tmp_path / "two.duckdb") == expected


def test_an_unreachable_dask_address_is_one_error_line(tmp_path: Path) -> None:
    import socket
    import subprocess
    import sys

    with socket.socket() as sock:  # a port nobody listens on once this closes
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    address = f"tcp://127.0.0.1:{port}"
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run(
        [sys.executable, "-c", "from flows.cli import main; main()", "run", str(SEEDS),
         "--db", str(tmp_path / "pw.duckdb"), "--dask-address", address],
        env={**os.environ, "PYTHONPATH": str(root)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 1
    assert result.stderr == (
        f"error: cannot reach the Dask scheduler at {address} (Connection refused)\n"
    )
    assert not (tmp_path / "pw.duckdb").exists()  # refused before anything was written

"""Opening the warehouse: migrations, and one clear error per expected failure."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest

from warehouse import (
    SCHEMA_VERSION,
    DatabaseLocked,
    DatabaseMissing,
    NotADuckDB,
    Warehouse,
    migrate,
    open_db,
    run_lock,
)


def test_a_version_1_database_is_migrated_in_place(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    con = duckdb.connect(str(db_path))
    assert migrate(con, target=1) == 1
    con.execute(
        "INSERT INTO documents (doc_id, source_uri, format, run_id, ingested_at) "
        "VALUES ('d1', 'a.html', 'html', 'r0', now())"
    )
    con.close()
    with Warehouse(db_path) as wh:
        version = wh.arrow("SELECT max(version) FROM schema_version").column(0)[0].as_py()
        assert version == SCHEMA_VERSION
        assert wh.arrow("SELECT markup FROM documents").column(0).to_pylist() == ["html"]
        assert wh.arrow("SELECT source_uri FROM sources").column(0).to_pylist() == ["a.html"]
        assert wh.count("unique_articles") == 0


def test_not_a_duckdb_file(tmp_path: Path) -> None:
    bad = tmp_path / "notes.duckdb"
    bad.write_text("these are my notes, not a database\n" * 50)
    with pytest.raises(NotADuckDB, match="is not a DuckDB database"):
        Warehouse(bad)


def test_read_only_open_of_a_missing_database(tmp_path: Path) -> None:
    with pytest.raises(DatabaseMissing, match="run `presswash run` first"):
        Warehouse(tmp_path / "nope.duckdb", read_only=True)


def test_a_database_held_by_another_process_is_reported_not_corrupted(db_path: Path) -> None:
    Warehouse(db_path).close()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
            import duckdb, sys, time
            con = duckdb.connect({str(db_path)!r})
            print("held", flush=True)
            time.sleep(30)
        """),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(DatabaseLocked, match="locked by another process"):
            open_db(db_path, timeout=0.5)
    finally:
        holder.kill()
        holder.wait()
    with Warehouse(db_path) as wh:
        assert wh.count("documents") == 0


def test_second_run_lock_waits_then_gives_up(db_path: Path) -> None:
    told: list[str] = []
    with (
        run_lock(db_path),
        pytest.raises(DatabaseLocked, match="in use by another presswash run"),
        run_lock(db_path, timeout=0.3, on_wait=told.append),
    ):
        pass
    assert told and "waiting for another run" in told[0]
    with run_lock(db_path, timeout=0.3):  # released again
        pass

"""Crash safety and concurrent runs, with real `presswash run` subprocesses.

SIGKILL is the hard case: no cleanup code runs. What makes it safe is that each batch
is one DuckDB transaction and the run lock is an flock the kernel releases.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from tests.conftest import SEEDS
from warehouse import run_lock

N_FILES = 1200
BATCH = 40


def body_paragraphs() -> list[str]:
    paragraphs = []
    for seed in sorted(SEEDS.glob("*.txt")):
        paragraphs += [p.strip() for p in seed.read_text().split("\n\n") if len(p.split()) > 25]
    return paragraphs


def make_corpus(folder: Path, n: int = N_FILES) -> Path:
    """n distinct article-like dumps: seed paragraphs reshuffled, each with its own headline."""
    folder.mkdir(parents=True)
    paragraphs = body_paragraphs()
    rng = random.Random(20231125)
    for i in range(n):
        chosen = rng.sample(paragraphs, 5)
        text = f"Dispatch number {i} on the summit\n\n" + "\n\n".join(chosen) + f"\n\nFiled {i}.\n"
        (folder / f"doc_{i:05d}.txt").write_text(text)
    return folder


def presswash(*args: str) -> list[str]:
    return [sys.executable, "-c", "from flows.cli import main; main()", *args]


def snapshot(db: Path) -> dict[str, object]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {
            "documents": sorted(con.execute("SELECT doc_id FROM documents").fetchall()),
            "articles": sorted(con.execute("SELECT doc_id, text FROM articles").fetchall()),
            "removed": con.execute(
                "SELECT count(*), sum(hash(doc_id, line_no)) FROM removed_lines"
            ).fetchall(),
            "rejects": sorted(con.execute("SELECT source_uri, reason FROM rejects").fetchall()),
            "partition": sorted(
                con.execute(
                    "SELECT list(doc_id ORDER BY doc_id) FROM clusters GROUP BY near_cluster"
                ).fetchall()
            ),
        }
    finally:
        con.close()


def count_documents(db: Path) -> int | None:
    """Documents loaded so far, or None while the writer holds the file."""
    try:
        con = duckdb.connect(str(db), read_only=True)
    except duckdb.Error:
        return None
    try:
        return int(con.execute("SELECT count(*) FROM documents").fetchall()[0][0])
    except duckdb.Error:
        return None
    finally:
        con.close()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_corpus(tmp_path_factory.mktemp("crash") / "corpus")


def test_sigkill_mid_run_then_rerun_gives_the_same_tables(corpus: Path, tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    ref_db, db = tmp_path / "ref.duckdb", tmp_path / "crash.duckdb"
    subprocess.run(
        presswash("run", str(corpus), "--db", str(ref_db), "--batch-size", str(BATCH)),
        env=env,
        check=True,
        capture_output=True,
        timeout=600,
    )

    run = subprocess.Popen(
        presswash("run", str(corpus), "--db", str(db), "--batch-size", str(BATCH)),
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    killed_at = None
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and run.poll() is None:
        n = count_documents(db) if db.exists() else None
        if n and n >= 3 * BATCH:
            run.send_signal(signal.SIGKILL)
            killed_at = n
            break
        time.sleep(0.05)
    run.wait()
    assert killed_at is not None and killed_at < N_FILES, "the run ended before it could be killed"

    con = duckdb.connect(str(db), read_only=True)  # opens: the WAL replays or is discarded
    loaded, articles, signed, removed_ok = con.execute(
        """
        SELECT (SELECT count(*) FROM documents), (SELECT count(*) FROM articles),
               (SELECT count(*) FROM signatures),
               (SELECT coalesce(sum(a.removed_lines), 0) FROM articles a)
                 = (SELECT count(*) FROM removed_lines)
        """
    ).fetchall()[0]
    status = con.execute("SELECT status FROM runs").fetchall()
    con.close()
    assert 0 < loaded < N_FILES and loaded % BATCH == 0  # whole batches only
    assert articles == signed == loaded and removed_ok
    assert status == [("running",)]

    result = subprocess.run(
        presswash("run", str(corpus), "--db", str(db), "--batch-size", str(BATCH)),
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    assert snapshot(db) == snapshot(ref_db)
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT status FROM runs ORDER BY started_at").fetchall() == [
        ("interrupted",),
        ("completed",),
    ]
    con.close()


def test_a_second_run_waits_then_gives_up_with_one_line(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    db = tmp_path / "busy.duckdb"
    with run_lock(db):  # what a first `presswash run` holds for its whole run
        second = subprocess.run(
            presswash("run", str(SEEDS), "--db", str(db), "--wait", "1"),
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
    assert second.returncode == 1
    assert second.stderr == (
        f"waiting for another run on {db} (pid {os.getpid()}) ...\n"
        f"error: database {db} is in use by another presswash run (pid {os.getpid()}); "
        "gave up after 1s (see --wait)\n"
    )
    assert not db.exists() or count_documents(db) == 0


def test_sql_works_while_a_run_is_writing(corpus: Path, tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    db = tmp_path / "busy.duckdb"
    first = subprocess.Popen(
        presswash("run", str(corpus), "--db", str(db), "--batch-size", str(BATCH)),
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 300
        while not (db.exists() and count_documents(db)):
            assert time.monotonic() < deadline and first.poll() is None
            time.sleep(0.05)
        running = first.poll() is None
        query = subprocess.run(
            presswash("sql", "select count(*) from documents", "--db", str(db)),
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert running and query.returncode == 0, query.stderr
        assert 0 < int(query.stdout) <= N_FILES  # it read between two batches
    finally:
        first.wait(timeout=600)
    assert first.returncode == 0
    assert count_documents(db) == N_FILES

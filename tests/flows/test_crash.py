"""Crash safety and concurrent runs, with real `presswash run` subprocesses.

SIGKILL is the hard case: no cleanup code runs. What makes it safe is that each batch
is one DuckDB transaction and the run lock is an flock the kernel releases.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
import zstandard

from flows.readers import discover, read_file
from flows.readers.spans import SPLIT_MIN_BYTES, plan_batches
from schemas import RawDocument
from tests.conftest import SEEDS
from tests.flows.procs import count_documents
from warehouse import PresswashError, run_lock
from warehouse.db import open_db

BATCH = 40
CONTAINER_UNITS = 6
"""Documents in each WET, Parquet and zstd container of the corpus."""
BIG_ROWS = 3 * BATCH
"""Rows of the big Parquet file, and lines of the big JSONL file beside it: each is cut
into pieces of `BATCH` units, each a batch, so a run killed once the first piece of one
is loaded is killed in the middle of that file."""
N_FILES = 1200 - BIG_ROWS
CONTAINERS_AT = (5, 70, N_FILES - 50)
"""Where the containers sit in the sorted file list: in the first batches (loaded before
the kill) and in the last (left for the re-run); the big Parquet file is at the second."""


def body_paragraphs() -> list[str]:
    paragraphs = []
    for seed in sorted(SEEDS.glob("*.txt")):
        paragraphs += [p.strip() for p in seed.read_text().split("\n\n") if len(p.split()) > 25]
    return paragraphs


def dispatch(i: int, rng: random.Random, paragraphs: list[str]) -> str:
    """An article-like dump: seed paragraphs reshuffled, with its own headline."""
    chosen = rng.sample(paragraphs, 5)
    return f"Dispatch number {i} on the summit\n\n" + "\n\n".join(chosen) + f"\n\nFiled {i}.\n"


def wet_record(kind: str, rid: str, block: bytes, uri: str = "") -> bytes:
    """One WET record as Common Crawl writes it (CRLF headers); `uri` makes it a page."""
    head = [
        "WARC/1.0", f"WARC-Type: {kind}", "WARC-Date: 2023-06-08T09:00:00Z",
        f"WARC-Record-ID: <urn:uuid:{rid}>",
        *([f"WARC-Target-URI: {uri}", "WARC-Identified-Content-Language: eng"] if uri else []),
        "Content-Type: " + ("text/plain" if uri else "application/warc-fields"),
        f"Content-Length: {len(block)}",
    ]  # fmt: skip
    return "\r\n".join(head).encode() + b"\r\n\r\n" + block + b"\r\n\r\n"


def wet_bytes(texts: list[str], tag: str) -> bytes:
    """A Common Crawl WET file: warcinfo first, one gzip member per record, CRLF headers."""
    record = wet_record
    records = [record("warcinfo", f"{tag}-info", b"isPartOf: CC-MAIN-2023-23\r\n")] + [
        record("conversion", f"{tag}-{k}", text.encode(), f"https://wet.example/{tag}/{k}")
        for k, text in enumerate(texts)
    ]
    return b"".join(gzip.compress(r) for r in records)


def parquet_bytes(texts: list[str], tag: str) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    urls = [f"https://pq.example/{tag}/{k}" for k in range(len(texts))]
    buffer = io.BytesIO()
    pq.write_table(
        pa.table({"url": urls, "text": texts}), buffer, row_group_size=2, compression="none"
    )
    return buffer.getvalue()


def make_corpus(folder: Path, n: int = N_FILES, containers: tuple[int, ...] = ()) -> Path:
    """n files: distinct text dumps, and at each of `containers` (slots) a WET file, a
    Parquet file and two zstd files (JSONL and a text dump) in place of four dumps; the
    Parquet file at the second slot holds `BIG_ROWS` rows, and a plain JSONL file of
    `BIG_ROWS` lines follows it there."""
    folder.mkdir(parents=True)
    paragraphs = body_paragraphs()
    rng = random.Random(20231125)
    i = 0
    for k in range(n):
        if any(0 < k - slot <= 3 for slot in containers):  # the 4 containers take 4 slots
            continue
        name = f"doc_{k:05d}"
        if k in containers:
            texts = [dispatch(n + i + j, rng, paragraphs) for j in range(4 * CONTAINER_UNITS)]
            i += len(texts)
            wet, pq, js = (texts[j * CONTAINER_UNITS : (j + 1) * CONTAINER_UNITS] for j in range(3))
            if k in containers[1:2]:
                pq = [dispatch(n + i + j, rng, paragraphs) for j in range(BIG_ROWS)]
                i += len(pq)
            zstd = zstandard.ZstdCompressor()
            lines = b"".join(json.dumps({"url": f"https://z.example/{k}/{j}", "text": t}).encode()
                             + b"\n" for j, t in enumerate(js))  # fmt: skip
            (folder / f"{name}.a.warc.wet.gz").write_bytes(wet_bytes(wet, name))
            (folder / f"{name}.b.parquet").write_bytes(parquet_bytes(pq, name))
            if len(pq) == BIG_ROWS:  # big enough to be cut
                assert (folder / f"{name}.b.parquet").stat().st_size >= SPLIT_MIN_BYTES
                big = [dispatch(n + i + j, rng, paragraphs) for j in range(BIG_ROWS)]
                i += len(big)
                (folder / f"{name}.e.jsonl").write_bytes(b"".join(
                    json.dumps({"url": f"https://l.example/{k}/{j}", "text": t,
                                "notes": t[:1000]}).encode()  # a field readers pass over
                    + b"\n" for j, t in enumerate(big)))  # fmt: skip
                assert (folder / f"{name}.e.jsonl").stat().st_size >= SPLIT_MIN_BYTES
            (folder / f"{name}.c.jsonl.zst").write_bytes(zstd.compress(lines))
            (folder / f"{name}.d.txt.zst").write_bytes(zstd.compress(texts[-1].encode()))
            continue
        (folder / f"{name}.txt").write_text(dispatch(k, rng, paragraphs))
    return folder


def batch_ends(corpus: Path) -> list[int]:
    """Documents loaded after each whole batch of `BATCH` units (files, Parquet rows),
    in the run's order."""
    files, _ = discover([corpus])
    ends, total = [], 0
    for batch in plan_batches(files, BATCH):
        for span in batch:
            pieces = read_file(Path(span.path), first=span.first, stop=span.stop, mark=span.mark)
            total += sum(isinstance(r, RawDocument) for r in pieces)
        ends.append(total)
    return ends


N_DOCUMENTS = (
    N_FILES + len(CONTAINERS_AT) * (3 * CONTAINER_UNITS + 1 - 4) + 2 * BIG_ROWS - CONTAINER_UNITS
)
"""Each container slot holds 3 x `CONTAINER_UNITS` + 1 documents in 4 files, the
second one `BIG_ROWS - CONTAINER_UNITS` more and the big JSONL file's `BIG_ROWS`."""


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
            "sources": sorted(con.execute("SELECT source_uri, doc_id FROM sources").fetchall()),
            "partition": sorted(
                con.execute(
                    "SELECT list(doc_id ORDER BY doc_id) FROM clusters GROUP BY near_cluster"
                ).fetchall()
            ),
        }
    finally:
        con.close()


CONTAINER_KINDS = (".a.warc.wet.gz#", ".b.parquet#", ".c.jsonl.zst#", ".d.txt.zst", ".e.jsonl#")
BIG_UNITS = {"parquet": "b.parquet#row-", "jsonl": "e.jsonl#L"}
"""The big files, and how their units' `source_uri`s go on after the file name."""


def big_rows_loaded(db: Path, big: str = "parquet") -> int | None:
    """Rows of the big Parquet file (or lines of the big JSONL file) loaded so far (None:
    the database is not ready). Opened as presswash's readers do, so a run lets go of the
    file after its current batch."""
    try:
        con = open_db(db, read_only=True, timeout=5)
    except PresswashError:
        return None
    try:
        like = f"%doc_{CONTAINERS_AT[1]:05d}.{BIG_UNITS[big]}%"
        query = "SELECT count(*) FROM sources WHERE source_uri LIKE ?"
        return int(con.execute(query, [like]).fetchall()[0][0])
    except duckdb.Error:
        return None
    finally:
        con.close()


def container_documents(db: Path) -> dict[tuple[int, str], int]:
    """(container slot, kind) -> documents stored from it (via `sources`)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        uris = [r[0] for r in con.execute("SELECT source_uri FROM sources").fetchall()]
    finally:
        con.close()
    found: dict[tuple[int, str], int] = {}
    for uri in uris:
        name = uri.rsplit("/", 1)[-1]
        for kind in CONTAINER_KINDS:
            if kind in name or name.endswith(kind):
                key = (int(name[4:9]), kind.strip(".#"))
                found[key] = found.get(key, 0) + 1
    return found


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_corpus(tmp_path_factory.mktemp("crash") / "corpus", containers=CONTAINERS_AT)


ENV = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}


@pytest.fixture(scope="module")
def ref_db(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tables of an uninterrupted run."""
    ref_db = tmp_path_factory.mktemp("crash-ref") / "ref.duckdb"
    subprocess.run(
        presswash("run", str(corpus), "--db", str(ref_db), "--batch-size", str(BATCH)),
        env=ENV,
        check=True,
        capture_output=True,
        timeout=600,
    )
    per_kind = {"a.warc.wet.gz": CONTAINER_UNITS, "b.parquet": CONTAINER_UNITS,
                "c.jsonl.zst": CONTAINER_UNITS, "d.txt.zst": 1}  # fmt: skip
    big = {(CONTAINERS_AT[1], "b.parquet"): BIG_ROWS, (CONTAINERS_AT[1], "e.jsonl"): BIG_ROWS}
    assert container_documents(ref_db) == {
        (slot, kind): n for slot in CONTAINERS_AT for kind, n in per_kind.items()
    } | big
    return ref_db


@pytest.mark.parametrize("big", list(BIG_UNITS))
def test_sigkill_mid_run_then_rerun_gives_the_same_tables(
    corpus: Path, ref_db: Path, tmp_path: Path, big: str
) -> None:
    """Killed once the first piece of the big Parquet (or JSONL) file is loaded."""
    env = ENV
    db = tmp_path / "crash.duckdb"

    run = subprocess.Popen(
        presswash("run", str(corpus), "--db", str(db), "--batch-size", str(BATCH)),
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    killed_at = None
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and run.poll() is None:
        n = big_rows_loaded(db, big) if db.exists() else None
        if n:  # the big file's first piece is in
            run.send_signal(signal.SIGKILL)
            killed_at = n
            break
        time.sleep(0.05)
    run.wait()
    assert killed_at is not None, "the run ended before it was killed"

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
    ends = batch_ends(corpus)
    assert ends[-1] == N_DOCUMENTS
    assert 0 < loaded < N_DOCUMENTS and loaded in ends  # whole batches only
    assert articles == signed == loaded and removed_ok
    assert status == [("running",)]
    # the kill fell after the first containers were loaded, before the last ones, and
    # in the middle of the big file
    slots = {slot for slot, _ in container_documents(db)}
    assert CONTAINERS_AT[0] in slots and CONTAINERS_AT[-1] not in slots
    assert 0 < (big_rows_loaded(db, big) or 0) < BIG_ROWS

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
        assert 0 < int(query.stdout) <= N_DOCUMENTS  # it read between two batches
    finally:
        first.wait(timeout=600)
    assert first.returncode == 0
    assert count_documents(db) == N_DOCUMENTS

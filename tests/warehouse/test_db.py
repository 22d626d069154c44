"""Opening the warehouse: migrations, and one clear error per expected failure."""

from __future__ import annotations

import errno
import hashlib
import os
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from tests.warehouse.test_load import make_batch
from warehouse import (
    SCHEMA_VERSION,
    BadDatabasePath,
    DatabaseLocked,
    DatabaseMissing,
    DiskFull,
    NewerSchema,
    NotADuckDB,
    NotAWarehouse,
    StorageFailure,
    Warehouse,
    check_writable,
    migrate,
    open_db,
    run_lock,
    storage_failure,
)
from warehouse import db as dbmod


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


def snapshot(folder: Path) -> dict[str, tuple[int, str]]:
    """Every file in a folder with its mtime and content hash."""
    return {
        p.name: (p.stat().st_mtime_ns, hashlib.sha256(p.read_bytes()).hexdigest())
        for p in sorted(folder.iterdir())
    }


@pytest.mark.parametrize("read_only", [False, True])
def test_files_that_are_not_duckdb(tmp_path: Path, read_only: bool) -> None:
    text = tmp_path / "notes.duckdb"
    text.write_text("these are my notes, not a database\n" * 50)
    with pytest.raises(NotADuckDB) as caught:
        Warehouse(text, read_only=read_only)
    assert str(caught.value) == f"{text} is not a DuckDB database"
    lite = tmp_path / "app.db"
    sqlite3.connect(lite).execute("CREATE TABLE t (x)").connection.commit()
    # DuckDB itself would try to download its sqlite extension for this one
    with pytest.raises(NotADuckDB) as caught:
        Warehouse(lite, read_only=read_only)
    assert str(caught.value) == f"{lite} is an SQLite database, not a DuckDB database"
    empty = tmp_path / "empty.duckdb"
    empty.touch()
    with pytest.raises(NotADuckDB) as caught:
        Warehouse(empty, read_only=read_only)
    assert str(caught.value) == (
        f"{empty} is an empty file, not a DuckDB database (remove it to start a new warehouse)"
    )


def test_read_only_open_of_a_missing_database(tmp_path: Path) -> None:
    with pytest.raises(DatabaseMissing) as caught:
        Warehouse(tmp_path / "nope.duckdb", read_only=True)
    missing = tmp_path / "nope.duckdb"
    assert str(caught.value) == f"no warehouse at {missing} (run `presswash run` first)"
    assert not (tmp_path / "nope.duckdb").exists()


def foreign_database(path: Path) -> Path:
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE budget (item VARCHAR, euros INTEGER)")
    con.execute("INSERT INTO budget VALUES ('paper', 12)")
    con.close()
    return path


@pytest.mark.parametrize("read_only", [False, True])
def test_a_foreign_duckdb_file_is_refused_and_left_untouched(
    tmp_path: Path, read_only: bool
) -> None:
    db = foreign_database(tmp_path / "budget.duckdb")
    before = snapshot(tmp_path)
    with pytest.raises(NotAWarehouse) as caught:
        Warehouse(db, read_only=read_only)
    assert str(caught.value) == (
        f"{db} is a DuckDB database but not a presswash warehouse (it holds budget); "
        "presswash leaves it untouched"
    )
    with pytest.raises(NotAWarehouse):
        check_writable(db)
    assert snapshot(tmp_path) == before


def test_an_empty_duckdb_database_becomes_a_warehouse_but_is_not_read_as_one(
    tmp_path: Path,
) -> None:
    db = tmp_path / "new.duckdb"
    duckdb.connect(str(db)).close()
    with pytest.raises(NotAWarehouse) as caught:
        Warehouse(db, read_only=True)
    assert str(caught.value) == (
        f"{db} is an empty DuckDB database, not a presswash warehouse yet "
        "(run `presswash run` first)"
    )
    with Warehouse(db) as wh:
        assert wh.count("documents") == 0


@pytest.mark.parametrize("read_only", [False, True])
def test_a_warehouse_of_a_newer_schema(db_path: Path, read_only: bool) -> None:
    Warehouse(db_path).close()
    con = duckdb.connect(str(db_path))
    con.execute("INSERT INTO schema_version (version) VALUES (99)")
    con.close()
    with pytest.raises(NewerSchema) as caught:
        Warehouse(db_path, read_only=read_only)
    assert str(caught.value) == (
        f"warehouse {db_path} has schema version 99, newer than this presswash knows "
        f"({SCHEMA_VERSION}); upgrade presswash to use it"
    )


def test_paths_that_cannot_hold_a_database(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.duckdb"
    os.mkfifo(fifo)
    for read_only in (True, False):  # DuckDB would block forever opening a FIFO
        with pytest.raises(BadDatabasePath) as caught:
            open_db(fifo, read_only=read_only)
        assert str(caught.value) == f"{fifo} is a FIFO (named pipe), not a DuckDB database"
    folder = tmp_path / "folder.duckdb"
    folder.mkdir()
    with pytest.raises(BadDatabasePath) as caught:
        open_db(folder)
    assert str(caught.value) == f"{folder} is a directory, not a DuckDB database"
    afile = tmp_path / "notes.txt"
    afile.write_text("x")
    for under in (afile / "presswash.duckdb", afile / "deeper" / "presswash.duckdb"):
        for read_only in (True, False):
            with pytest.raises(BadDatabasePath) as caught:
                open_db(under, read_only=read_only)
            assert str(caught.value) == f"cannot use {under}: {afile} is a file, not a directory"
        with pytest.raises(BadDatabasePath):
            check_writable(under)


def test_a_directory_where_the_lock_goes(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    lock = db_path.with_name(db_path.name + ".lock")
    lock.mkdir()
    expected = f"cannot lock {db_path}: {lock} is a directory"
    with pytest.raises(BadDatabasePath) as caught:
        check_writable(db_path)
    assert str(caught.value) == expected
    with pytest.raises(BadDatabasePath) as caught, run_lock(db_path):
        pass
    assert str(caught.value) == expected


def hold(db: Path, *, read_only: bool) -> subprocess.Popen[str]:
    """Another process with the database open, until killed."""
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
            import duckdb, time
            con = duckdb.connect({str(db)!r}, read_only={read_only})
            print("held", flush=True)
            time.sleep(60)
        """),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    return holder


@pytest.fixture
def warehouse_file(db_path: Path) -> Path:
    Warehouse(db_path).close()
    return db_path


def test_a_database_held_by_another_writer_is_reported_not_corrupted(
    warehouse_file: Path,
) -> None:
    holder = hold(warehouse_file, read_only=False)
    try:
        for read_only in (False, True):
            with pytest.raises(DatabaseLocked) as caught:
                open_db(warehouse_file, read_only=read_only, timeout=0.5)
            assert str(caught.value) == (
                f"database {warehouse_file} is locked by another process writing to it "
                f"(pid {holder.pid}); gave up after 0s"
            )
    finally:
        holder.kill()
        holder.wait()
    with Warehouse(warehouse_file) as wh:
        assert wh.count("documents") == 0


def test_a_run_waits_for_a_read_only_session_then_says_so(warehouse_file: Path) -> None:
    holder = hold(warehouse_file, read_only=True)
    told: list[str] = []
    try:
        with (
            pytest.raises(DatabaseLocked) as caught,
            run_lock(warehouse_file, timeout=0.5, on_wait=told.append),
        ):
            pass
        with pytest.raises(DatabaseLocked) as direct:
            open_db(warehouse_file, timeout=0.3)
    finally:
        holder.kill()
        holder.wait()
    session = (
        f"database {warehouse_file} is held open by a read-only session (pid {holder.pid}); "
        "close it, or give `--wait` more seconds"
    )
    assert str(caught.value) == f"{session} (gave up after 0s)"
    assert str(direct.value) == f"{session} (gave up after 0s)"
    assert told == [
        f"waiting for a read-only session (pid {holder.pid}) to close {warehouse_file} ..."
    ]
    with run_lock(warehouse_file, timeout=0.5):  # the session is gone: no wait
        pass


def test_second_run_lock_waits_then_gives_up(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
            import time
            from warehouse import run_lock
            with run_lock({str(db_path)!r}):
                print("held", flush=True)
                time.sleep(60)
        """),
        ],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
    )
    told: list[str] = []
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with (
            pytest.raises(DatabaseLocked) as caught,
            run_lock(db_path, timeout=0.3, on_wait=told.append),
        ):
            pass
    finally:
        holder.kill()
        holder.wait()
    assert str(caught.value) == (
        f"database {db_path} is in use by another presswash run (pid {holder.pid}); "
        "gave up after 0s (see --wait)"
    )
    assert told == [f"waiting for another run on {db_path} (pid {holder.pid}) ..."]
    with run_lock(db_path, timeout=0.3):  # released again
        pass


def test_the_run_lock_is_reentrant_within_a_process(db_path: Path) -> None:
    """The CLI takes it before starting Prefect, and the flow takes it again."""
    with run_lock(db_path, timeout=0.1), run_lock(db_path, timeout=0.1), Warehouse(db_path) as wh:
        assert wh.count("documents") == 0
    holder = subprocess.run(
        [
            sys.executable,
            "-c",
            f"from warehouse import run_lock\nwith run_lock({str(db_path)!r}, timeout=0):\n pass",
        ],
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
        capture_output=True,
        text=True,
    )
    assert holder.returncode == 0, holder.stderr  # released when the outer block ended


# -- the operating system's refusals ---------------------------------------------------

def test_storage_failures_are_named_whoever_reports_them(tmp_path: Path) -> None:
    wal = tmp_path / "presswash.duckdb.wal"
    from_duckdb = duckdb.TransactionException(
        f'TransactionContext Error: Failed to commit: Could not write file "{wal}": '
        "No space left on device"
    )
    failure = storage_failure(from_duckdb)
    assert isinstance(failure, DiskFull)
    assert str(failure) == f"no space left on device writing {wal} (free some space and run again)"
    from_os = OSError(errno.EROFS, "Read-only file system", str(tmp_path / "x.lock"))
    failure = storage_failure(from_os)
    assert type(failure) is StorageFailure
    assert str(failure) == f"cannot write {tmp_path / 'x.lock'}: read-only file system"
    assert storage_failure(duckdb.CatalogException("Table with name x does not exist!")) is None
    assert storage_failure(ValueError("no space left on device")) is None


class FullDisk:
    """A DuckDB connection whose COMMITs fail as they do on a full disk."""

    def __init__(self, con: duckdb.DuckDBPyConnection, wal: str) -> None:
        self._con = con
        self._wal = wal
        self.armed = False

    def execute(self, sql: str, *args: object) -> object:
        if self.armed and sql.strip().upper() == "COMMIT":
            self._con.execute("ROLLBACK")
            raise duckdb.TransactionException(
                f'TransactionContext Error: Failed to commit: Could not write file "{self._wal}": '
                "No space left on device"
            )
        return self._con.execute(sql, *args)

    def __getattr__(self, name: str) -> object:
        return getattr(self._con, name)


def test_a_full_disk_during_a_load_rolls_the_batch_back(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_connect = duckdb.connect
    wal = f"{db_path}.wal"
    opened: list[FullDisk] = []

    def connect(*args: object, **kwargs: object) -> FullDisk:
        opened.append(FullDisk(real_connect(*args, **kwargs), wal))  # type: ignore[arg-type]
        return opened[-1]

    monkeypatch.setattr(dbmod.duckdb, "connect", connect)
    with Warehouse(db_path) as wh:
        opened[-1].armed = True
        with pytest.raises(DiskFull) as caught:
            wh.load_batch("r1", make_batch("first body", "second body"))
        opened[-1].armed = False
        assert str(caught.value) == (
            f"no space left on device writing {wal} (free some space and run again)"
        )
        assert wh.count("documents") == 0 and wh.count("articles") == 0
        wh.load_batch("r1", make_batch("first body"))  # space again: the next batch loads
        assert wh.count("documents") == 1


def can_mount() -> bool:
    return sys.platform == "linux" and os.geteuid() == 0


def mounted_tmpfs(mnt: Path, size: str) -> Iterator[Path]:
    """A tmpfs of `size` at `mnt` for a fixture to yield: a real ENOSPC (needs root;
    skips the test elsewhere)."""
    mnt.mkdir()
    if not can_mount() or subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mnt)], capture_output=True
    ).returncode:
        pytest.skip("mounting a tmpfs needs root")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=True)


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A 300 KB tmpfs."""
    yield from mounted_tmpfs(tmp_path / "tiny", "300k")


def test_a_real_full_disk(tiny_disk: Path) -> None:
    db = tiny_disk / "presswash.duckdb"
    big = make_batch(*[f"body {i} " + "word " * 4000 for i in range(40)])
    with pytest.raises(DiskFull) as caught, Warehouse(db) as wh:
        wh.load_batch("r1", big)
    assert str(caught.value).startswith(f"no space left on device writing {db}")
    assert str(caught.value).endswith(" (free some space and run again)")


@pytest.fixture
def read_only_dir(tmp_path: Path) -> Iterator[Path]:
    """A folder on a read-only file system (root: a ro tmpfs; others: a 0o555 folder)."""
    ro = tmp_path / "ro"
    ro.mkdir()
    if can_mount():
        mounted = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=1m,ro", "tmpfs", str(ro)], capture_output=True
        )
        if mounted.returncode:
            pytest.skip("mounting a tmpfs failed")
        try:
            yield ro
        finally:
            subprocess.run(["umount", "-l", str(ro)], check=True)
        return
    ro.chmod(0o555)
    try:
        yield ro
    finally:
        ro.chmod(0o755)


def test_a_read_only_place(read_only_dir: Path) -> None:
    db = read_only_dir / "presswash.duckdb"
    with pytest.raises(StorageFailure) as caught:
        check_writable(db)
    assert str(caught.value) in (
        f"cannot write {db}: read-only file system",
        f"cannot write {db}: permission denied in {read_only_dir}",
    )
    with pytest.raises(StorageFailure), Warehouse(db):
        pass
    with pytest.raises(StorageFailure), run_lock(db):
        pass


def test_a_migration_numbered_below_the_newest_applied_one_still_runs(db_path: Path) -> None:
    """Migrations are applied by the set of recorded versions, not by their maximum."""
    from warehouse.db import _migration_files, applied_migrations

    with Warehouse(db_path) as wh:
        wh.con.execute("DELETE FROM schema_version WHERE version = 2")
        assert 2 not in applied_migrations(wh.con)
    with Warehouse(db_path) as wh:
        assert applied_migrations(wh.con) == {v for v, _ in _migration_files()}

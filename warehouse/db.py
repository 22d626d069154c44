"""Open, lock and migrate the DuckDB file.

DuckDB allows one process per file while it writes. A run holds one connection and lets
go of it between batches when a reader waits (see `warehouse.held`), so `presswash sql`
can read during a run; runs themselves are serialised by an advisory lock file next to
the database (see `run_lock`), which the kernel releases even when a run is killed.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

import duckdb

DEFAULT_DB = Path("warehouse") / "presswash.duckdb"
"""Relative to the current directory, as DESIGN.md says."""

LOCK_RETRY_SECONDS = 0.2
"""How often to retry a file DuckDB reports as locked; short, since batches are short."""

OPEN_TIMEOUT_SECONDS = 30.0
"""How long to wait for another process's batch to finish before giving up."""


class PresswashError(Exception):
    """An expected failure the CLI turns into one line on stderr."""


class DatabaseLocked(PresswashError):
    """Another process holds the database longer than we are willing to wait."""


class NotADuckDB(PresswashError):
    """The path exists but is not a DuckDB database (or is corrupt)."""


class DatabaseMissing(PresswashError):
    """A read-only command was pointed at a database that does not exist yet."""


def resolve_db(path: str | Path | None) -> Path:
    """`--db`, else `$PRESSWASH_DB`, else `warehouse/presswash.duckdb` under the cwd."""
    if path is None or str(path) == "":
        path = os.environ.get("PRESSWASH_DB") or DEFAULT_DB
    return Path(path)


def _is_lock_error(exc: Exception) -> bool:
    text = str(exc).lower()
    return "lock" in text and ("conflicting" in text or "could not set" in text)


def _is_not_duckdb(exc: Exception) -> bool:
    text = str(exc).lower()
    return any(
        s in text
        for s in ("not a valid duckdb", "not a duckdb", "invalid", "corrupt", "magic", "checksum")
    )


def open_db(
    path: str | Path | None = None,
    *,
    read_only: bool = False,
    timeout: float = OPEN_TIMEOUT_SECONDS,
) -> duckdb.DuckDBPyConnection:
    """Connect to the warehouse, waiting up to `timeout` for another writer, and migrate it.

    Raises:
        DatabaseMissing: read-only open of a file that does not exist.
        DatabaseLocked: the file stayed locked by another process for `timeout` seconds.
        NotADuckDB: the file is not a DuckDB database.
    """
    db = resolve_db(path)
    if read_only and not db.exists():
        raise DatabaseMissing(f"no warehouse at {db} (run `presswash run` first)")
    if not read_only:
        db.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + timeout
    waiting: int | None = None  # a reader's `<db>.readers` flock while it waits
    try:
        while True:
            try:
                con = duckdb.connect(str(db), read_only=read_only)
                break
            except duckdb.Error as exc:
                if _is_lock_error(exc):
                    if time.monotonic() >= deadline:
                        raise DatabaseLocked(
                            f"database {db} is locked by another process; "
                            f"gave up after {timeout:.0f}s"
                        ) from None
                    if read_only and waiting is None:
                        waiting = _announce_reader(db)
                    time.sleep(LOCK_RETRY_SECONDS)
                    continue
                if _is_not_duckdb(exc) or isinstance(exc, duckdb.IOException):
                    raise NotADuckDB(
                        f"{db} is not a DuckDB database ({_first_line(exc)})"
                    ) from None
                raise
    finally:
        if waiting is not None:
            os.close(waiting)
    if read_only:
        _check_version(con, db)
    else:
        migrate(con)
    return con


def readers_path(db: Path) -> Path:
    """`<db>.readers`: readers waiting for the file hold a shared flock on it, so that a
    run holding the file open lets go between batches (see `warehouse.held`)."""
    return db.with_name(db.name + ".readers")


def _announce_reader(db: Path) -> int | None:
    """Take a shared flock on `<db>.readers` (None where that cannot be done, e.g. a
    read-only folder: the run then still lets go now and then)."""
    try:
        fd = os.open(readers_path(db), os.O_RDWR | os.O_CREAT, 0o644)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError:  # the run is looking right now; the next retry tries again
        os.close(fd)
        return None
    return fd


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _migration_files() -> list[tuple[int, str]]:
    sql_dir = resources.files("schemas") / "sql"
    out = []
    for entry in sql_dir.iterdir():
        name = entry.name
        if name.endswith(".sql") and name[:3].isdigit():
            out.append((int(name[:3]), entry.read_text(encoding="utf-8")))
    return sorted(out)


SCHEMA_VERSION = max(v for v, _ in _migration_files())
"""The version this code writes; older files are migrated up to it on open."""


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    """0 for an empty database, else the highest applied migration."""
    exists = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_version'"
    ).fetchall()
    if not exists[0][0]:
        return 0
    rows = con.execute("SELECT max(version) FROM schema_version").fetchall()
    return int(rows[0][0]) if rows[0][0] is not None else 0


def migrate(con: duckdb.DuckDBPyConnection, *, target: int | None = None) -> int:
    """Apply every migration above the file's version, each in its own transaction.

    `target` stops early; tests use it to build an old database and watch it upgrade.
    """
    current = schema_version(con)
    goal = SCHEMA_VERSION if target is None else target
    if current > SCHEMA_VERSION:
        raise NotADuckDB(
            f"warehouse schema version {current} is newer than this presswash ({SCHEMA_VERSION})"
        )
    for version, sql in _migration_files():
        if current < version <= goal:
            con.execute("BEGIN TRANSACTION")
            try:
                con.execute(sql)
                con.execute("COMMIT")
            except Exception:
                con.execute("ROLLBACK")
                raise
            current = version
    views = (resources.files("schemas") / "sql" / "views.sql").read_text(encoding="utf-8")
    if current == SCHEMA_VERSION:
        con.execute(views)
    return current


def _check_version(con: duckdb.DuckDBPyConnection, db: Path) -> None:
    version = schema_version(con)
    if version == 0:
        raise NotADuckDB(f"{db} is a DuckDB file but not a presswash warehouse")


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """All or nothing: a batch is in the warehouse completely or not at all."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


RUN_WAIT_SECONDS = 600.0
"""How long a second run waits for the first before giving up: ten minutes covers a
typical scheduled batch without hanging a cron job forever."""


@contextmanager
def run_lock(
    path: str | Path | None,
    *,
    timeout: float = RUN_WAIT_SECONDS,
    on_wait: object = None,
) -> Iterator[Path]:
    """Hold the run lock of a warehouse: one `presswash run` writes to a file at a time.

    An flock on `<db>.lock` rather than a lock row in the database: the kernel drops it
    when the holder dies, even by SIGKILL, so a crash never leaves a stale lock.
    `on_wait` (a callable taking a message) is told once when we start waiting.
    """
    db = resolve_db(path)
    db.parent.mkdir(parents=True, exist_ok=True)
    lock_path = db.with_name(db.name + ".lock")
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + timeout
        told = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not told and callable(on_wait):
                    holder = os.pread(fd, 64, 0).decode("ascii", "replace").strip()
                    on_wait(f"waiting for another run on {db} (pid {holder or '?'}) ...")
                    told = True
                if time.monotonic() >= deadline:
                    raise DatabaseLocked(
                        f"database {db} is in use by another presswash run; "
                        f"gave up after {timeout:.0f}s"
                    ) from None
                time.sleep(LOCK_RETRY_SECONDS)
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield db
    finally:
        os.close(fd)

"""Open, lock and migrate the DuckDB file, and name every way that can fail.

DuckDB allows one process per file while it writes. A run holds one connection and lets
go of it between batches when a reader waits (see `warehouse.held`), so `presswash sql`
can read during a run; runs themselves are serialised by an advisory lock file next to
the database (see `run_lock`), which the kernel releases even when a run is killed.

Every expected failure of opening or writing the file is a `PresswashError` with a
one-line message: the path is checked before DuckDB sees it (DuckDB hangs on a FIFO and
tries to download an extension for an SQLite file), a foreign DuckDB file is refused
before anything is written to it, and the operating system's refusals (disk full,
read-only file system) are named rather than shown as DuckDB's own traces.
"""

from __future__ import annotations

import fcntl
import os
import re
import stat
import struct
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from importlib import resources
from pathlib import Path

import duckdb

from warehouse.errors import (
    BadDatabasePath,
    DatabaseLocked,
    DatabaseMissing,
    DiskFull,
    NewerSchema,
    NotADuckDB,
    NotAWarehouse,
    PresswashError,
    StorageFailure,
    storage_failure,
)

__all__ = [  # the errors are defined in warehouse.errors, and long imported from here
    "BadDatabasePath",
    "DatabaseLocked",
    "DatabaseMissing",
    "DiskFull",
    "NewerSchema",
    "NotADuckDB",
    "NotAWarehouse",
    "PresswashError",
    "StorageFailure",
    "storage_failure",
]

DEFAULT_DB = Path("warehouse") / "presswash.duckdb"
"""Relative to the current directory, as DESIGN.md says."""

LOCK_RETRY_SECONDS = 0.2
"""How often to retry a file DuckDB reports as locked; short, since batches are short."""

OPEN_TIMEOUT_SECONDS = 30.0
"""How long to wait for another process's batch to finish before giving up."""

NO_DOWNLOADS: dict[str, str | int | float | list[str]] = {
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
}
"""Every connection: presswash never installs or loads an extension behind the user's back."""

SANDBOX: dict[str, str | int | float | list[str]] = {
    # no COPY ... TO, EXPORT DATABASE, read_csv/read_text/glob, ATTACH or http(s) reads
    "enable_external_access": False,
    **NO_DOWNLOADS,
    # no SET can undo the above (nor change threads, memory or profiling output files)
    "lock_configuration": True,
}
"""Read-only connections (`sql`, `export`, `clusters`, `report`, `Warehouse(read_only=True)`):
the query can read the warehouse and nothing else."""

BLOCK_SIZE = 16_384
"""Bytes per storage block of a new warehouse (DuckDB's default is 256 KiB; an existing file
keeps the size it was made with). A table's tail, each index's buffers and every run's
partly filled last block each take a whole block: with 256 KiB blocks that was 6.6 MB for a
warehouse of one page and ~4 MB of tail blocks per small run. On the dev + Readability pages
(bench/storage.py) 16 KiB blocks make the warehouse 1.6x its inputs' gzip size instead of 2.4x."""

WRITABLE: dict[str, str | int | float | list[str]] = {
    **NO_DOWNLOADS,
    "default_block_size": str(BLOCK_SIZE),
}
"""Connections that may write (and so create the file)."""

DUCKDB_MAGIC = b"DUCK"
DUCKDB_MAGIC_OFFSET = 8
"""A DuckDB file starts with an 8-byte checksum, then these four bytes."""

SQLITE_MAGIC = b"SQLite format 3\x00"


def resolve_db(path: str | Path | None) -> Path:
    """`--db`, else `$PRESSWASH_DB`, else `warehouse/presswash.duckdb` under the cwd."""
    if path is None or str(path) == "":
        path = os.environ.get("PRESSWASH_DB") or DEFAULT_DB
    return Path(path)


# -- the path, before DuckDB sees it ---------------------------------------------------

def check_location(db: Path, *, read_only: bool) -> None:
    """Refuse what cannot be a warehouse without opening it with DuckDB.

    Raises:
        DatabaseMissing: read-only, and nothing is there.
        BadDatabasePath: a directory, a FIFO or device, or a path under a regular file.
        NotADuckDB: a regular file without DuckDB's header (empty, text, SQLite, ...).
        StorageFailure: a new warehouse would go on a read-only file system.
    """
    try:
        info = os.stat(db)
    except FileNotFoundError:
        if read_only:
            raise DatabaseMissing(f"no warehouse at {db} (run `presswash run` first)") from None
        _check_new_location(db)
        return
    except NotADirectoryError:
        raise BadDatabasePath(_under_a_file(db)) from None
    except PermissionError:
        raise StorageFailure(f"cannot read {db}: permission denied") from None
    if stat.S_ISDIR(info.st_mode):
        raise BadDatabasePath(f"{db} is a directory, not a DuckDB database")
    if not stat.S_ISREG(info.st_mode):
        raise BadDatabasePath(f"{db} is a {_file_kind(info.st_mode)}, not a DuckDB database")
    _check_header(db)


def _check_header(db: Path) -> None:
    try:
        with db.open("rb") as fh:
            head = fh.read(len(SQLITE_MAGIC))
    except PermissionError:
        raise StorageFailure(f"cannot read {db}: permission denied") from None
    if not head:
        raise NotADuckDB(
            f"{db} is an empty file, not a DuckDB database (remove it to start a new warehouse)"
        )
    if head[DUCKDB_MAGIC_OFFSET : DUCKDB_MAGIC_OFFSET + len(DUCKDB_MAGIC)] == DUCKDB_MAGIC:
        return
    if head == SQLITE_MAGIC:
        raise NotADuckDB(f"{db} is an SQLite database, not a DuckDB database")
    raise NotADuckDB(f"{db} is not a DuckDB database")


def _check_new_location(db: Path) -> None:
    """A warehouse about to be created: its nearest existing folder must be writable."""
    ancestor = db.parent
    while not ancestor.exists() and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise BadDatabasePath(_under_a_file(db))
    if _read_only_fs(ancestor):
        raise StorageFailure(f"cannot write {db}: read-only file system")
    if not os.access(ancestor, os.W_OK | os.X_OK):
        raise StorageFailure(f"cannot write {db}: permission denied in {ancestor}")


def _under_a_file(db: Path) -> str:
    blocker = next((p for p in reversed(db.parents) if p.exists() and not p.is_dir()), db.parent)
    return f"cannot use {db}: {blocker} is a file, not a directory"


def _read_only_fs(path: Path) -> bool:
    try:
        return bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def _file_kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "device"
    return "special file"


def make_parent(db: Path) -> None:
    """Create the warehouse's folder, naming why when that is impossible."""
    try:
        db.parent.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise BadDatabasePath(_under_a_file(db)) from None
    except OSError as exc:
        raise storage_failure(exc, db.parent) or exc from None


def check_writable(path: str | Path | None) -> Path:
    """What `presswash run` checks before it starts: fails fast, and writes nothing.

    The location (see `check_location`), the lock file's place, and, when no other
    process holds the file, its schema through a sandboxed read-only peek, so a foreign
    or newer database is refused before a lock file or a table is created.
    """
    db = resolve_db(path)
    check_location(db, read_only=False)
    lock = lock_path(db)
    if lock.is_dir():
        raise BadDatabasePath(f"cannot lock {db}: {lock} is a directory")
    if not db.exists():
        return db
    if _read_only_fs(db.parent):
        raise StorageFailure(f"cannot write {db}: read-only file system")
    if not os.access(db, os.W_OK):
        raise StorageFailure(f"cannot write {db}: permission denied")
    if lock_holder(db) is None:
        try:
            con = _connect(db, True, 0.0)
        except DatabaseLocked:
            return db  # a writer got there first; the run waits for it and checks then
        try:
            check_schema(con, db, read_only=False)
        finally:
            con.close()
    return db


# -- who holds the file ----------------------------------------------------------------

_FLOCK = struct.Struct("hhqqi4x")
"""Linux `struct flock` (l_type, l_whence, l_start, l_len, l_pid), as F_GETLK takes it."""


def lock_holder(db: Path) -> tuple[str, int] | None:
    """("reading" or "writing", pid) of another process holding DuckDB's lock on `db`.

    DuckDB takes a POSIX read lock for a read-only connection and a write lock for a
    writing one; F_GETLK reports the first lock that would block a writer.
    """
    try:
        fd = os.open(db, os.O_RDONLY | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        probe = _FLOCK.pack(fcntl.F_WRLCK, os.SEEK_SET, 0, 0, 0)
        kind, _, _, _, pid = _FLOCK.unpack(fcntl.fcntl(fd, fcntl.F_GETLK, probe))
    except OSError:
        return None
    finally:
        os.close(fd)
    if kind == fcntl.F_UNLCK:
        return None
    return ("reading" if kind == fcntl.F_RDLCK else "writing"), pid


def _held_message(db: Path, holder: tuple[str, int] | None, waited: float) -> str:
    mode, pid = holder or ("writing", 0)
    who = f"pid {pid}" if pid else "another process"
    if mode == "reading":
        return (
            f"database {db} is held open by a read-only session ({who}); close it, "
            f"or give `--wait` more seconds (gave up after {waited:.0f}s)"
        )
    return (
        f"database {db} is locked by another process writing to it ({who}); "
        f"gave up after {waited:.0f}s"
    )


def _is_lock_error(exc: Exception) -> bool:
    text = str(exc).lower()
    return "lock" in text and ("conflicting" in text or "could not set" in text)


_open_wait: ContextVar[float] = ContextVar("presswash_open_wait", default=OPEN_TIMEOUT_SECONDS)
"""How long `open_db` waits for a lock by default: a run's `--wait`, inside `run_lock`."""


def _connect(db: Path, read_only: bool, timeout: float) -> duckdb.DuckDBPyConnection:
    config = SANDBOX if read_only else WRITABLE
    deadline = time.monotonic() + timeout
    waiting: int | None = None  # a reader's `<db>.readers` flock while it waits
    try:
        while True:
            try:
                return duckdb.connect(str(db), read_only=read_only, config=dict(config))
            except duckdb.Error as exc:
                if _is_lock_error(exc):
                    if time.monotonic() >= deadline:
                        holder = _holder_of(db, exc)
                        raise DatabaseLocked(_held_message(db, holder, timeout)) from None
                    if read_only and waiting is None:
                        waiting = _announce_reader(db)
                    time.sleep(LOCK_RETRY_SECONDS)
                    continue
                failure = storage_failure(exc, db)
                if failure is not None:
                    raise failure from None
                raise NotADuckDB(f"{db} is not a DuckDB database ({_first_line(exc)})") from None
    finally:
        if waiting is not None:
            os.close(waiting)


def _holder_of(db: Path, exc: Exception) -> tuple[str, int] | None:
    held = lock_holder(db)
    if held is not None:
        return held
    pid = re.search(r"\(PID (\d+)\)", str(exc))
    return ("writing", int(pid.group(1))) if pid else None


def open_db(
    path: str | Path | None = None,
    *,
    read_only: bool = False,
    timeout: float | None = None,
) -> duckdb.DuckDBPyConnection:
    """Connect to the warehouse, waiting up to `timeout` for another writer, and migrate it.

    A read-only connection is sandboxed (see `SANDBOX`). A writing one refuses a DuckDB
    file that holds tables but no presswash schema, before anything is written to it.

    Raises:
        DatabaseMissing: read-only open of a file that does not exist.
        DatabaseLocked: the file stayed locked by another process for `timeout` seconds.
        NotADuckDB: the file is not a DuckDB database.
        NotAWarehouse: a DuckDB database presswash did not create.
        NewerSchema: a warehouse of a newer presswash.
        BadDatabasePath, StorageFailure, DiskFull: see `check_location`, `storage_failure`.
    """
    db = resolve_db(path)
    check_location(db, read_only=read_only)
    if not read_only:
        make_parent(db)
    con = _connect(db, read_only, _open_wait.get() if timeout is None else timeout)
    try:
        check_schema(con, db, read_only=read_only)
        if not read_only:
            try:
                migrate(con)
            except duckdb.Error as exc:
                raise storage_failure(exc, db) or exc from None
    except BaseException:
        con.close()
        raise
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


# -- schema ----------------------------------------------------------------------------

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
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_version' "
        "AND table_catalog = current_database()"
    ).fetchall()
    if not exists[0][0]:
        return 0
    rows = con.execute("SELECT max(version) FROM schema_version").fetchall()
    return int(rows[0][0]) if rows[0][0] is not None else 0


def check_schema(con: duckdb.DuckDBPyConnection, db: Path, *, read_only: bool) -> int:
    """The warehouse's schema version, after refusing a foreign or newer database.

    Raises:
        NotAWarehouse: tables but no presswash schema; or, read-only, no tables at all.
        NewerSchema: a version above `SCHEMA_VERSION`.
    """
    version = schema_version(con)
    if version > SCHEMA_VERSION:
        raise NewerSchema(
            f"warehouse {db} has schema version {version}, newer than this presswash "
            f"knows ({SCHEMA_VERSION}); upgrade presswash to use it"
        )
    if version == 0:
        tables = [
            r[0]
            for r in con.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_catalog = current_database() ORDER BY 1"
            ).fetchall()
        ]
        if tables:
            more = f" and {len(tables) - 5} more" if len(tables) > 5 else ""
            shown = ", ".join(tables[:5]) + more
            raise NotAWarehouse(
                f"{db} is a DuckDB database but not a presswash warehouse (it holds {shown}); "
                "presswash leaves it untouched"
            )
        if read_only:
            raise NotAWarehouse(
                f"{db} is an empty DuckDB database, not a presswash warehouse yet "
                "(run `presswash run` first)"
            )
    return version


def applied_migrations(con: duckdb.DuckDBPyConnection) -> set[int]:
    """The migration versions recorded in the file (empty for a new database)."""
    if schema_version(con) == 0:
        return set()
    return {int(r[0]) for r in con.execute("SELECT version FROM schema_version").fetchall()}


def migrate(con: duckdb.DuckDBPyConnection, *, target: int | None = None) -> int:
    """Apply every migration the file has not recorded, in order, each in its own
    transaction (by the set of recorded versions, not their maximum: a migration that
    was numbered below one already applied still runs).

    `target` stops early; tests use it to build an old database and watch it upgrade.
    """
    current = schema_version(con)
    goal = SCHEMA_VERSION if target is None else target
    if current > SCHEMA_VERSION:
        raise NewerSchema(
            f"warehouse schema version {current} is newer than this presswash ({SCHEMA_VERSION})"
        )
    applied = applied_migrations(con)
    for version, sql in _migration_files():
        if version not in applied and version <= goal:
            con.execute("BEGIN TRANSACTION")
            try:
                con.execute(sql)
                con.execute("COMMIT")
            except Exception:
                con.execute("ROLLBACK")
                raise
            current = max(current, version)
    views = (resources.files("schemas") / "sql" / "views.sql").read_text(encoding="utf-8")
    if current == SCHEMA_VERSION:
        con.execute(views)
    return current


def abandon_transaction(con: duckdb.DuckDBPyConnection) -> None:
    """Roll back the open transaction, if any: a batch not committed, or one a stop
    left open; none open (a failed COMMIT has already ended it) is fine."""
    with suppress(duckdb.Error):
        con.execute("ROLLBACK")


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """All or nothing: a batch is in the warehouse completely or not at all.

    A write the operating system refuses (disk full) rolls back and raises `DiskFull` or
    `StorageFailure`.
    """
    try:
        # inside the try: a stop signal that DuckDB notices while BEGIN runs must not
        # leave the transaction open (the run's end would be recorded into it, and lost)
        con.execute("BEGIN TRANSACTION")
        yield con
        con.execute("COMMIT")
    except BaseException as exc:
        abandon_transaction(con)
        failure = storage_failure(exc)
        if failure is not None:
            raise failure from None
        raise


# -- the run lock ----------------------------------------------------------------------

RUN_WAIT_SECONDS = 600.0
"""How long a second run waits for the first before giving up: ten minutes covers a
typical scheduled batch without hanging a cron job forever."""

_held_run_locks: dict[Path, int] = {}
_held_guard = threading.Lock()


def lock_path(db: Path) -> Path:
    """The file `run_lock` flocks: `<db>.lock`, next to the database."""
    return db.with_name(db.name + ".lock")


@contextmanager
def run_lock(
    path: str | Path | None,
    *,
    timeout: float = RUN_WAIT_SECONDS,
    on_wait: Callable[[str], object] | None = None,
) -> Iterator[Path]:
    """Hold the run lock of a warehouse: one `presswash run` writes to a file at a time.

    An flock on `<db>.lock` rather than a lock row in the database: the kernel drops it
    when the holder dies, even by SIGKILL, so a crash never leaves a stale lock. Once
    it is held, the run also waits (within the same `timeout`) for any other process
    that has the database itself open, such as a read-only Python session. Re-entrant
    within a process, so the CLI can take it before starting Prefect and the flow again.
    `on_wait` (a callable taking a message) is told once when we start waiting.
    """
    db = resolve_db(path)
    key = db.resolve()
    with _held_guard:
        if key in _held_run_locks:
            _held_run_locks[key] += 1
            reentered = True
        else:
            reentered = False
    if reentered:
        try:
            yield db
        finally:
            with _held_guard:
                _held_run_locks[key] -= 1
        return
    check_location(db, read_only=False)
    make_parent(db)
    lock = lock_path(db)
    try:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
    except IsADirectoryError:
        raise BadDatabasePath(f"cannot lock {db}: {lock} is a directory") from None
    except OSError as exc:
        raise storage_failure(exc, lock) or exc from None
    try:
        deadline = time.monotonic() + timeout
        told = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not told and on_wait is not None:
                    holder = os.pread(fd, 64, 0).decode("ascii", "replace").strip()
                    on_wait(f"waiting for another run on {db} (pid {holder or '?'}) ...")
                    told = True
                if time.monotonic() >= deadline:
                    holder = os.pread(fd, 64, 0).decode("ascii", "replace").strip()
                    raise DatabaseLocked(
                        f"database {db} is in use by another presswash run (pid {holder or '?'}); "
                        f"gave up after {timeout:.0f}s (see --wait)"
                    ) from None
                time.sleep(LOCK_RETRY_SECONDS)
        try:
            os.ftruncate(fd, 0)
            os.pwrite(fd, str(os.getpid()).encode(), 0)
        except OSError as exc:
            raise storage_failure(exc, lock) or exc from None
        _wait_for_sessions(db, deadline, timeout, on_wait)
        with _held_guard:
            _held_run_locks[key] = 1
        token = _open_wait.set(max(timeout, OPEN_TIMEOUT_SECONDS))
        try:
            yield db
        finally:
            _open_wait.reset(token)
            with _held_guard:
                _held_run_locks.pop(key, None)
    finally:
        os.close(fd)


def _wait_for_sessions(
    db: Path, deadline: float, timeout: float, on_wait: Callable[[str], object] | None
) -> None:
    """Wait until no other process has the database file open, or raise `DatabaseLocked`."""
    told = False
    while (holder := lock_holder(db)) is not None:
        if not told and on_wait is not None:
            mode, pid = holder
            who = "a read-only session" if mode == "reading" else "another process"
            on_wait(f"waiting for {who} (pid {pid}) to close {db} ...")
            told = True
        if time.monotonic() >= deadline:
            raise DatabaseLocked(_held_message(db, holder, timeout))
        time.sleep(LOCK_RETRY_SECONDS)

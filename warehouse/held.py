"""The warehouse of a run: one connection held across batches, let go for readers.

DuckDB lets one process open a file for writing, and nobody else open it at all while
it is open, not even to read. Opening a connection per batch let readers in between
batches, but paid a checkpoint at every close, and DuckDB's checkpoint rewrites the
partly filled row groups each time: measured on real pages, the checkpoint after the
k-th batch of 500 costs about k times the first (13% of a 2,000-document run, quadratic
in the run's size), while one checkpoint at the end costs about one batch's worth.

So a run holds one connection (automatic checkpoints only past `CHECKPOINT_THRESHOLD` of
log) and lets go of the file (checkpoint, close; reopened at the next use) at an idle
point of the flow, when:

- a presswash reader is waiting: `open_db(read_only=True)` holds a shared flock on
  `<db>.readers` while it retries (`reader_waiting`); the run sees it after the current
  batch, lets go and waits (up to `READER_GRACE_SECONDS`) until the reader is in;
- or, for readers that cannot say so (the DuckDB CLI, other programs), now and then:
  once the connection has been held `RELEASE_FACTOR` times as long as the last
  checkpoint took (and at least `MIN_HOLD_SECONDS`), so letting go costs the run at most
  about 1/`RELEASE_FACTOR` of its time in checkpoints, and the log stays bounded. The
  file then stays free for at least `RELEASE_WINDOW_SECONDS` (the flow goes on waiting
  for its workers meanwhile), long enough for a client that simply retries to get in.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from pathlib import Path
from types import TracebackType

import duckdb

from warehouse.api import Warehouse
from warehouse.db import LOCK_RETRY_SECONDS, abandon_transaction, readers_path, resolve_db

CHECKPOINT_THRESHOLD = "1GB"
"""DuckDB checkpoints by itself once its log passes this (its default, 16 MB, is less than
one batch of HTML pages, which would bring back a checkpoint per batch)."""

MIN_HOLD_SECONDS = 1.0
"""Shortest time between two lets-go nobody asked for."""

RELEASE_FACTOR = 10.0
"""Hold the connection this many times as long as the last checkpoint took."""

RELEASE_WINDOW_SECONDS = 0.2
"""How long the file stays free after a let-go nobody asked for."""

READER_GRACE_SECONDS = 10.0
"""How long a run waits, file let go, for a waiting reader to get in."""


class HeldWarehouse:
    """The warehouse a run writes to, opened on first use and held until `close`.

    Args:
        path: the database file (`resolve_db` rules).
    """

    def __init__(self, path: str | Path | None) -> None:
        self.path = resolve_db(path)
        self._wh: Warehouse | None = None
        self._opened_at = 0.0
        self._last_checkpoint = 0.0
        self._free_until = 0.0
        self.releases = 0
        self.threads: int | None = None
        """DuckDB's threads on the held connection (None: DuckDB's default, one a core);
        see `share_cores`."""
        self._lock = threading.RLock()  # opening and closing: the stop watchdog's thread too

    def __enter__(self) -> HeldWarehouse:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def wh(self) -> Warehouse:
        """The open warehouse, reopened if it was let go."""
        if self._wh is None:
            with self._lock:
                if self._wh is None:
                    time.sleep(max(0.0, self._free_until - time.monotonic()))
                    wh = Warehouse(self.path)
                    wh.con.execute(f"SET checkpoint_threshold = '{CHECKPOINT_THRESHOLD}'")
                    if self.threads is not None:
                        wh.con.execute(f"SET threads = {int(self.threads)}")
                    self._wh = wh
                    self._opened_at = time.monotonic()
        return self._wh

    def share_cores(self, workers: int) -> None:
        """Leave the cores that `workers` local cleaning processes use to them: DuckDB
        runs on the rest, at least one thread. With two workers on two cores, DuckDB's
        second thread only contended with them (3,000 files: the flow's CPU 10.4 s ->
        9.2 s, 0.88x -> 0.91x of the bare loop, two runs each)."""
        self.threads = max(1, (os.cpu_count() or 1) - workers)
        if self._wh is not None:
            self._wh.con.execute(f"SET threads = {self.threads}")

    def idle(self) -> None:
        """Between batches: let go of the file if a reader waits or it is time to."""
        if self._wh is None:
            return
        waiting = reader_waiting(self.path)
        held = time.monotonic() - self._opened_at
        if waiting or held >= max(MIN_HOLD_SECONDS, RELEASE_FACTOR * self._last_checkpoint):
            self.close()
            self.releases += 1
            if waiting:
                wait_for_readers(self.path, READER_GRACE_SECONDS)
            else:
                self._free_until = time.monotonic() + RELEASE_WINDOW_SECONDS

    def abandon_transaction(self) -> None:
        """Roll back a transaction a stop left open on the held connection, if any."""
        if self._wh is not None:
            abandon_transaction(self._wh.con)

    def side_cursor(self) -> duckdb.DuckDBPyConnection:
        """A connection of its own to the file, for another thread (the stop watchdog's
        record of the run); the file is opened again if it was let go."""
        with self._lock:
            return self.wh.con.cursor()

    def close(self) -> None:
        """Checkpoint and close (DuckDB checkpoints when the last connection closes)."""
        with self._lock:
            if self._wh is None:
                return
            started = time.monotonic()
            try:
                self._wh.close()
            finally:
                self._wh = None
                self._last_checkpoint = time.monotonic() - started


def reader_waiting(db: Path) -> bool:
    """Whether a presswash reader holds the shared `<db>.readers` flock (it is waiting)."""
    fd = _open_readers_file(db)
    if fd is None:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # closing drops our lock, if we got it
    return False


def wait_for_readers(db: Path, timeout: float) -> None:
    """Wait until no reader is waiting any more (they got in, or gave up), or `timeout`."""
    deadline = time.monotonic() + timeout
    while reader_waiting(db) and time.monotonic() < deadline:
        time.sleep(LOCK_RETRY_SECONDS / 4)


def _open_readers_file(db: Path) -> int | None:
    try:
        return os.open(readers_path(db), os.O_RDWR | os.O_CREAT, 0o644)
    except OSError:
        return None

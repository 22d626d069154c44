"""A disk that fills up during `presswash run`: one `error:` line, not Prefect's tracebacks.

A real ENOSPC from a small tmpfs (needs root to mount; skipped elsewhere), with the
warehouse and its lock files already there, so the run starts and its first write
to the warehouse is what fails.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import SEEDS
from tests.flows.procs import marked_env, no_process_left_behind, presswash
from tests.warehouse.test_db import mounted_tmpfs
from warehouse import Warehouse, run_lock

DISK = "16m"
"""Room for an empty warehouse (DuckDB allocates in 256 KB blocks) and its lock files."""


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    yield from mounted_tmpfs(tmp_path / "small", DISK)


def fill(path: Path) -> None:
    """Write `path` until the file system has no block left."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT)
    try:
        with pytest.raises(OSError, match="No space"):
            while True:
                os.write(fd, b"x" * 4096)
    finally:
        os.close(fd)


def test_a_disk_full_during_run_is_one_error_line(small_disk: Path) -> None:
    db = small_disk / "presswash.duckdb"
    with Warehouse(db):
        pass  # created and migrated: the run's first write is its own
    with run_lock(db, timeout=0):
        pass  # the lock files exist too
    fill(small_disk / "filler")
    with no_process_left_behind() as mark:
        done = subprocess.run(
            presswash("run", str(SEEDS), "--db", str(db)),
            env=marked_env(mark),
            capture_output=True,
            text=True,
            timeout=600,
        )
    assert done.returncode == 1, done.stderr
    assert done.stdout == ""
    # DuckDB reports the file it was writing: the write-ahead log, or the file itself
    expected = (
        rf"error: no space left on device writing {re.escape(str(db))}(\.wal)? "
        r"\(free some space and run again\)\n"
    )
    assert re.fullmatch(expected, done.stderr), done.stderr

    (small_disk / "filler").unlink()
    with Warehouse(db, read_only=True) as wh:  # intact, and nothing half-loaded
        assert wh.count("documents") == 0 and wh.count("articles") == 0

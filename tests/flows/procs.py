"""Helpers for tests that start `presswash` processes: start them marked, find what is left.

Every process a test starts gets a marker in its environment, which its children
inherit; a process that outlived its parent (a Prefect server, a worker) is found by
that marker in /proc, wherever it was reparented to.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import duckdb

from flows import QUIET_PREFECT_ENV

ROOT = Path(__file__).resolve().parents[2]
MARK_VARIABLE = "PRESSWASH_TEST_PROCESS_MARK"


def presswash(*args: str) -> list[str]:
    """The console script's entry point, run from this tree."""
    return [sys.executable, "-c", "from flows.entry import main; main()", *args]


def marked_env(mark: str, **extra: str) -> dict[str, str]:
    """A user's environment: without the defaults importing `flows` put in ours."""
    env = {k: v for k, v in os.environ.items() if k not in QUIET_PREFECT_ENV}
    env.pop("PREFECT_API_URL", None)  # each run starts (and must stop) its own server
    return {**env, "PYTHONPATH": str(ROOT), MARK_VARIABLE: mark, **extra}


def marked_processes(mark: str) -> list[tuple[int, str]]:
    """(pid, command line) of every live process carrying `mark` in its environment."""
    needle = f"{MARK_VARIABLE}={mark}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if needle not in (entry / "environ").read_bytes().split(b"\0"):
                continue
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if state != "Z":  # a zombie has exited; its parent just has not reaped it yet
            found.append((int(entry.name), cmdline.strip()))
    return found


def wait_until_gone(mark: str, timeout: float = 10.0) -> list[tuple[int, str]]:
    """The marked processes still alive after `timeout` seconds (empty if all went)."""
    deadline = time.monotonic() + timeout
    while (left := marked_processes(mark)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


def kill_marked(mark: str) -> None:
    """Clean up after a failed test: SIGKILL whatever carries our mark."""
    for pid, _ in marked_processes(mark):
        with suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


@contextmanager
def no_process_left_behind(timeout: float = 10.0) -> Iterator[str]:
    """Yields a mark for `marked_env`; asserts that no marked process outlives the block."""
    mark = uuid.uuid4().hex
    try:
        yield mark
        left = wait_until_gone(mark, timeout)
        assert not left, f"processes left behind: {left}"
    finally:
        kill_marked(mark)


def server_child_started(mark: str) -> bool:
    return any("flows.server_child" in cmd for _, cmd in marked_processes(mark))


def count_documents(db: Path) -> int | None:
    """Documents loaded so far, or None while the writer holds the file."""
    if not db.exists():
        return None
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


def run_statuses(db: Path) -> list[str]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return [r[0] for r in con.execute("SELECT status FROM runs ORDER BY started_at").fetchall()]
    finally:
        con.close()


def wait_for(condition: object, proc: subprocess.Popen[str], timeout: float = 300.0) -> None:
    """Poll `condition()` until true; fail if `proc` ends first or time runs out."""
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert proc.poll() is None, f"the run ended first: {proc.communicate()}"
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.05)

"""How a run tells its caller about progress, without going through Prefect.

The listener travels in a context variable rather than as a flow parameter: Prefect
records and pickles parameters (and, with a process pool, the flow itself), and a
live progress bar is neither JSON nor picklable. Keeping the variable in this module,
out of the flow function's globals, keeps the flow picklable.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(slots=True, frozen=True)
class Listener:
    """Who hears about a run: the CLI's progress bar and its wait message."""

    progress: Callable[[int, int], None]
    """Called with (files done, files total) after each batch."""
    on_wait: Callable[[str], None]
    """Told once if another run holds the database and this one waits for it."""
    started: float | None = None
    """`time.monotonic()` when the caller's clock started (the CLI: when the process
    did), so the summary's seconds include start-up; None: when the flow starts."""


def process_started() -> float:
    """When this process started, on the `time.monotonic()` clock.

    From the kernel's record of the start (`/proc/self/stat`, in clock ticks since
    boot), so interpreter start-up and imports count too; now, where there is no /proc.
    """
    try:
        with open("/proc/self/stat", "rb") as stat:
            fields = stat.read().rsplit(b")", 1)[1].split()
        ticks = int(fields[19])  # field 22, starttime; fields[0] is field 3
        age = time.clock_gettime(time.CLOCK_BOOTTIME) - ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, AttributeError):
        return time.monotonic()
    return time.monotonic() - max(age, 0.0)


_LISTENER: ContextVar[Listener | None] = ContextVar("presswash_listener", default=None)


def current_listener() -> Listener | None:
    return _LISTENER.get()


@contextmanager
def listening(listener: Listener | None) -> Iterator[None]:
    token = _LISTENER.set(listener)
    try:
        yield
    finally:
        _LISTENER.reset(token)


def report_progress(listener: Listener | None, done: int, total: int) -> None:
    """After each batch: a line in the run's log, and the caller's progress bar."""
    from flows.logs import run_logger

    run_logger().info("%d of %d files done", done, total)
    if listener:
        listener.progress(done, total)

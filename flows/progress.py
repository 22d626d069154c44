"""How a run tells its caller about progress, without going through Prefect.

The listener travels in a context variable rather than as a flow parameter: Prefect
records and pickles parameters (and, with a process pool, the flow itself), and a
live progress bar is neither JSON nor picklable. Keeping the variable in this module,
out of the flow function's globals, keeps the flow picklable.
"""

from __future__ import annotations

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

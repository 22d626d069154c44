"""Reaching a Dask cluster: one quick check before any work is sent to it.

Kept free of Prefect, so that the CLI can check `--dask-address` before it imports the
flow: a wrong address is then one line within seconds. (Prefect's own attempt retried
for a minute and printed every attempt's traceback, 193 lines.)
"""

from __future__ import annotations

import logging
import socket
from urllib.parse import urlsplit

from warehouse.errors import PresswashError

DASK_CONNECT_SECONDS = 10
"""How long to try a `--dask-address` before saying it cannot be reached."""

_NOISY_LOGGERS = ("distributed", "tornado", "asyncio")


def dask_threads(address: str) -> int:
    """How many tasks the Dask cluster at `address` runs at once (its worker threads).

    Raises:
        PresswashError: the scheduler cannot be reached, or it has no workers.
    """
    _check_port(address)
    from distributed import Client

    quiet = [logging.getLogger(name) for name in _NOISY_LOGGERS]
    levels = [log.level for log in quiet]
    for log in quiet:
        log.setLevel(logging.CRITICAL)
    try:
        with Client(address, timeout=DASK_CONNECT_SECONDS, set_as_default=False) as client:
            threads = sum(client.nthreads().values())
    except (OSError, TimeoutError, ValueError, TypeError) as exc:
        raise Unreachable(address, exc) from None
    finally:
        for log, level in zip(quiet, levels, strict=True):
            log.setLevel(level)
    if threads < 1:
        raise PresswashError(f"the Dask scheduler at {address} has no workers")
    return threads


def _check_port(address: str) -> None:
    """A plain TCP connect first: a refused port fails at once, not after the timeout."""
    parts = urlsplit(address if "://" in address else f"tcp://{address}")
    if parts.scheme != "tcp":
        return  # tls://, ucx://, inproc://: leave them to Dask
    try:
        host, port = parts.hostname, parts.port
    except ValueError as exc:
        raise PresswashError(f"not a Dask scheduler address: {address} ({exc})") from None
    if not host or not port:
        raise PresswashError(f"not a Dask scheduler address: {address} (want tcp://HOST:PORT)")
    try:
        socket.create_connection((host, port), timeout=DASK_CONNECT_SECONDS).close()
    except OSError as exc:
        raise Unreachable(address, exc) from None


class Unreachable(PresswashError):
    """No Dask scheduler answers at the address given."""

    def __init__(self, address: str, exc: BaseException) -> None:
        text = (getattr(exc, "strerror", None) or str(exc)).strip()
        reason = text.splitlines()[0] if text else type(exc).__name__
        super().__init__(f"cannot reach the Dask scheduler at {address} ({reason})")

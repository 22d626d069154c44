"""Scheduled runs over an inbox folder, served by Prefect.

"Only new files" needs no bookkeeping of its own: documents are keyed by the sha256
of their bytes, so a scheduled run over the whole inbox skips every file already
loaded (without cleaning it again) and processes only what arrived since.

"Only whole files" does: a file still being copied into the inbox must wait. A file
is *settled* when nothing about it changed for the settle time: its status-change time
(`ctime`, which the kernel moves on every write, truncation, rename or `touch`, and
which no copy tool can set back) and its modification time are both older than that.
The others are left for the next tick and counted (`waiting` in the summary).

Each inbox gets its own deployment, named for the inbox and the database: two `serve`s
share one Prefect home (and its database), and under one name the second would take the
first's deployment over. Prefect's temporary server runs no scheduler, so `serve` runs
a local server with the scheduler and the UI (see `flows.server`) unless
`PREFECT_API_URL` points at one.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import signal
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from flows import USER_LOGGING_LEVEL
from warehouse import resolve_db

DEFAULT_SETTLE_SECONDS = 30.0
"""A copy over a slow link stalls for seconds, rarely for half a minute; waiting 30 s
more for a file that is complete costs one tick at most."""

DEFAULT_CRON = "*/15 * * * *"

NAME_HASH_CHARS = 8
"""Enough of the hash of (inbox, database) that two inboxes never share a name."""


def last_change(path: Path) -> float:
    """The latest of mtime and ctime, of a link and of what it points to."""
    times = []
    for follow in (False, True):
        try:
            st = os.stat(path, follow_symlinks=follow)
        except OSError:
            continue
        times += [st.st_mtime, st.st_ctime]
    return max(times, default=time.time())


def split_settled(
    files: Sequence[Path], settle: float, *, now: float | None = None
) -> tuple[list[Path], list[Path]]:
    """Split `files` into those unchanged for `settle` seconds and those still changing.

    Args:
        files: the input files found in the inbox.
        settle: seconds without any change before a file is read; 0 reads everything.
        now: the current time (`time.time()`), for tests.
    """
    if settle <= 0:
        return list(files), []
    cutoff = (time.time() if now is None else now) - settle
    settled: list[Path] = []
    waiting: list[Path] = []
    for path in files:
        (settled if last_change(path) <= cutoff else waiting).append(path)
    return settled, waiting


def deployment_name(inbox: Path, db: Path) -> str:
    """`inbox-<folder>-<hash of inbox and database>`: readable, and one per pair."""
    digest = hashlib.sha256(f"{inbox}\0{db}".encode()).hexdigest()[:NAME_HASH_CHARS]
    folder = re.sub(r"[^a-z0-9]+", "-", inbox.name.lower()).strip("-") or "root"
    return f"inbox-{folder}-{digest}"


def serve(
    inbox: str | Path,
    *,
    cron: str = DEFAULT_CRON,
    db: str | Path | None = None,
    settle: float = DEFAULT_SETTLE_SECONDS,
    name: str | None = None,
    out: Callable[[str], None] | None = None,
    verbose: bool = False,
    follow_symlinks: bool = False,
) -> None:
    """Block, running the pipeline over `inbox` on the `cron` schedule until stopped.

    Args:
        inbox: the folder to watch.
        cron: when to run (Prefect cron syntax, in the server's time zone).
        db: the warehouse; None means `$PRESSWASH_DB` or the default.
        settle: seconds a file must be unchanged before it is read.
        name: the deployment's name; default `deployment_name(inbox, db)`.
        out: prints the lines saying where it serves (default: stdout).
        verbose: the runs' log lines on the terminal too.
        follow_symlinks: follow links that lead out of the inbox; else they are
            `outside_input` rejects (whoever can drop a file there must not make it
            read others).
    """
    from flows.server import prefect_api

    inbox_path = Path(inbox).resolve()
    db_path = resolve_db(db).resolve()
    name = name or deployment_name(inbox_path, db_path)
    parameters = {
        "paths": [str(inbox_path)], "db": str(db_path), "settle": settle,
        "follow_symlinks": follow_symlinks,
    }
    served_run_logging(verbose=verbose)
    with prefect_api(scheduling=True, ui=True, meanwhile=_import_pipeline) as api:
        from flows.pipeline import pipeline

        InboxRunner = _runner_class()  # a class made once Prefect is imported

        # what `pipeline.serve` does, with our own message once the deployment exists:
        # Prefect's names a command and a UI page that assume a server of the user's
        runner = InboxRunner(name=name)
        runner.add_flow(
            pipeline, name=name, cron=cron, parameters=parameters,
            description=f"presswash over {inbox_path} into {db_path}",
        )
        for line in serving_message(inbox_path, db_path, cron, name, api):
            (out or print)(line)
        # Ctrl-C takes the runner's graceful way out too: it stops the runs in progress
        # (which record themselves as interrupted) before the server goes
        signal.signal(signal.SIGINT, runner.handle_sigterm)
        asyncio.run(runner.start())


def _runner_class() -> type:
    from prefect.runner import Runner

    from flows.signals import serve_stop_requested

    class InboxRunner(Runner):
        """Prefect's runner, whose stop-signal handler also counts towards our stop (a
        second signal ends `serve` at once, see `flows.signals`)."""

        def handle_sigterm(self, *args: Any, **kwargs: Any) -> None:
            signum = args[0] if args and isinstance(args[0], int) else signal.SIGTERM
            serve_stop_requested(signum)
            super().handle_sigterm(*args, **kwargs)

    return InboxRunner


def serving_message(inbox: Path, db: Path, cron: str, name: str, api: str) -> list[str]:
    """What `serve` prints once it polls: where to look, and how to run it now."""
    ui = api.removesuffix("/api")
    return [
        f"serving {inbox} into {db} on '{cron}' as deployment presswash/{name}; Ctrl+C stops",
        f"Prefect UI (runs, logs, artifacts): {ui}",
        f"run it now: PREFECT_API_URL={api} prefect deployment run 'presswash/{name}'",
    ]


def served_run_logging(*, verbose: bool) -> None:
    """How the runs `serve` starts log, set in the environment they inherit.

    Their lines from INFO go to the API, so the UI shows what each run did; on the
    terminal they show only with `verbose` (Prefect reads `PREFECT_LOGGING_*` when a
    run's process imports it; `HANDLERS_CONSOLE_LEVEL` is its console handler's).
    """
    os.environ["PREFECT_LOGGING_TO_API_ENABLED"] = "true"
    if not USER_LOGGING_LEVEL:
        os.environ["PREFECT_LOGGING_LEVEL"] = "INFO"
    if not verbose:
        os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "WARNING")


def _import_pipeline() -> None:
    import flows.pipeline  # noqa: F401

"""The `presswash` command: a thin adapter over the Python API.

Each command parses options, calls one public function and formats its result.
Expected failures (`PresswashError`, and the operating system's refusals such as a full
disk) become one `error: ...` line on stderr and exit code 1; usage errors are one
`error: ...` line too, with exit code 2 (click's convention). Prefect, numba, pyarrow
and Rich are imported only by the commands that need them, so `sql`, `export`,
`clusters` and `--help` start fast.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import cache, wraps
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from typer.core import TyperGroup

from warehouse.errors import PresswashError, storage_failure

if TYPE_CHECKING:
    from rich.console import Console


# typer >= 0.20 vendors click as typer._click; older typer uses click itself
_click_errors = sys.modules[typer.BadParameter.__module__]


class Commands(TyperGroup):
    """presswash's command group: a usage error is one `error:` line, exit code 2."""

    def main(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        try:
            result = super().main(args, prog_name or "presswash", complete_var, False, **extra)
            code = result if isinstance(result, int) else 0
        except _click_errors.NoArgsIsHelpError as exc:
            exc.show()
            code = exc.exit_code
        except _click_errors.UsageError as exc:
            where = exc.ctx.command_path if exc.ctx else "presswash"
            say(f"error: {exc.format_message()} (see `{where} --help`)")
            code = exc.exit_code
        except _click_errors.ClickException as exc:
            say(f"error: {exc.format_message()}")
            code = exc.exit_code
        except typer.Abort:
            say("error: aborted")
            code = 1
        if standalone_mode:
            sys.exit(code)
        return code


app = typer.Typer(
    name="presswash",
    cls=Commands,
    help="Turn scraped news dumps into clean, deduplicated text in DuckDB.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

F = TypeVar("F", bound=Callable[..., Any])

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db", help=r"DuckDB file \[default: $PRESSWASH_DB, else warehouse/presswash.duckdb]"
    ),
]


class InputNotFound(PresswashError):
    """A path given on the command line does not exist."""


@cache
def stdout_console() -> Console:
    """Rich, for the few outputs that are ours (the run summary): never for data."""
    from rich.console import Console

    return Console(highlight=False, soft_wrap=True)


@cache
def stderr_console() -> Console:
    from rich.console import Console

    return Console(stderr=True, highlight=False)


def say(message: str) -> None:
    """One plain line on stderr: never wrapped or styled, so scripts can match it."""
    print(message, file=sys.stderr, flush=True)


def expected_failure(exc: BaseException) -> PresswashError | None:
    """The one-line explanation of an expected failure, or None for a bug."""
    if isinstance(exc, PresswashError):
        return exc
    # an OSError without a file name comes from writing our own output
    return storage_failure(exc, "standard output" if isinstance(exc, OSError) else None)


def quiet_stdout() -> None:
    """The reader went away (`| head`): drop what is still buffered, print nothing."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def expected_errors(fn: F) -> F:
    """Turn an expected failure into one stderr line and exit 1, never a traceback."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except BrokenPipeError:  # `presswash sql ... | head`
            quiet_stdout()
            raise typer.Exit(0) from None
        except Exception as exc:
            failure = expected_failure(exc)
            if failure is None:
                raise
            say(f"error: {failure}")
            raise typer.Exit(1) from None

    return wrapper  # type: ignore[return-value]


def positive(value: float | None) -> float | None:
    """A size or count that must be more than zero (`--max-mb 0` would reject everything)."""
    if value is not None and value <= 0:
        raise typer.BadParameter(f"must be more than 0, not {value:g}")
    return value


def not_negative(value: float) -> float:
    if value < 0:
        raise typer.BadParameter(f"must be 0 or more, not {value:g}")
    return value


def terminal_width() -> int | None:
    """The terminal's width when stdout is one; None (no limit) when piped."""
    return shutil.get_terminal_size().columns if sys.stdout.isatty() else None


@app.command()
@expected_errors
def run(
    paths: Annotated[
        list[Path] | None, typer.Argument(help="Files, folders, archives, WARC, JSONL.")
    ] = None,
    db: DbOption = None,
    workers: Annotated[int, typer.Option(min=1, help="Parallel cleaning processes.")] = 1,
    dask_address: Annotated[
        str | None,
        typer.Option(help=r"Run tasks on this Dask scheduler (needs presswash\[dask]).")
    ] = None,
    batch_size: Annotated[
        int, typer.Option(min=1, help="Units per batch (a file, a Parquet row or a JSONL line).")
    ] = 500,
    max_mb: Annotated[
        float | None,
        typer.Option(
            help="Reject inputs larger than this many MB (too_large); "
            "default 20, the readers' limit (flows.readers.limits.MAX_BYTES).",
            callback=positive, show_default=False,
        ),
    ] = None,
    wait: Annotated[
        float,
        typer.Option(
            help="Seconds to wait for another run, or a session, on the same database.",
            callback=not_negative,
        ),
    ] = 600.0,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show Prefect's logs.")] = False,
    follow_symlinks: Annotated[
        bool,
        typer.Option(
            "--follow-symlinks", help="Follow links that lead out of the input folders."
        ),
    ] = False,
) -> None:
    """Run the whole pipeline (the bundled seeds when no PATH is given)."""
    from flows.progress import process_started
    from flows.signals import stop_on_signals

    started = process_started()
    given = [str(p) for p in paths or []]
    missing = [p for p in given if not os.path.lexists(p)]
    if given and len(missing) == len(given):
        raise InputNotFound(f"no such file or directory: {', '.join(missing)}")
    with stop_on_signals(say, command="run"):
        summary = _run_flow(
            given, missing, db, workers, dask_address, batch_size, max_mb, wait, verbose, started,
            follow_symlinks,
        )
    # the whole run, from the process's start to Prefect stopped; the run's row was
    # written before Prefect's teardown and counts up to then
    summary = replace(summary, seconds=round(time.monotonic() - started, 2))
    from rich.table import Table

    table = Table(title=f"presswash run {summary.run_id}", show_header=False)
    for label, value in (
        ("files seen", summary.files_seen),
        ("new documents", summary.new_documents),
        ("already loaded", summary.known_documents),
        ("exact duplicates", summary.exact_duplicates),
        ("rejected", summary.rejected),
        ("articles", summary.articles),
        ("near-duplicate clusters", summary.near_clusters),
        ("story clusters", summary.story_clusters),
        ("seconds", f"{summary.seconds:.1f}"),
    ):
        table.add_row(label, str(value))
    for reason, n in summary.rejects_by_reason.items():
        table.add_row(f"  rejected: {reason}", str(n))
    if summary.skipped:
        table.add_row("skipped records", str(summary.skipped))
    stdout_console().print(table)


def _run_flow(
    given: list[str], missing: list[str], db: str | None, workers: int,
    dask_address: str | None, batch_size: int, max_mb: float | None, wait: float, verbose: bool,
    started: float, follow_symlinks: bool,
) -> Any:
    """The run itself, with a progress bar; returns its RunSummary."""
    from flows.server import prefect_api
    from warehouse import check_writable, run_lock

    # the database is checked, and the run lock taken, before Prefect starts: a file
    # that is not ours fails at once and untouched, and a busy one waits cheaply
    db_path = check_writable(db)
    with run_lock(db_path, timeout=wait, on_wait=say):
        from flows import configure_prefect

        configure_prefect(verbose=verbose)
        # Prefect's server starts while the pipeline imports (see flows.server)
        with prefect_api(meanwhile=import_pipeline):
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

            from flows.logs import show_run_logs
            from flows.pipeline import run_pipeline
            from flows.progress import Listener
            from flows.readers.limits import MAX_BYTES

            show_run_logs(verbose)
            for p in missing:
                say(f"warning: no such file or directory: {p} (recorded in rejects)")
            console = stderr_console()
            with Progress(
                "[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
                TimeElapsedColumn(), console=console, transient=True,
                disable=not console.is_terminal,
            ) as bar:
                job = bar.add_task("cleaning", total=None)
                return run_pipeline(
                    given, db=db_path, workers=workers, batch_size=batch_size,
                    max_bytes=MAX_BYTES if max_mb is None else int(max_mb * 2**20),
                    dask_address=dask_address,
                    wait=wait, follow_symlinks=follow_symlinks,
                    listener=Listener(
                        progress=lambda done, total: bar.update(job, completed=done, total=total),
                        on_wait=say,
                        started=started,
                    ),
                )


ENGINE_MODULES = (
    "prefect.engine",
    "prefect.flow_engine",
    "prefect.task_engine",
    "prefect.artifacts",
    "prefect.utilities.visualization",
    "fastapi.encoders",
)
"""What Prefect imports on a flow's first call (`fastapi.encoders` to serialize its
parameters): imported with the pipeline, while a temporary server is still starting."""


def import_pipeline() -> None:
    """Import the pipeline and Prefect's engine with the garbage collector paused.

    Importing Prefect builds thousands of classes, and the collector keeps scanning them
    to find no garbage (~10% of the import); once imported they are frozen out of its
    reach, and it runs as usual for the run itself.
    """
    import gc
    from contextlib import suppress

    enabled = gc.isenabled()
    gc.disable()
    try:
        import_module("flows.pipeline")
        for name in ENGINE_MODULES:
            # another Prefect version may not have one: it imports what it needs itself
            with suppress(ImportError):
                import_module(name)
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


@app.command()
@expected_errors
def recluster(
    db: DbOption = None,
    wait: Annotated[
        float, typer.Option(help="Seconds to wait for a run on the same database.")
    ] = 600.0,
) -> None:
    """Rebuild every cluster from stored articles and signatures (after a dedup change)."""
    from rich.table import Table

    from flows.dedup import recluster as rebuild
    from warehouse import Warehouse, run_lock

    started = time.monotonic()
    with run_lock(db, timeout=wait, on_wait=say), Warehouse(db) as wh:
        counts = rebuild(wh.con)
        articles = wh.count("clusters")
    table = Table(title="presswash recluster", show_header=False)
    for label, value in (
        ("articles clustered", articles),
        ("exact duplicates", counts["exact_duplicates"]),
        ("near-duplicate clusters", counts["near_clusters"]),
        ("story clusters", counts["story_clusters"]),
        ("seconds", f"{time.monotonic() - started:.1f}"),
    ):
        table.add_row(label, str(value))
    stdout_console().print(table)


@app.command()
@expected_errors
def clean(
    file: Annotated[
        Path, typer.Argument(help="A text dump or HTML page (also .gz, .zst, ...), or - for stdin.")
    ],
    format: Annotated[str, typer.Option("--format", help="text, html or auto.")] = "auto",
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the whole Cleaned record.")
    ] = False,
    explain: Annotated[
        bool, typer.Option("--explain", help="List removed lines with reasons.")
    ] = False,
) -> None:
    """Clean one file, no database: the article body to stdout."""
    from dataclasses import asdict

    from cleaners import clean as clean_document

    if format not in ("text", "html", "auto"):
        raise typer.BadParameter("must be text, html or auto", param_hint="--format")
    doc = read_one_page(file)
    fmt = doc.markup if format == "auto" else format
    cleaned = clean_document(doc.raw_text, fmt=fmt, url=doc.url)  # type: ignore[arg-type]
    if as_json:
        record = asdict(cleaned)
        record["removed"] = [[r.line_no, r.text, r.reason] for r in cleaned.removed]
        stdout_console().print_json(json.dumps(record, ensure_ascii=False))
    elif explain:
        print(render_explanation(cleaned))
    else:
        print(cleaned.text)


def read_one_page(file: Path) -> Any:
    """The one page in `file` (or stdin for `-`), read and decoded exactly as `run` reads
    it; a container of several pages, or a page `run` would reject, is an error."""
    from itertools import islice

    from flows.readers import read_file, read_stream
    from schemas import Reject

    if str(file) == "-":
        units = list(islice(read_stream(sys.stdin.buffer, "-"), 2))
    elif not file.exists():
        raise InputNotFound(f"no such file: {file}")
    elif file.is_dir():
        raise InputNotFound(f"{file} is a directory; `clean` takes one file")
    else:
        units = list(islice(read_file(file), 2))
    if len(units) > 1:
        raise PresswashError(f"{file} holds more than one page; `clean` takes one (use `run`)")
    if not units:
        raise PresswashError(f"{file} holds no page")
    [unit] = units
    if isinstance(unit, Reject):
        raise PresswashError(f"{file}: {unit.reason}: {unit.detail}")
    return unit


def render_explanation(cleaned: Any) -> str:
    """Removed lines grouped by reason, each with its line number, then any notes."""
    groups: dict[str, list[Any]] = {}
    for r in cleaned.removed:
        groups.setdefault(r.reason, []).append(r)
    lines = [f"{len(cleaned.removed)} lines removed ({cleaned.cleaner})"]
    for reason, items in sorted(groups.items(), key=lambda kv: kv[1][0].line_no):
        lines.append("")
        lines.append(f"{reason} ({len(items)}):")
        lines.extend(f"  {r.line_no:>5}  {r.text}" for r in items)
    for note in cleaned.notes:
        lines.append("")
        lines.append(f"note: {note}")
    return "\n".join(lines)


@app.command()
@expected_errors
def sql(
    query: Annotated[str, typer.Argument(help="SQL, or - to read it from stdin.")],
    db: DbOption = None,
    format: Annotated[
        str, typer.Option("--format", help="table, csv, tsv, json or jsonl.")
    ] = "table",
) -> None:
    """Ad-hoc SQL on the warehouse, read-only: no writes, no file access, no downloads."""
    from flows.results import FORMATS, write_rows
    from warehouse import Warehouse

    if format not in FORMATS:
        raise typer.BadParameter("must be table, csv, tsv, json or jsonl", param_hint="--format")
    text = sys.stdin.read() if query == "-" else query
    with Warehouse(db, read_only=True) as wh:
        write_rows(wh.query(text), format, sys.stdout, width=terminal_width())
        sys.stdout.flush()


@app.command()
@expected_errors
def export(
    db: DbOption = None,
    format: Annotated[str, typer.Option("--format", help="jsonl, parquet, csv or txt.")] = "jsonl",
    unique: Annotated[
        bool, typer.Option("--unique", help="One canonical article per near-duplicate cluster.")
    ] = False,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="File to write; stdout if omitted.")
    ] = None,
) -> None:
    """Export clean articles for other tools."""
    if format not in ("jsonl", "parquet", "csv", "txt"):
        raise typer.BadParameter("must be jsonl, parquet, csv or txt", param_hint="--format")
    from warehouse import Warehouse, open_output

    if output is None:
        with Warehouse(db, read_only=True) as wh:
            wh.export(sys.stdout.buffer, format, unique=unique)  # type: ignore[arg-type]
            sys.stdout.buffer.flush()
        return
    # the output's place is checked (a temporary file made there) before any reading
    with open_output(output) as fh, Warehouse(db, read_only=True) as wh:
        n = wh.export(fh, format, unique=unique)  # type: ignore[arg-type]
    say(f"wrote {n} articles to {output}")


@app.command()
@expected_errors
def clusters(
    db: DbOption = None,
    level: Annotated[str, typer.Option("--level", help="near or story.")] = "near",
) -> None:
    """Clusters with their members, sites and titles."""
    if level not in ("near", "story"):
        raise typer.BadParameter("must be near or story", param_hint="--level")
    from warehouse import Warehouse

    with Warehouse(db, read_only=True) as wh:
        found = wh.clusters(level)  # type: ignore[arg-type]
    from flows.results import printable

    if not found:
        print(f"no {level} clusters with more than one article")
        return
    lines = []
    for cluster in found:
        lines.append(
            f"{level} cluster {cluster.cluster_id[:12]}  "
            f"{len(cluster.members)} articles, {len(cluster.sites)} sites"
        )
        for m in cluster.members:
            mark = "*" if m.is_canonical else " "
            lines.append(
                f"  {mark} {m.doc_id[:12]}  {m.similarity:4.2f}  {m.published_at or '----------'}  "
                f"{printable(m.site or '-')}  {printable(m.title or '')}"
            )
    sys.stdout.write("\n".join(lines) + "\n")
    sys.stdout.flush()


@app.command()
@expected_errors
def serve(
    inbox: Annotated[Path, typer.Argument(help="Folder to watch; new files are processed.")],
    cron: Annotated[str, typer.Option(help="Cron schedule.")] = "*/15 * * * *",
    db: DbOption = None,
    settle: Annotated[
        float,
        typer.Option(min=0, help="Read only files unchanged for this many seconds."),
    ] = 30.0,
    name: Annotated[
        str | None,
        typer.Option(help="Deployment name [default: inbox-<folder>-<hash of inbox and db>]"),
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show run logs.")] = False,
    follow_symlinks: Annotated[
        bool,
        typer.Option(
            "--follow-symlinks", help="Follow links that lead out of the inbox."
        ),
    ] = False,
) -> None:
    """Scheduled runs over an inbox folder (Prefect serve); only new files are processed."""
    if not inbox.is_dir():
        raise InputNotFound(f"inbox {inbox} is not a directory")
    from flows import configure_prefect
    from flows.schedule import serve as serve_inbox
    from flows.signals import serving

    configure_prefect(verbose=verbose)
    with serving(say):
        serve_inbox(
            inbox, cron=cron, db=db, settle=settle, name=name, out=say, verbose=verbose,
            follow_symlinks=follow_symlinks,
        )


@app.command()
@expected_errors
def report(
    output: Annotated[Path, typer.Option("-o", "--output", help="HTML file to write.")],
    db: DbOption = None,
) -> None:
    """A self-contained HTML report: runs, clusters, what each copy added or dropped."""
    from flows.report import render_report
    from warehouse import Warehouse, open_output

    # the output's place is checked (a temporary file made there) before any reading
    with open_output(output) as fh, Warehouse(db, read_only=True) as wh:
        fh.write(render_report(wh).encode("utf-8"))
    say(f"wrote {output}")


def main() -> None:
    """Console-script entry point."""
    app()

"""The `presswash` command: a thin adapter over the Python API.

Each command parses options, calls one public function and formats its result.
Expected failures (`PresswashError`) become one `error: ...` line on stderr and exit
code 1; usage errors exit 2 (click's convention). Prefect is imported only by the
commands that run flows, so `clean`, `sql` and `export` start fast.
"""

from __future__ import annotations

import csv
import io
import json
import os
import sys
from collections.abc import Callable
from functools import wraps
from importlib import import_module
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from warehouse import PresswashError, Warehouse

app = typer.Typer(
    name="presswash",
    help="Turn scraped news dumps into clean, deduplicated text in DuckDB.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False)

F = TypeVar("F", bound=Callable[..., Any])

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db", help=r"DuckDB file \[default: $PRESSWASH_DB, else warehouse/presswash.duckdb]"
    ),
]


SQL_COLUMN_WIDTH = 40
"""Wide enough for a title, narrow enough that five columns fit a terminal."""

SQL_SHORT_COLUMN = 12
"""Columns up to this wide (counts, dates, codes) keep their width in a narrow terminal."""


class InputNotFound(PresswashError):
    """A path given on the command line does not exist."""


def say(message: str) -> None:
    """One plain line on stderr: never wrapped or styled, so scripts can match it."""
    print(message, file=sys.stderr, flush=True)


def expected_errors(fn: F) -> F:
    """Turn a PresswashError into one stderr line and exit 1, never a traceback."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except PresswashError as exc:
            say(f"error: {exc}")
            raise typer.Exit(1) from None
        except BrokenPipeError:  # `presswash export | head`
            sys.stderr.close()
            raise typer.Exit(0) from None

    return wrapper  # type: ignore[return-value]


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
    batch_size: Annotated[int, typer.Option(min=1, help="Files per batch.")] = 500,
    max_mb: Annotated[
        float, typer.Option(help="Reject inputs larger than this many MB (too_large).")
    ] = 20.0,
    wait: Annotated[
        float, typer.Option(help="Seconds to wait for another run on the same database.")
    ] = 600.0,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show Prefect's logs.")] = False,
) -> None:
    """Run the whole pipeline (the bundled seeds when no PATH is given)."""
    from flows import configure_prefect
    from flows.progress import process_started
    from flows.server import prefect_api
    from flows.signals import stop_on_signals

    started = process_started()
    configure_prefect(verbose=verbose)
    given = [str(p) for p in paths or []]
    missing = [p for p in given if not os.path.lexists(p)]
    if given and len(missing) == len(given):
        raise InputNotFound(f"no such file or directory: {', '.join(missing)}")
    for p in missing:
        say(f"warning: no such file or directory: {p} (recorded in rejects)")
    with (
        stop_on_signals(say, command="run"),
        prefect_api(meanwhile=lambda: import_module("flows.pipeline")),  # overlap start-ups
    ):
        _run_with_progress(
            given, db, workers, dask_address, batch_size, max_mb, wait, verbose, started
        )


def _run_with_progress(
    given: list[str], db: str | None, workers: int, dask_address: str | None,
    batch_size: int, max_mb: float, wait: float, verbose: bool, started: float,
) -> None:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from flows.logs import show_run_logs
    from flows.pipeline import run_pipeline
    from flows.progress import Listener

    show_run_logs(verbose)
    with Progress(
        "[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
        TimeElapsedColumn(), console=err, transient=True, disable=not err.is_terminal,
    ) as bar:
        job = bar.add_task("cleaning", total=None)
        summary = run_pipeline(
            given, db=db, workers=workers, batch_size=batch_size,
            max_bytes=int(max_mb * 2**20), dask_address=dask_address,
            wait=wait,
            listener=Listener(
                progress=lambda done, total: bar.update(job, completed=done, total=total),
                on_wait=say,
                started=started,
            ),
        )
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
    out.print(table)


@app.command()
@expected_errors
def clean(
    file: Annotated[Path, typer.Argument(help="A text dump or HTML page.")],
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
    from cleaners.decode import Failure, decode

    if format not in ("text", "html", "auto"):
        raise typer.BadParameter("must be text, html or auto", param_hint="--format")
    if not file.exists():
        raise InputNotFound(f"no such file: {file}")
    if file.is_dir():
        raise InputNotFound(f"{file} is a directory; `clean` takes one file")
    decoded = decode(file.read_bytes())
    if isinstance(decoded, Failure):
        raise PresswashError(f"{file}: {decoded.detail}")
    text, _encoding = decoded
    cleaned = clean_document(text, fmt=format)  # type: ignore[arg-type]
    if as_json:
        record = asdict(cleaned)
        record["removed"] = [[r.line_no, r.text, r.reason] for r in cleaned.removed]
        out.print_json(json.dumps(record, ensure_ascii=False))
    elif explain:
        print(render_explanation(cleaned))
    else:
        print(cleaned.text)


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
    format: Annotated[str, typer.Option("--format", help="table, csv or json.")] = "table",
) -> None:
    """Ad-hoc SQL on the warehouse, read-only."""
    if format not in ("table", "csv", "json"):
        raise typer.BadParameter("must be table, csv or json", param_hint="--format")
    text = sys.stdin.read() if query == "-" else query
    with Warehouse(db, read_only=True) as wh:
        result = wh.arrow(text)
    rows = result.to_pylist()
    if format == "json":
        print(json.dumps(rows, ensure_ascii=False, default=str, indent=None))
    elif format == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow(result.column_names)
        writer.writerows([[row[c] for c in result.column_names] for row in rows])
        print(buf.getvalue(), end="")
    elif len(result.column_names) == 1 and len(rows) == 1:
        print(rows[0][result.column_names[0]])
    else:
        cells = [["" if v is None else str(v) for v in row.values()] for row in rows]
        table = Table()
        widths = column_widths(result.column_names, cells, out.width)
        for name, width in zip(result.column_names, widths, strict=True):
            table.add_column(name, no_wrap=True, overflow="ellipsis", width=width)
        for row_cells in cells:
            table.add_row(*row_cells)
        out.print(table)


def column_widths(names: list[str], cells: list[list[str]], budget: int) -> list[int]:
    """Each column's width: short columns (counts, dates) whole, long ones share the rest.

    Rich squeezes no-wrap columns to nothing when a table is wider than the terminal,
    so a count column could vanish next to a long title column.
    """
    wanted = [
        min(SQL_COLUMN_WIDTH, max([len(name), *(len(row[i]) for row in cells)]))
        for i, name in enumerate(names)
    ]
    room = budget - 3 * len(names) - 1  # borders and padding
    if sum(wanted) <= room:
        return wanted
    short = [w for w in wanted if w <= SQL_SHORT_COLUMN]
    long_idx = [i for i, w in enumerate(wanted) if w > SQL_SHORT_COLUMN]
    share = max(SQL_SHORT_COLUMN, (room - sum(short)) // max(len(long_idx), 1))
    return [min(w, share) if i in long_idx else w for i, w in enumerate(wanted)]


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
    with Warehouse(db, read_only=True) as wh:
        n = wh.export(output if output else sys.stdout.buffer, format, unique=unique)  # type: ignore[arg-type]
    if output:
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
    with Warehouse(db, read_only=True) as wh:
        found = wh.clusters(level)  # type: ignore[arg-type]
    if not found:
        out.print(f"no {level} clusters with more than one article")
        return
    for cluster in found:
        out.print(
            f"[bold]{level} cluster {cluster.cluster_id[:12]}[/bold]  "
            f"{len(cluster.members)} articles, {len(cluster.sites)} sites"
        )
        for m in cluster.members:
            mark = "*" if m.is_canonical else " "
            out.print(
                f"  {mark} {m.doc_id[:12]}  {m.similarity:4.2f}  {m.published_at or '----------'}  "
                f"{m.site or '-'}  {m.title or ''}",
                markup=False,
            )


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
) -> None:
    """Scheduled runs over an inbox folder (Prefect serve); only new files are processed."""
    if not inbox.is_dir():
        raise InputNotFound(f"inbox {inbox} is not a directory")
    from flows import configure_prefect
    from flows.schedule import serve as serve_inbox
    from flows.signals import serving

    configure_prefect(verbose=verbose)
    with serving(say):
        serve_inbox(inbox, cron=cron, db=db, settle=settle, name=name, out=say, verbose=verbose)


@app.command()
@expected_errors
def report(
    output: Annotated[Path, typer.Option("-o", "--output", help="HTML file to write.")],
    db: DbOption = None,
) -> None:
    """A self-contained HTML report: runs, clusters, what each copy added or dropped."""
    from flows.report import render_report

    with Warehouse(db, read_only=True) as wh:
        html = render_report(wh)
    output.write_text(html, encoding="utf-8")
    say(f"wrote {output}")


def main() -> None:
    """Console-script entry point."""
    app()

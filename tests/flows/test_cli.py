"""The CLI in-process with CliRunner, checked through the Python API."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pytest
from typer.testing import CliRunner

from flows.cli import app
from schemas import RunSummary
from tests.conftest import SEED_CHROME, SEEDS
from tests.warehouse.test_api import loaded
from tests.warehouse.test_db import foreign_database, hold, read_only_dir, snapshot, tiny_disk
from warehouse import Warehouse, run_lock

__all__ = ["read_only_dir", "tiny_disk"]  # fixtures shared with the warehouse tests
ROOT = Path(__file__).resolve().parents[2]

runner = CliRunner()
SEED0 = SEEDS / "000_91432e9979506c79.txt"


def test_clean_prints_the_article_without_chrome() -> None:
    result = runner.invoke(app, ["clean", str(SEED0)])
    assert result.exit_code == 0, result.output
    assert "Former NATO Secretary General Anders Rasmussen said Wednesday" in result.stdout
    for chrome in ("Recent Stories", "About Us", "9 hours ago", "© 1997-2023"):
        assert chrome not in result.stdout


def test_clean_explain_lists_removed_lines_with_reasons() -> None:
    result = runner.invoke(app, ["clean", str(SEED0), "--explain"])
    assert result.exit_code == 0, result.output
    assert "recent_stories" in result.stdout and "Recent Stories" in result.stdout
    assert "9 hours ago" in result.stdout and "© 1997-2023" in result.stdout
    assert "About Us | Contact Us | Advertisment" in result.stdout


def test_clean_json_is_the_whole_cleaned_record() -> None:
    result = runner.invoke(app, ["clean", str(SEED0), "--json"])
    record = json.loads(result.stdout)
    assert set(record) >= {
        "text",
        "title",
        "author",
        "published_at",
        "site",
        "url",
        "language",
        "removed",
    }
    assert record["author"] == "Faizan Hashmi" and record["language"] == "en"
    assert ["Recent Stories", "recent_stories"] in [r[1:] for r in record["removed"]]


def test_clean_html_format(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    body = " ".join(["The minister said the talks would continue next week in Vilnius."] * 6)
    page.write_text(
        f"<html><body><nav>Home News Sport</nav><article><h1>Talks</h1>"
        f"<p>{body}</p><p>{body}</p></article><footer>© 2023 Example</footer>"
        f"</body></html>"
    )
    result = runner.invoke(app, ["clean", str(page), "--format", "html"])
    assert result.exit_code == 0, result.output
    assert "talks would continue" in result.stdout and "© 2023" not in result.stdout


def test_clean_missing_file_is_one_line_exit_1() -> None:
    result = runner.invoke(app, ["clean", "no/such/file.txt"])
    assert result.exit_code == 1
    assert result.stderr == "error: no such file: no/such/file.txt\n"


def test_bad_option_is_a_usage_error() -> None:
    assert runner.invoke(app, ["clean", str(SEED0), "--format", "pdf"]).exit_code == 2


def test_sql_export_clusters_on_the_seeded_warehouse(seeded: tuple[Path, RunSummary]) -> None:
    db, _ = seeded
    result = runner.invoke(app, ["sql", "select count(*) from articles", "--db", str(db)])
    assert result.stdout.strip() == "5"
    result = runner.invoke(
        app, ["sql", "select site from articles order by 1", "--db", str(db), "--format", "json"]
    )
    assert len(json.loads(result.stdout)) == 5
    result = runner.invoke(app, ["export", "--db", str(db), "--unique"])
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == 5 and all(r["text"] for r in rows)
    result = runner.invoke(app, ["clusters", "--db", str(db), "--level", "story"])
    assert result.exit_code == 0 and "5 articles" in result.stdout


def test_run_prints_the_summary_table(
    prefect_server: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import flows.server

    api = flows.server.prefect_api

    @contextmanager
    def slow_to_stop(**kwargs: Any) -> Iterator[str]:
        with api(**kwargs) as url:
            yield url
        time.sleep(1.0)  # Prefect's teardown, after the run's row is written

    monkeypatch.setattr(flows.server, "prefect_api", slow_to_stop)
    db = tmp_path / "cli.duckdb"
    result = runner.invoke(app, ["run", str(SEED0), "--db", str(db)])
    assert result.exit_code == 0, result.output
    # the summary's seconds count the whole run, Prefect's start and stop included
    [printed] = re.findall(r"│ seconds\s+│ ([0-9.]+)", result.stdout)
    with duckdb.connect(str(db), read_only=True) as con:
        [(counts,)] = con.execute("SELECT counts FROM runs").fetchall()
    assert float(printed) >= json.loads(counts)["seconds"] + 1.0
    for label in (
        "files seen",
        "new documents",
        "exact duplicates",
        "rejected",
        "articles",
        "near-duplicate clusters",
        "story clusters",
        "seconds",
    ):
        assert label in result.stdout


def test_verbose_shows_the_run_logs(tmp_path: Path) -> None:
    """`-v` in a fresh process, as a user types it: Prefect's run logs reach the terminal
    (its level is set from the option, not fixed when `flows` is imported); without it,
    nothing but the summary."""
    from tests.flows.procs import marked_env, no_process_left_behind, presswash

    with no_process_left_behind() as mark:
        quiet, done = (
            subprocess.run(
                presswash("run", str(SEED0), "--db", str(tmp_path / f"{n}.duckdb"), *flag),
                capture_output=True, text=True, timeout=300, env=marked_env(mark),
            )
            for n, flag in enumerate(((), ("-v",)))
        )
    assert quiet.returncode == 0 and quiet.stderr == "", quiet.stderr
    assert done.returncode == 0, done.stderr
    logs = done.stderr
    assert "| INFO    | Flow run " in logs and "Beginning flow run" in logs
    assert "1 of 1 files done" in logs
    assert re.search(r"Task run 'clean-\w+' - Finished in state Completed\(\)", logs)
    assert "│ new documents           │ 1" in done.stdout


def test_run_with_only_missing_paths_fails_clearly(tmp_path: Path) -> None:
    result = runner.invoke(app, ["run", str(tmp_path / "nope"), "--db", str(tmp_path / "x.duckdb")])
    assert result.exit_code == 1
    assert result.stderr == f"error: no such file or directory: {tmp_path / 'nope'}\n"


@pytest.mark.parametrize("chrome", SEED_CHROME[:3])
def test_explain_reason_is_never_empty(chrome: str) -> None:
    result = runner.invoke(app, ["clean", str(SEED0), "--json"])
    removed = {r[1]: r[2] for r in json.loads(result.stdout)["removed"]}
    if chrome in removed:
        assert removed[chrome]


# -- `presswash sql` is read-only: no writes, no files, no extensions, no settings ------

@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse of three articles built through the Python API: no Prefect needed."""
    db = tmp_path_factory.mktemp("small") / "presswash.duckdb"
    with Warehouse(db) as wh:
        loaded(wh)
    return db


SANDBOXED = [
    ("delete from articles", 'Invalid Input Error: Cannot execute statement of type "DELETE" on '
     'database "presswash" which is attached in read-only mode!'),
    ("copy articles to '{out}'", 'Permission Error: Cannot access file "{out}" - file system '
     "operations are disabled by configuration"),
    ("export database '{dir}'", 'Permission Error: Cannot access file "{dir}/articles.csv" '
     "- file system operations are disabled by configuration"),
    ("select * from read_text('/etc/passwd')", 'Permission Error: Cannot access file '
     '"/etc/passwd" - file system operations are disabled by configuration'),
    ("select * from read_csv('/etc/passwd', sep = ':')", 'Permission Error: Cannot access file '
     '"/etc/passwd" - file system operations are disabled by configuration'),
    ("select * from glob('/etc/*')", 'Permission Error: Cannot access file "/etc/*" - file '
     "system operations are disabled by configuration"),
    ("attach '{out}' as other", 'Permission Error: Cannot access file "{out}" - file system '
     "operations are disabled by configuration"),
    ("set threads = 1", 'Invalid Input Error: Cannot change configuration option "threads" - '
     "the configuration has been locked"),
    ("set enable_external_access = true", 'Invalid Input Error: Cannot change configuration '
     'option "enable_external_access" - the configuration has been locked'),
    ("load httpfs", "Permission Error: Loading external extensions is disabled through "
     "configuration"),
    ("select * from 'https://example.com/data.parquet'", 'Permission Error: Cannot access file '
     '"https://example.com/data.parquet" - file system operations are disabled by configuration'),
]


@pytest.mark.parametrize(("query", "message"), SANDBOXED, ids=[q for q, _ in SANDBOXED])
def test_sql_cannot_write_touch_files_or_change_settings(
    small: Path, tmp_path: Path, query: str, message: str
) -> None:
    db = small
    out, folder = tmp_path / "copy.csv", tmp_path / "dump"
    before = snapshot(db.parent)
    result = runner.invoke(app, ["sql", query.format(out=out, dir=folder), "--db", str(db)])
    assert result.exit_code == 1
    expected = message.format(out=out, dir=folder).replace('"presswash"', f'"{db.stem}"')
    assert result.stderr == f"error: {expected}\n"
    assert result.stdout == ""
    assert not out.exists() and not folder.exists()
    assert snapshot(db.parent) == before


def test_sql_install_never_reaches_the_network(small: Path) -> None:
    db = small
    env = {"http_proxy": "http://127.0.0.1:9", "https_proxy": "http://127.0.0.1:9"}
    result = runner.invoke(app, ["sql", "install httpfs", "--db", str(db)], env=env)
    assert result.exit_code == 1
    assert re.fullmatch(
        r'error: Permission Error: Cannot access directory "[^"]+" - file system operations '
        r"are disabled by configuration\n",
        result.stderr,
    ), result.stderr


def test_the_python_api_read_only_mode_is_sandboxed(small: Path) -> None:
    db = small
    with Warehouse(db, read_only=True) as wh:
        settings = dict(
            wh.con.execute(
                "SELECT name, value FROM duckdb_settings() WHERE name IN ('enable_external_access',"
                " 'autoinstall_known_extensions', 'autoload_known_extensions', "
                "'lock_configuration')"
            ).fetchall()
        )
    assert settings == {
        "enable_external_access": "false",
        "autoinstall_known_extensions": "false",
        "autoload_known_extensions": "false",
        "lock_configuration": "true",
    }


# -- cell text is data -----------------------------------------------------------------

TRICKY = (
    "select '[bold]x[/bold]' as markup, '</button>[/button]' as closing, "
    "['a', 'b'] as list, '\\x00\\x01\\x02'::blob as blob, "
    "'tab\there' || chr(10) || 'next' as spaced, chr(27) || '[31mred' as escape, "
    "null as nothing, 42 as n"
)


def test_sql_table_prints_cells_as_the_text_they_are(small: Path) -> None:
    db = small
    result = runner.invoke(app, ["sql", TRICKY, "--db", str(db)])
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    header, rule, row = result.stdout.splitlines()
    assert header.split() == [
        "markup", "closing", "list", "blob", "spaced", "escape", "nothing", "n"
    ]
    assert set(rule) == {"─", " "}
    assert row.split("  ")[:2] == ["[bold]x[/bold]", "</button>[/button]"]
    assert '["a", "b"]' in row and "<3 bytes>" in row
    assert "tab\\there\\nnext" in row and "\\u001b[31mred" in row and "\x1b" not in row
    assert row.endswith("42")


def test_sql_formats_round_trip(small: Path) -> None:
    db = small
    expected = {
        "markup": "[bold]x[/bold]", "closing": "</button>[/button]", "list": ["a", "b"],
        "blob": "<3 bytes>", "spaced": "tab\there\nnext", "escape": "\x1b[31mred",
        "nothing": None, "n": 42,
    }
    out = {}
    for fmt in ("csv", "tsv", "json", "jsonl"):
        result = runner.invoke(app, ["sql", TRICKY, "--db", str(db), "--format", fmt])
        assert result.exit_code == 0 and result.stderr == "", result.stderr
        out[fmt] = result.stdout
    assert json.loads(out["json"]) == [expected]
    assert [json.loads(line) for line in out["jsonl"].splitlines()] == [expected]
    as_text = {
        **expected, "list": '["a", "b"]', "nothing": "", "n": "42",
    }
    assert list(csv.DictReader(io.StringIO(out["csv"]))) == [as_text]
    header, row = out["tsv"].splitlines()
    assert header.split("\t") == list(expected)
    assert row.split("\t") == [
        v.replace("\t", "\\t").replace("\n", "\\n") for v in as_text.values()
    ]


def test_sql_one_value_prints_bare_and_empty_results(small: Path) -> None:
    db = small
    result = runner.invoke(app, ["sql", "select count(*) from articles", "--db", str(db)])
    assert result.stdout == "3\n"
    result = runner.invoke(app, ["sql", "select doc_id from articles where false", "--db", str(db),
                                 "--format", "json"])
    assert result.stdout == "[]\n"
    result = runner.invoke(app, ["sql", "-", "--db", str(db), "--format", "csv"],
                           input="select 1 as a, 2 as b")
    assert result.stdout == "a,b\n1,2\n"


def child_status(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise AssertionError(field)


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc")
@pytest.mark.parametrize("fmt", ["table", "csv", "jsonl"])
def test_sql_streams_a_huge_result_into_a_closed_pipe(
    small: Path, fmt: str
) -> None:
    """100M rows into `head`: memory stays at one chunk, and the early close is quiet."""
    db = small
    query = "select i, 'row ' || i as label from range(100000000) t(i)"
    proc = subprocess.Popen(
        [sys.executable, "-c", "from flows.cli import main; main()", "sql", query,
         "--db", str(db), "--format", fmt],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        assert proc.stdout is not None and proc.stderr is not None
        lines = [proc.stdout.readline() for _ in range(20000)]
        assert lines[-1].strip()
        peak_kb = child_status(proc.pid, "VmHWM")
        proc.stdout.close()  # what `head` does once it has its lines
        assert proc.wait(timeout=120) == 0
        assert proc.stderr.read() == b""
    finally:
        proc.kill()
        proc.wait()
    assert peak_kb < 400 * 1024, f"{peak_kb} kB"  # the whole result would be gigabytes


# -- one line for every expected failure -----------------------------------------------

@pytest.mark.parametrize("command", ["sql", "export", "clusters", "run"])
def test_a_file_that_is_not_duckdb(tmp_path: Path, command: str) -> None:
    junk = tmp_path / "junk.duckdb"
    junk.write_text("not a database\n" * 100)
    before = snapshot(tmp_path)
    args = [command, "select 1"] if command == "sql" else [command]
    result = runner.invoke(app, [*args, "--db", str(junk)])
    assert result.exit_code == 1
    assert result.stderr == f"error: {junk} is not a DuckDB database\n"
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("command", ["sql", "report", "run"])
def test_a_duckdb_file_that_is_not_a_warehouse_is_left_untouched(
    tmp_path: Path, command: str
) -> None:
    db = foreign_database(tmp_path / "budget.duckdb")
    before = snapshot(tmp_path)
    args = {"sql": ["sql", "select 1"], "report": ["report", "-o", str(tmp_path / "r.html")],
            "run": ["run", str(SEED0)]}[command]
    result = runner.invoke(app, [*args, "--db", str(db)])
    assert result.exit_code == 1
    assert result.stderr == (
        f"error: {db} is a DuckDB database but not a presswash warehouse (it holds budget); "
        "presswash leaves it untouched\n"
    )
    assert snapshot(tmp_path) == before  # not a table, not a lock file, not a report


def test_a_warehouse_of_a_newer_schema(small: Path, tmp_path: Path) -> None:
    db = tmp_path / "future.duckdb"
    db.write_bytes(small.read_bytes())
    con = duckdb.connect(str(db))
    con.execute("INSERT INTO schema_version (version) VALUES (99)")
    con.close()
    from warehouse import SCHEMA_VERSION

    for args in (["sql", "select 1"], ["run", str(SEED0)]):
        result = runner.invoke(app, [*args, "--db", str(db)])
        assert result.exit_code == 1
        assert result.stderr == (
            f"error: warehouse {db} has schema version 99, newer than this presswash knows "
            f"({SCHEMA_VERSION}); upgrade presswash to use it\n"
        )


def test_a_second_writer_waits_then_says_so(tmp_path: Path) -> None:
    db = tmp_path / "busy.duckdb"
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import time
            from warehouse import run_lock
            with run_lock({str(db)!r}):
                print("held", flush=True)
                time.sleep(60)
        """)],
        stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        result = runner.invoke(app, ["run", str(SEED0), "--db", str(db), "--wait", "1"])
    finally:
        holder.kill()
        holder.wait()
    assert result.exit_code == 1
    assert result.stderr == (
        f"waiting for another run on {db} (pid {holder.pid}) ...\n"
        f"error: database {db} is in use by another presswash run (pid {holder.pid}); "
        "gave up after 1s (see --wait)\n"
    )


def test_a_read_only_session_holding_the_file(
    small: Path, tmp_path: Path
) -> None:
    db = tmp_path / "held.duckdb"
    db.write_bytes(small.read_bytes())
    holder = hold(db, read_only=True)
    try:
        result = runner.invoke(app, ["run", str(SEED0), "--db", str(db), "--wait", "1"])
    finally:
        holder.kill()
        holder.wait()
    assert result.exit_code == 1
    assert result.stderr == (
        f"waiting for a read-only session (pid {holder.pid}) to close {db} ...\n"
        f"error: database {db} is held open by a read-only session (pid {holder.pid}); "
        "close it, or give `--wait` more seconds (gave up after 1s)\n"
    )


def test_bad_places_for_the_database(tmp_path: Path) -> None:
    afile = tmp_path / "notes.txt"
    afile.write_text("x")
    under = afile / "presswash.duckdb"
    for args in (["sql", "select 1"], ["run", str(SEED0)], ["export"]):
        result = runner.invoke(app, [*args, "--db", str(under)])
        assert result.exit_code == 1
        assert result.stderr == f"error: cannot use {under}: {afile} is a file, not a directory\n"
    db = tmp_path / "wh.duckdb"
    (tmp_path / "wh.duckdb.lock").mkdir()
    result = runner.invoke(app, ["run", str(SEED0), "--db", str(db)])
    assert result.exit_code == 1
    assert result.stderr == f"error: cannot lock {db}: {db}.lock is a directory\n"
    assert not db.exists()
    folder = tmp_path / "folder.duckdb"
    folder.mkdir()
    result = runner.invoke(app, ["sql", "select 1", "--db", str(folder)])
    assert result.stderr == f"error: {folder} is a directory, not a DuckDB database\n"


def test_a_fifo_as_the_database_fails_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.duckdb"
    os.mkfifo(fifo)
    done = subprocess.run(  # a subprocess with a timeout: the old code blocked forever
        [sys.executable, "-c", "from flows.cli import main; main()", "sql", "select 1",
         "--db", str(fifo)],
        capture_output=True, text=True, timeout=60, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert done.returncode == 1
    assert done.stderr == f"error: {fifo} is a FIFO (named pipe), not a DuckDB database\n"


def test_outputs_to_a_missing_place(small: Path, tmp_path: Path) -> None:
    db = small
    for command in ("report", "export"):
        out = tmp_path / "no" / "such" / "out.file"
        result = runner.invoke(app, [command, "--db", str(db), "-o", str(out)])
        assert result.exit_code == 1
        assert result.stderr == f"error: cannot write {out}: no such directory {out.parent}\n"


def test_outputs_to_a_read_only_place(
    small: Path, read_only_dir: Path
) -> None:
    db = small
    for command in ("report", "export"):
        out = read_only_dir / "out.file"
        result = runner.invoke(app, [command, "--db", str(db), "-o", str(out)])
        assert result.exit_code == 1
        assert result.stderr in (
            f"error: cannot write {out}: read-only file system\n",
            f"error: cannot write {out}: permission denied\n",
        )
        assert list(read_only_dir.iterdir()) == []
    target = read_only_dir / "presswash.duckdb"
    result = runner.invoke(app, ["run", str(SEED0), "--db", str(target)])
    assert result.exit_code == 1
    assert result.stderr in (
        f"error: cannot write {target}: read-only file system\n",
        f"error: cannot write {target}: permission denied in {read_only_dir}\n",
    )


def test_an_export_onto_a_full_disk_leaves_nothing(
    small: Path, tiny_disk: Path
) -> None:
    db = small
    fd = os.open(tiny_disk / "filler", os.O_WRONLY | os.O_CREAT)
    with pytest.raises(OSError, match="No space"):
        while True:
            os.write(fd, b"x" * 4096)
    os.close(fd)  # the disk is full to the last block
    out = tiny_disk / "articles.jsonl"
    result = runner.invoke(app, ["export", "--db", str(db), "-o", str(out)])
    assert result.exit_code == 1
    assert result.stderr == (
        f"error: no space left on device writing {out} (free some space and run again)\n"
    )
    assert sorted(p.name for p in tiny_disk.iterdir()) == ["filler"]


def test_a_simulated_full_disk_is_one_line(
    small: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where no tmpfs can be mounted: the OS refusal raised at the file's lowest layer."""
    import warehouse.outfile

    real_fdopen = os.fdopen

    class Full(io.RawIOBase):
        def __init__(self, fd: int) -> None:
            self.fd = fd

        def writable(self) -> bool:
            return True

        def write(self, data: object) -> int:
            raise OSError(28, "No space left on device")

        def fileno(self) -> int:
            return self.fd

        def close(self) -> None:
            os.close(self.fd)
            super().close()

    monkeypatch.setattr(
        warehouse.outfile.os, "fdopen", lambda fd, mode: io.BufferedWriter(Full(fd))
    )
    db = small
    out = tmp_path / "articles.jsonl"
    result = runner.invoke(app, ["export", "--db", str(db), "-o", str(out)])
    monkeypatch.setattr(warehouse.outfile.os, "fdopen", real_fdopen)
    assert result.exit_code == 1
    assert result.stderr == (
        f"error: no space left on device writing {out} (free some space and run again)\n"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == []


@pytest.mark.parametrize("value", ["-1", "0"])
def test_max_mb_must_be_positive(tmp_path: Path, value: str) -> None:
    result = runner.invoke(app, ["run", str(SEED0), "--db", str(tmp_path / "x.duckdb"),
                                 "--max-mb", value])
    assert result.exit_code == 2
    assert result.stderr == (
        f"error: Invalid value for '--max-mb': must be more than 0, not {value} "
        "(see `presswash run --help`)\n"
    )
    assert not (tmp_path / "x.duckdb").exists()


def test_usage_errors_are_one_line() -> None:
    result = runner.invoke(app, ["sql", "select 1", "--format", "xml"])
    assert result.exit_code == 2
    assert result.stderr == (
        "error: Invalid value for --format: must be table, csv, tsv, json or jsonl "
        "(see `presswash sql --help`)\n"
    )
    result = runner.invoke(app, ["frobnicate"])
    assert result.exit_code == 2
    assert result.stderr == "error: No such command 'frobnicate'. (see `presswash --help`)\n"


def test_a_run_holding_the_lock_lets_its_own_flow_in(tmp_path: Path) -> None:
    """The CLI takes the run lock before Prefect starts; the flow re-enters it."""
    db = tmp_path / "x.duckdb"
    with run_lock(db, timeout=0), run_lock(db, timeout=0):
        pass


# -- start-up: the reading commands load neither Prefect nor numba ----------------------

@pytest.mark.parametrize(
    "args",
    [["sql", "select count(*) from articles"], ["export"], ["clusters"], ["--help"]],
    ids=["sql", "export", "clusters", "help"],
)
def test_reading_commands_import_neither_prefect_nor_numba(
    small: Path, args: list[str]
) -> None:
    db = small
    argv = [*args, "--db", str(db)] if args != ["--help"] else args
    probe = textwrap.dedent(f"""
        import sys
        from flows.cli import main
        sys.argv = ["presswash", *{argv!r}]
        try:
            main()
        except SystemExit as exc:
            code = exc.code
        loaded = sorted({{m.split(".")[0] for m in sys.modules}} & {{"prefect", "numba"}})
        print("LOADED", loaded, code, file=sys.stderr)
    """)
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert done.stderr.strip().splitlines()[-1] == "LOADED [] 0", done.stderr


def test_clean_reads_gz_and_stdin_as_run_reads_them(tmp_path: Path) -> None:
    import gzip

    text = SEED0.read_text()
    expected = runner.invoke(app, ["clean", str(SEED0)]).stdout
    packed = tmp_path / "seed.txt.gz"
    packed.write_bytes(gzip.compress(SEED0.read_bytes()))
    assert runner.invoke(app, ["clean", str(packed)]).stdout == expected
    piped = runner.invoke(app, ["clean", "-"], input=text)
    assert (piped.exit_code, piped.stdout) == (0, expected)


def test_clean_decides_html_or_text_as_run_does(tmp_path: Path) -> None:
    """Divergence on 31f70df: a dump quoting `<meta name=...>` was cleaned as HTML."""
    from flows.readers import read_file
    from tests.flows.readers.test_sniff import QUOTING_DUMP

    dump = tmp_path / "dump.txt"
    dump.write_text(QUOTING_DUMP)
    [doc] = read_file(dump)
    result = runner.invoke(app, ["clean", str(dump), "--json"])
    assert doc.markup == "text"
    assert json.loads(result.stdout)["cleaner"].startswith("presswash-text")


def test_clean_of_a_container_or_a_bad_page_is_one_error_line(tmp_path: Path) -> None:
    many = tmp_path / "d.jsonl"
    many.write_text('{"url": "u", "text": "one"}\n{"url": "v", "text": "two"}\n')
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    expected = {
        many: f"error: {many} holds more than one page; `clean` takes one (use `run`)",
        empty: f"error: {empty}: empty: 0 bytes",
    }
    for path, line in expected.items():
        result = runner.invoke(app, ["clean", str(path)])
        assert (result.exit_code, result.stderr) == (1, line + "\n")

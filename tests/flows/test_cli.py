"""The CLI in-process with CliRunner, checked through the Python API."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli import app
from schemas import RunSummary
from tests.conftest import SEED_CHROME, SEEDS

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


def test_sql_is_read_only(seeded: tuple[Path, RunSummary]) -> None:
    db, _ = seeded
    result = runner.invoke(app, ["sql", "delete from articles", "--db", str(db)])
    assert result.exit_code == 1 and result.stderr.startswith("error: ")
    assert "read-only" in result.stderr.lower()


def test_sql_on_a_missing_or_foreign_database(tmp_path: Path) -> None:
    result = runner.invoke(app, ["sql", "select 1", "--db", str(tmp_path / "none.duckdb")])
    assert result.exit_code == 1
    missing = tmp_path / "none.duckdb"
    assert result.stderr == f"error: no warehouse at {missing} (run `presswash run` first)\n"
    junk = tmp_path / "junk.duckdb"
    junk.write_text("not a database\n" * 100)
    result = runner.invoke(app, ["sql", "select 1", "--db", str(junk)])
    assert result.exit_code == 1 and "is not a DuckDB database" in result.stderr


def test_run_prints_the_summary_table(prefect_server: None, tmp_path: Path) -> None:
    db = tmp_path / "cli.duckdb"
    result = runner.invoke(app, ["run", str(SEED0), "--db", str(db)])
    assert result.exit_code == 0, result.output
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

"""The site-template stage: bounded sample, each document checked once, metadata kept."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from pathlib import Path

import pytest

from cleaners.templates import line_key
from flows import stages
from schemas import RawDocument
from tests.conftest import SEEDS
from warehouse import Warehouse
from warehouse import templates as templates_db

CHROME = "The Daily Gazette Evening Edition Online"
SITE = "gazette.example"
PARAGRAPHS = [
    p.strip()
    for seed in sorted(SEEDS.glob("*.txt"))
    for p in seed.read_text(encoding="utf-8").split("\n\n")
    if len(p.split()) >= 30
]


def page(i: int, *, chrome: str = CHROME) -> str:
    body = [PARAGRAPHS[(3 * i + k) % len(PARAGRAPHS)] for k in range(3)]
    return f"{chrome}\n\n" + "\n\n".join(body) + f"\n\n{chrome}\n"


def text_doc(i: int, **kw: str) -> RawDocument:
    text = page(i, chrome=kw.pop("chrome", CHROME))
    data = text.encode()
    return RawDocument(
        doc_id=hashlib.sha256(data).hexdigest(),
        source_uri=f"gazette/{i}.txt",
        format="text",
        markup="text",
        raw_bytes=data,
        raw_text=text,
        encoding="utf-8",
        site=SITE,
    )


def jsonl_doc(i: int) -> RawDocument:
    text = page(i)
    record = {"url": f"https://{SITE}/{i}", "title": f"Supplied title {i}",
              "date": f"2024-05-{i + 1:02d}", "site": "The Gazette", "text": text}
    data = json.dumps(record).encode()
    return RawDocument(
        doc_id=hashlib.sha256(data).hexdigest(),
        source_uri=f"feed.jsonl#L{i + 1}",
        format="jsonl",
        markup="text",
        raw_bytes=data,
        raw_text=text,
        encoding="utf-8",
        url=record["url"],
        site=SITE,
        site_name=record["site"],
        title=record["title"],
        published_at=record["date"],
    )


def load(db: Path, run_id: str, docs: list[RawDocument]) -> None:
    with Warehouse(db) as wh:
        known = wh.known_documents([d.doc_id for d in docs])
        wh.load_batch(run_id, stages.clean_units(docs, known))


def check_templates(db: Path) -> int:
    """The template stage as a run does it (every pending check, whoever loaded it)."""
    with Warehouse(db) as wh:
        return stages.apply_templates(wh)


def state(db: Path) -> tuple[dict[str, str], set[str], int]:
    """Article texts, the stored template, and how many checks are pending."""
    with Warehouse(db, read_only=True) as wh:
        texts = {a.doc_id: a.text for a in wh.articles()}
        pending = wh.count("template_pending")
        return texts, wh.site_templates(SITE), pending


def chrome_removals(db: Path) -> dict[str, int]:
    """Per document, how many chrome lines were removed as `site_template`."""
    with Warehouse(db, read_only=True) as wh:
        rows = wh.arrow(
            "SELECT doc_id, count(*) AS n FROM removed_lines "
            "WHERE text = ? AND reason = 'site_template' GROUP BY doc_id",
            [CHROME],
        ).to_pylist()
    return {r["doc_id"]: r["n"] for r in rows}


def test_documents_of_a_killed_run_get_their_template_in_the_next_run(
    prefect_server: None, tmp_path: Path
) -> None:
    from flows.pipeline import pipeline

    db = tmp_path / "wh.duckdb"
    docs = [text_doc(i) for i in range(6)]
    load(db, "killed-run", docs)  # the run dies here: loaded, never template-checked
    assert state(db)[1:] == (set(), len(docs))
    assert chrome_removals(db) == {}

    empty = tmp_path / "inbox"
    empty.mkdir()
    summary = pipeline([str(empty)], db=db)  # nothing new in this run
    assert summary.new_documents == 0
    texts, template, pending = state(db)
    assert pending == 0 and template
    assert len(texts) == len(docs) and all(CHROME not in t for t in texts.values())
    assert chrome_removals(db) == {d.doc_id: 2 for d in docs}


def test_supplied_title_date_and_site_name_survive_recleaning(db_path: Path) -> None:
    docs = [jsonl_doc(i) for i in range(5)]
    load(db_path, "r1", docs)
    assert check_templates(db_path) == len(docs)
    with Warehouse(db_path, read_only=True) as wh:
        articles = {a.doc_id: a for a in wh.articles()}
    for doc in docs:
        article = articles[doc.doc_id]
        assert CHROME not in article.text
        assert (article.title, article.url) == (doc.title, doc.url)
        assert (article.site, article.site_name) == (SITE, "The Gazette")
        assert article.published_at == f"{doc.published_at}T00:00:00"


def test_a_new_page_gets_the_stored_template_and_nothing_else_is_recleaned(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(stages, "TEMPLATE_SAMPLE_PAGES", 4)
    docs = sorted((text_doc(i) for i in range(8)), key=lambda d: d.doc_id)
    load(db_path, "r1", docs[:6])
    assert check_templates(db_path) == 6
    before, template, _ = state(db_path)
    # the sample is the four smallest doc_ids; a page above them leaves the template alone,
    # and only that page is cleaned again (with the stored template)
    newcomer = docs[-1]
    load(db_path, "r2", [newcomer])
    assert check_templates(db_path) == 1
    after, template_after, pending = state(db_path)
    assert template_after == template and pending == 0
    assert CHROME not in after[newcomer.doc_id]
    assert {k: v for k, v in after.items() if k != newcomer.doc_id} == before


def test_a_page_without_template_lines_is_checked_but_not_recleaned(db_path: Path) -> None:
    load(db_path, "r1", [text_doc(i) for i in range(5)])
    check_templates(db_path)
    plain = text_doc(10, chrome="An entirely different opening line for this page")
    load(db_path, "r2", [plain])
    assert check_templates(db_path) == 0
    assert state(db_path)[2] == 0


def test_the_result_does_not_depend_on_how_pages_arrived(tmp_path: Path) -> None:
    docs = [text_doc(i) for i in range(9)]
    one, many = tmp_path / "one.duckdb", tmp_path / "many.duckdb"
    load(one, "r1", docs)
    check_templates(one)
    for k, part in enumerate([docs[7:], docs[2:7], docs[:2]]):  # other order, three runs
        load(many, f"r{k}", part)
        check_templates(many)
    assert state(one) == state(many)


def test_pages_marked_checked_by_a_direct_loader_count_in_the_sample(db_path: Path) -> None:
    docs = [text_doc(i) for i in range(6)]
    load(db_path, "filler", docs[:5])
    with Warehouse(db_path) as wh:
        stages.mark_template_checked(wh, docs[:5])
        assert wh.count("template_pending") == 0 and wh.count("template_pages") == 5
    load(db_path, "r1", docs[5:])
    # the one new page completes a sample in which the chrome recurs: all six are cleaned
    assert check_templates(db_path) == 6
    assert state(db_path)[1] and chrome_removals(db_path) == {d.doc_id: 2 for d in docs}


def _newcomer_and_learned_site(
    db: Path, monkeypatch: pytest.MonkeyPatch, extra: str = ""
) -> RawDocument:
    """A warehouse whose site has its template; returns a new page of the site above its
    sample (so the template stays), with `extra` lines after its opening chrome line."""
    monkeypatch.setattr(stages, "TEMPLATE_SAMPLE_PAGES", 4)
    docs = sorted((text_doc(i) for i in range(8)), key=lambda d: d.doc_id)
    load(db, "r1", docs[:6])
    assert check_templates(db) == 6
    text = docs[-1].raw_text.replace(f"{CHROME}\n", f"{CHROME}\n{extra}", 1)
    data = text.encode()
    return replace(docs[-1], doc_id=hashlib.sha256(data).hexdigest(), raw_bytes=data,
                   raw_text=text)


def _load_cleaned_with(db: Path, doc: RawDocument, templates: dict[str, frozenset[str]]) -> None:
    with Warehouse(db) as wh:
        wh.load_batch("r2", stages.clean_units([doc], set(), templates))


def _article_rows(db: Path) -> tuple[dict[str, str], list[tuple[str, int, str, str]]]:
    with Warehouse(db, read_only=True) as wh:
        removed = wh.con.execute(
            "SELECT doc_id, line_no, text, reason FROM removed_lines ORDER BY ALL"
        ).fetchall()
    return state(db)[0], removed


@pytest.mark.parametrize("older_row", [False, True], ids=["keys-stored", "older-run-row"])
def test_a_page_cleaned_with_its_sites_template_is_not_cleaned_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, older_row: bool
) -> None:
    with_template, without = tmp_path / "with.duckdb", tmp_path / "without.duckdb"
    newcomer = _newcomer_and_learned_site(with_template, monkeypatch)
    _newcomer_and_learned_site(without, monkeypatch)
    with Warehouse(with_template) as wh:
        templates = templates_db.cleaning_templates(wh.con, set())
    assert templates == {SITE: frozenset({line_key(CHROME)})}
    _load_cleaned_with(with_template, newcomer, templates)
    _load_cleaned_with(without, newcomer, {})
    if older_row:  # a row an older presswash left: its keys come from the raw text
        with Warehouse(with_template) as wh:
            wh.con.execute("UPDATE template_pending SET line_hashes = NULL, applied = NULL")
    assert check_templates(without) == 1
    assert check_templates(with_template) == (1 if older_row else 0)
    assert _article_rows(with_template) == _article_rows(without)
    assert CHROME not in state(with_template)[0][newcomer.doc_id]


def test_a_page_cleaned_with_a_stale_template_is_cleaned_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker's template can be older than the one the check learns: the page held a
    line of it that the site's template no longer has, so it is cleaned again."""
    stale, fresh = tmp_path / "stale.duckdb", tmp_path / "fresh.duckdb"
    newcomer = _newcomer_and_learned_site(stale, monkeypatch, extra="Breaking news\n")
    _newcomer_and_learned_site(fresh, monkeypatch, extra="Breaking news\n")
    old_template = frozenset({line_key(CHROME), line_key("Breaking news")})
    _load_cleaned_with(stale, newcomer, {SITE: old_template})
    _load_cleaned_with(fresh, newcomer, {})
    assert reasons_of(stale, "Breaking news") == ["site_template"]  # as the worker cleaned it
    assert check_templates(stale) == 1
    assert check_templates(fresh) == 1
    assert _article_rows(stale) == _article_rows(fresh)
    assert "site_template" not in reasons_of(stale, "Breaking news")  # no longer its template


def reasons_of(db: Path, line: str) -> list[str]:
    with Warehouse(db, read_only=True) as wh:
        rows = wh.con.execute("SELECT reason FROM removed_lines WHERE text = ?", [line])
        return [r[0] for r in rows.fetchall()]

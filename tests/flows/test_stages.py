"""Pipeline stages without Prefect (`flows.stages`, `flows.dedup`), on tiny inputs."""

from __future__ import annotations

import hashlib
from pathlib import Path

from flows import dedup, stages
from schemas import Batch, RawDocument, Reject
from tests.conftest import SEEDS
from warehouse import Warehouse

SEED_TEXTS = sorted(SEEDS.glob("*.txt"))


def raw(text: str, uri: str, site: str | None = None) -> RawDocument:
    data = text.encode()
    return RawDocument(
        doc_id=hashlib.sha256(data).hexdigest(),
        source_uri=uri,
        format="text",
        markup="text",
        raw_bytes=data,
        raw_text=text,
        encoding="utf-8",
        site=site,
    )


def _load(db_path: Path, batch: Batch) -> None:
    with Warehouse(db_path) as wh:
        wh.load_batch("r1", batch)


def _dedup(db_path: Path) -> dict[str, int]:
    with Warehouse(db_path) as wh:
        return dedup.dedup_new(wh.con)


def _templates(db_path: Path) -> int:
    with Warehouse(db_path) as wh:
        return stages.apply_templates(wh)


def test_clean_batch_turns_units_into_one_loadable_batch() -> None:
    docs = [raw(p.read_text(), p.name) for p in SEED_TEXTS[:2]]
    menu = raw("Home\nNews\nSport\n", "menu.txt")
    bad = Reject("x.pdf", "binary", "PDF document", b"%PDF", "abc")
    batch = stages.clean_units([*docs, menu, bad], set())
    assert [d.doc_id for d in batch.documents] == [d.doc_id for d in docs]
    assert len(batch.articles) == len(batch.signatures) == 2
    assert sorted(r.reason for r in batch.rejects) == ["binary", "no_content"]
    assert all(r.reason for _, r in batch.removed)


def test_known_documents_are_recorded_but_not_cleaned_again() -> None:
    doc = raw(SEED_TEXTS[0].read_text(), "a.txt")
    batch = stages.clean_units([doc], {doc.doc_id})
    assert batch.documents == [doc] and batch.articles == [] and batch.signatures == []


def test_load_and_dedup_tasks_on_a_fresh_warehouse(db_path: Path) -> None:
    docs = [raw(p.read_text(), p.name) for p in SEED_TEXTS]
    _load(db_path, stages.clean_units(docs, set()))
    counts = _dedup(db_path)
    assert counts["story_clusters"] == 1 and counts["exact_duplicates"] == 0
    with Warehouse(db_path, read_only=True) as wh:
        assert wh.count("clusters") == 5


def test_stale_signatures_are_recomputed_before_clustering(db_path: Path) -> None:
    docs = [raw(p.read_text(), p.name) for p in SEED_TEXTS]
    _load(db_path, stages.clean_units(docs, set()))
    with Warehouse(db_path) as wh:
        wh.con.execute("UPDATE signatures SET scheme = 'minhash-v0', minhash = ''::BLOB")
        dedup.dedup_new(wh.con)
        schemes = wh.arrow("SELECT DISTINCT scheme FROM signatures").column(0).to_pylist()
    assert schemes == [dedup.signature_scheme()]


def test_lines_recurring_across_a_site_are_learned_as_its_template(db_path: Path) -> None:
    bodies = [p.read_text().split("\n\n") for p in SEED_TEXTS]
    chrome = "The Daily Gazette Evening Edition Online"
    pages = []
    for i, paragraphs in enumerate(bodies):
        longest = sorted(paragraphs, key=len)[-3:]
        pages.append(
            raw(
                f"{chrome}\n\n" + "\n\n".join(longest) + f"\n\n{chrome}\n",
                f"gazette/{i}.txt",
                site="gazette.example",
            )
        )
    _load(db_path, stages.clean_units(pages, set()))
    assert _templates(db_path) == len(pages)
    with Warehouse(db_path, read_only=True) as wh:
        texts = [a.text for a in wh.articles()]
        reasons = (
            wh.arrow("SELECT DISTINCT reason FROM removed_lines WHERE text = ?", [chrome])
            .column(0)
            .to_pylist()
        )
        templates = wh.site_templates("gazette.example")
    assert len(texts) == len(pages) and all(chrome not in t for t in texts)
    assert reasons == ["site_template"] and len(templates) >= 1
    # learning again from the same pages changes nothing and re-cleans nothing
    assert _templates(db_path) == 0


def test_every_copy_of_an_empty_page_gets_its_own_reject() -> None:
    menu = "Home\nNews\nSport\n"
    copies = [raw(menu, f"a{i}.zip!menu.txt") for i in range(3)]
    batch = stages.clean_units(copies, set())
    assert batch.documents == []
    assert [(r.source_uri, r.reason) for r in batch.rejects] == [
        (f"a{i}.zip!menu.txt", "no_content") for i in range(3)
    ]


def test_stages_knows_no_storage_format() -> None:
    """How signatures are stored (`warehouse.dedup.signature_records`) and how a row
    becomes a record (`warehouse.templates.raw_documents`) live behind `warehouse/`."""
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(stages))
    names = {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
    names |= {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    assert not names & {"SIGNATURE_DTYPE", "tobytes", "astype", "frombuffer"}
    keyed = [n for n in ast.walk(tree) if isinstance(n, ast.Subscript)
             and isinstance(n.slice, ast.Constant) and isinstance(n.slice.value, str)]  # fmt: skip
    assert keyed == []  # no row["column"] lookups


def test_a_cleaned_batch_comes_back_from_a_worker_as_it_left(tmp_path: Path) -> None:
    """The raw inputs and removed lines travel beside the batch as tables, each text only
    where the warehouse cannot derive it; loading what arrives writes the same rows as
    loading the batch itself."""
    from collections import Counter

    from flows.tasks import pack_cleaned, unpack_cleaned
    from tests.warehouse.test_storage import ALL, stored

    docs = [raw(p.read_text(), p.name) for p in SEED_TEXTS[:2]]
    bad = Reject("x.pdf", "binary", "PDF document", b"%PDF", "abc")
    batch = stages.clean_units([*docs, bad], set())
    batch.documents.extend(ALL)  # not UTF-8, a byte-order mark, JSONL records
    assert batch.removed and batch.rejects
    skipped = Counter({"warc:request": 2})
    got = unpack_cleaned(pack_cleaned(batch, skipped))
    assert got.skipped == skipped
    assert got.batch.articles == batch.articles and not got.batch.removed
    assert got.packed.removed.to_pylist() == [
        {"doc_id": doc, "line_no": r.line_no, "text": r.text, "reason": r.reason}
        for doc, r in batch.removed
    ]
    assert got.batch.rejects == batch.rejects and got.batch.signatures == batch.signatures
    assert [d.doc_id for d in got.batch.documents] == [d.doc_id for d in batch.documents]
    assert not any(d.raw_bytes or d.raw_text for d in got.batch.documents)
    payloads = got.packed.payloads.to_pylist()
    assert [p["raw_bytes"] for p in payloads] == [d.raw_bytes for d in batch.documents]
    sent = {p["doc_id"] for p in payloads if p["raw_text"] is not None}
    assert sent == {d.doc_id for d in ALL[1:]}  # the seeds' and UTF8's texts are derived

    rows = []
    for name, args in (("direct", (batch,)), ("packed", (got.batch, got.packed))):
        with Warehouse(tmp_path / f"{name}.duckdb") as wh:
            wh.load_batch("r1", *args)
            rows.append((
                stored(wh),
                wh.arrow("SELECT * EXCLUDE (ingested_at) FROM documents ORDER BY doc_id"),
                wh.arrow("SELECT * FROM removed_lines ORDER BY doc_id, line_no"),
            ))
    assert rows[0] == rows[1]


def test_a_document_cleaned_in_two_parts_of_a_batch_is_loaded_once(tmp_path: Path) -> None:
    """The same bytes in two files that two workers cleaned: one article, its lines once."""
    from collections import Counter

    from flows.pipeline import merge_cleaned
    from flows.tasks import pack_cleaned, unpack_cleaned

    text = SEED_TEXTS[0].read_text()
    parts = [
        unpack_cleaned(pack_cleaned(stages.clean_units([raw(text, uri)], set()), Counter()))
        for uri in ("a.txt", "b.txt")
    ]
    merged = merge_cleaned(parts)
    assert len(merged.batch.articles) == 1
    assert merged.packed.removed.num_rows == parts[0].packed.removed.num_rows > 0
    with Warehouse(tmp_path / "w.duckdb") as wh:
        wh.load_batch("r1", merged.batch, merged.packed)
        lines = wh.arrow("SELECT count(*) AS n, count(DISTINCT line_no) AS d FROM removed_lines")
        sources = wh.arrow("SELECT count(*) AS n FROM sources").to_pylist()
    assert lines.to_pylist() == [{"n": parts[0].packed.removed.num_rows,
                                  "d": parts[0].packed.removed.num_rows}]
    assert sources == [{"n": 2}]

"""What the site-template stage reads and writes; each query touches new pages, not the site.

`template_pending` lists documents whose check has not finished (the loader adds each new
document with it). `template_pages` keeps every checked text page of a site with the hashes
of its short line keys, so the sample a template is learned from and the pages a template
change touches are found without reading the site's pages (see `schemas/sql/005_*`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import partial

import duckdb
import pyarrow as pa

from schemas import Batch, RawDocument
from warehouse.db import transaction
from warehouse.load import _insert, _write_batch
from warehouse.records import column_names, from_rows, select_list


@dataclass(slots=True, frozen=True)
class PendingCheck:
    """A document waiting for its template check: its article's site, its markup, and what
    its cleaning found (`schemas.PageKeys`; None: not known, a row of an older run)."""

    doc_id: str
    site: str | None
    markup: str | None
    line_hashes: tuple[int, ...] | None = None
    applied: tuple[int, ...] | None = None


@dataclass(slots=True, frozen=True)
class CheckedPage:
    """A page whose check is done: `template_pages` row (hashes of its short line keys)."""

    doc_id: str
    site: str
    line_hashes: tuple[int, ...]


def pending_checks(con: duckdb.DuckDBPyConnection) -> list[PendingCheck]:
    """Every document still waiting for its check, whichever run loaded it."""
    rows = con.execute(
        """
        SELECT p.doc_id, a.site, d.markup, p.line_hashes, p.applied
        FROM template_pending p
        LEFT JOIN articles a USING (doc_id)
        LEFT JOIN documents d USING (doc_id)
        ORDER BY a.site NULLS FIRST, p.doc_id
        """
    ).fetchall()
    return [
        PendingCheck(doc_id, site, markup, _tuple(hashes), _tuple(applied))
        for doc_id, site, markup, hashes, applied in rows
    ]


def _tuple(values: list[int] | None) -> tuple[int, ...] | None:
    return None if values is None else tuple(values)


MAX_SENT_TEMPLATE_KEYS = 20_000
"""Up to this many stored template keys (~1 MB), every site's template goes with each
batch to be cleaned; past it, only those of the sites a run has loaded pages of."""


def cleaning_templates(
    con: duckdb.DuckDBPyConnection, sites: Iterable[str]
) -> dict[str, frozenset[str]]:
    """The stored templates to clean new text pages with (`flows.stages.clean_units`):
    every site's while there are at most `MAX_SENT_TEMPLATE_KEYS` keys, else those of
    `sites`. Only a matter of speed: the template check re-cleans what they miss."""
    (total,) = con.execute("SELECT count(*) FROM site_templates").fetchone() or (0,)
    if total <= MAX_SENT_TEMPLATE_KEYS:
        rows = con.execute(
            "SELECT site, list(line_key) FROM site_templates GROUP BY site"
        ).fetchall()
        return {site: frozenset(keys) for site, keys in rows}
    wanted = sorted(set(sites))
    if not wanted:
        return {}
    con.register("_sites", pa.table({"site": pa.array(wanted, pa.string())}))
    try:
        rows = con.execute(
            "SELECT site, list(line_key) FROM site_templates JOIN _sites USING (site) "
            "GROUP BY site"
        ).fetchall()
    finally:
        con.unregister("_sites")
    return {site: frozenset(keys) for site, keys in rows}


def sample_ids(con: duckdb.DuckDBPyConnection, site: str, size: int) -> list[str]:
    """The `size` smallest doc_ids among the site's checked pages."""
    rows = con.execute(
        "SELECT doc_id FROM template_pages WHERE site = ? ORDER BY doc_id LIMIT ?", [site, size]
    ).fetchall()
    return [r[0] for r in rows]


def pages_holding(
    con: duckdb.DuckDBPyConnection, site: str, hashes: Sequence[int]
) -> list[str]:
    """Checked pages of the site holding a line whose key hash is one of `hashes`."""
    if not hashes:
        return []
    rows = con.execute(
        "SELECT doc_id FROM template_pages WHERE site = ? "
        "AND list_has_any(line_hashes, ?::UBIGINT[]) ORDER BY doc_id",
        [site, list(hashes)],
    ).fetchall()
    return [r[0] for r in rows]


def raw_documents(con: duckdb.DuckDBPyConnection, doc_ids: Sequence[str]) -> list[RawDocument]:
    """These documents as the cleaner needs them (text, markup, supplied metadata), by
    doc_id; `raw_bytes` is left empty (the cleaner reads `raw_text`)."""
    if not doc_ids:
        return []
    names = [n for n in column_names(RawDocument) if n != "raw_bytes"]
    con.register("_want", pa.table({"doc_id": pa.array(list(doc_ids), pa.string())}))
    try:
        rows = con.execute(
            f"SELECT {select_list(RawDocument, alias='d', exclude=('raw_bytes',))}, d.raw_text "
            "FROM documents d JOIN _want USING (doc_id) ORDER BY d.doc_id"
        ).fetchall()
    finally:
        con.unregister("_want")
    return from_rows(partial(RawDocument, raw_bytes=b""), [*names, "raw_text"], rows)


def site_template(con: duckdb.DuckDBPyConnection, site: str) -> set[str]:
    """The line keys stored as this site's template."""
    rows = con.execute("SELECT line_key FROM site_templates WHERE site = ?", [site]).fetchall()
    return {r[0] for r in rows}


def finish_checks(
    con: duckdb.DuckDBPyConnection,
    done: Sequence[str],
    *,
    pages: Sequence[CheckedPage] = (),
    recleaned: Batch | None = None,
    template: tuple[str, set[str]] | None = None,
    forget: Callable[[duckdb.DuckDBPyConnection, list[str]], None] | None = None,
) -> None:
    """Record checks as finished, with everything they changed, in one transaction.

    `done` leaves `template_pending`; `pages` join `template_pages`; `recleaned` articles
    (with their removed lines and signatures) replace the old ones; `template` replaces
    one site's stored template. `forget` is told, before the old texts go, which articles'
    texts change (clustering takes them out and clusters them again). A run killed before
    this commits leaves the checks pending.
    """
    with transaction(con):
        if recleaned is not None and recleaned.articles:
            if forget is not None:
                forget(con, _changed_texts(con, recleaned))
            ids = pa.table({"doc_id": pa.array([a.doc_id for a in recleaned.articles])})
            con.register("_ids", ids)
            for table in ("articles", "removed_lines", "signatures"):
                con.execute(f"DELETE FROM {table} WHERE doc_id IN (SELECT doc_id FROM _ids)")
            con.unregister("_ids")
            _write_batch(con, "", Batch(
                articles=recleaned.articles,
                removed=recleaned.removed,
                signatures=recleaned.signatures,
            ))
        if template is not None:
            site, keys = template
            con.execute("DELETE FROM site_templates WHERE site = ?", [site])
            _insert(con, "site_templates", pa.table({
                "site": pa.array([site] * len(keys), pa.string()),
                "line_key": pa.array(sorted(keys), pa.string()),
            }))
        _insert(con, "template_pages", pa.table({
            "doc_id": pa.array([p.doc_id for p in pages], pa.string()),
            "site": pa.array([p.site for p in pages], pa.string()),
            "line_hashes": pa.array([list(p.line_hashes) for p in pages], pa.list_(pa.uint64())),
        }))
        if done:
            con.register("_done", pa.table({"doc_id": pa.array(list(done), pa.string())}))
            con.execute("DELETE FROM template_pending WHERE doc_id IN (SELECT doc_id FROM _done)")
            con.unregister("_done")


def _changed_texts(con: duckdb.DuckDBPyConnection, batch: Batch) -> list[str]:
    """The articles of `batch` whose stored text differs from their new one."""
    con.register("_new_texts", pa.table({
        "doc_id": pa.array([a.doc_id for a in batch.articles], pa.string()),
        "text": pa.array([a.text for a in batch.articles], pa.string()),
    }))
    rows = con.execute(
        "SELECT a.doc_id FROM articles a JOIN _new_texts n USING (doc_id) "
        "WHERE a.text <> n.text ORDER BY 1"
    ).fetchall()
    con.unregister("_new_texts")
    return [r[0] for r in rows]

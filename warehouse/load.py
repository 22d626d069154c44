"""Write batches to the warehouse: Arrow in, one transaction per batch, idempotent.

Every insert is `INSERT OR IGNORE` on the table's natural key, so loading the same batch
twice (a re-run, or a run resumed after a crash) changes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime

import duckdb
import pyarrow as pa

from schemas import (
    Article,
    Batch,
    ClusterRow,
    LoadCounts,
    PageKeys,
    RawDocument,
    Reject,
    Removed,
    Signature,
)
from warehouse import dedup as dedup_state
from warehouse.db import transaction
from warehouse.keys import lookup
from warehouse.records import parse_timestamp, to_arrow

__all__ = [
    "Packed", "document_payloads", "known_documents", "known_rejects", "load_batch",
    "pack_batch", "parse_timestamp",
]


def now_utc() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _known_ids(con: duckdb.DuckDBPyConnection, ids: Sequence[str]) -> set[str]:
    if not ids:
        return set()
    return {r[0] for r in lookup(con, "SELECT doc_id FROM documents WHERE doc_id IN {keys}", ids)}


def known_documents(con: duckdb.DuckDBPyConnection, ids: Sequence[str]) -> set[str]:
    """Which of these doc_ids the warehouse already holds (so they need no cleaning)."""
    return _known_ids(con, ids)


def known_at_sources(con: duckdb.DuckDBPyConnection, paths: Sequence[str]) -> set[str]:
    """Documents already loaded from these input files (a unit of a file is the file's
    path, or the path then `#`, `!` or `~` and the unit's address; see `flows.readers`).

    Lets a run skip cleaning what it loaded before without reading anything first. A
    document that reappears at another path is not found here; it is cleaned again and
    the load keeps the stored copy (`known_documents`), so this only ever saves work.
    """
    if not paths:
        return set()
    con.register("_paths", pa.table({"path": pa.array(list(paths), pa.string())}))
    rows = con.execute(
        """
        SELECT s.doc_id FROM sources s JOIN _paths p ON s.source_uri = p.path
        UNION
        SELECT s.doc_id FROM sources s
        JOIN _paths p ON regexp_extract(s.source_uri, '^[^#!~]*') = p.path
        """
    ).fetchall()
    con.unregister("_paths")
    return {r[0] for r in rows}


def known_rejects(con: duckdb.DuckDBPyConnection, keys: Sequence[tuple[str, str]]) -> set[
    tuple[str, str]
]:
    """Which (source_uri, content_sha256) rejects are already recorded by an earlier run."""
    if not keys:
        return set()
    table = pa.table(
        {"source_uri": [k[0] for k in keys], "content_sha256": [k[1] for k in keys]}
    )
    con.register("_rk", table)
    rows = con.execute(
        "SELECT DISTINCT r.source_uri, coalesce(r.content_sha256, '') FROM rejects r "
        "JOIN _rk k ON r.source_uri = k.source_uri "
        "AND coalesce(r.content_sha256, '') = k.content_sha256"
    ).fetchall()
    con.unregister("_rk")
    return {(r[0], r[1]) for r in rows}


def load_batch(
    con: duckdb.DuckDBPyConnection, run_id: str, batch: Batch, packed: Packed | None = None
) -> LoadCounts:
    """Load one batch in one transaction; returns what was new.

    `packed` holds the batch's bulky parts as `pack_batch` made them where the batch was
    cleaned (its `documents` then carry no raw input and its `removed` is empty);
    without it they are taken from `batch` itself.
    Rejects already recorded for the same source and content by an earlier run are not
    recorded again, so a re-run over the same bad inputs adds nothing.
    """
    with transaction(con):
        return _write_batch(con, run_id, batch, packed)


@dataclass(slots=True)
class Packed:
    """A batch's bulky parts as Arrow tables: `payloads` (`document_payloads`) and
    `removed` (`removed_table`), ~90% of what a worker sends back."""

    payloads: pa.Table
    removed: pa.Table


def pack_batch(batch: Batch) -> tuple[Batch, Packed]:
    """The batch without its raw inputs and removed lines, and those as tables.

    Built where a batch is cleaned: the flow's process then gets two Arrow buffers
    instead of two Python objects per page and a record per removed line (~90 a page),
    which it would only copy into Arrow again.
    """
    packed = Packed(document_payloads(batch.documents), removed_table(batch.removed))
    rest = replace(
        batch,
        documents=[replace(d, raw_bytes=b"", raw_text="") for d in batch.documents],
        removed=[],
    )
    return rest, packed


def removed_table(removed: Sequence[tuple[str, Removed]]) -> pa.Table:
    """`removed_lines` rows of (doc_id, removed line) pairs."""
    return pa.table({
        "doc_id": pa.array([doc for doc, _ in removed], pa.string()),
        "line_no": pa.array([r.line_no for _, r in removed], pa.int32()),
        "text": pa.array([r.text for _, r in removed], pa.string()),
        "reason": pa.array([r.reason for _, r in removed], pa.string()),
    })


def document_payloads(docs: Sequence[RawDocument]) -> pa.Table:
    """The documents' raw inputs as `documents` stores them: `doc_id`, `raw_bytes`, and
    `raw_text` only where the table may not derive it from the bytes, else null.

    The text is left out where a strict UTF-8 decode of the bytes gives it back: DuckDB's
    `decode` (the `raw_text_of` macro, `schemas/sql/005_*`) returns the same string for
    every valid UTF-8 input, NUL and BOM included, and fails on the rest. A JSONL record's
    text is always kept: its derivation is DuckDB's JSON parser, so `_insert_documents`
    compares it in SQL. Built where a batch is cleaned, this halves what a worker sends
    back (an HTML page's bytes and text are the same ~176 KB twice), and the flow's
    process gets one Arrow buffer instead of two Python objects per document.
    """
    return pa.table({
        "doc_id": pa.array([d.doc_id for d in docs], pa.string()),
        "raw_bytes": pa.array([d.raw_bytes for d in docs], pa.binary()),
        "raw_text": pa.array(
            [None if _derivable(d) else d.raw_text for d in docs], pa.string()
        ),
    })


def _derivable(doc: RawDocument) -> bool:
    if doc.format == "jsonl":
        return False
    try:
        return doc.raw_bytes.decode("utf-8") == doc.raw_text
    except UnicodeDecodeError:
        return False


def _first_rows(payloads: pa.Table) -> pa.Table:
    """One row per document (the parts of a batch may each hold the same bytes)."""
    ids = payloads.column("doc_id").to_pylist()
    if len(set(ids)) == len(ids):
        return payloads
    first: dict[str, int] = {}
    for i, doc_id in enumerate(ids):
        first.setdefault(doc_id, i)
    return payloads.take(sorted(first.values()))


def _write_batch(
    con: duckdb.DuckDBPyConnection, run_id: str, batch: Batch, packed: Packed | None = None
) -> LoadCounts:
    stamp = now_utc()
    docs = {d.doc_id: d for d in batch.documents}  # the same bytes twice in one batch
    known = _known_ids(con, list(docs))
    fresh = [d for d in docs.values() if d.doc_id not in known]
    if packed is None:
        packed = pack_batch(batch)[1]
    _insert_documents(con, run_id, stamp, fresh, packed.payloads)
    _insert_pending_checks(con, fresh, batch.page_keys)
    _insert(con, "sources", pa.table({
        "source_uri": pa.array([d.source_uri for d in batch.documents], pa.string()),
        "doc_id": pa.array([d.doc_id for d in batch.documents], pa.string()),
        "run_id": pa.array([run_id] * len(batch.documents), pa.string()),
        "seen_at": pa.array([stamp] * len(batch.documents), pa.timestamp("us")),
    }))
    arts = [a for a in batch.articles if a.doc_id not in known]
    _insert(con, "articles", to_arrow(arts, Article))
    dedup_state.mark_pending(con, [a.doc_id for a in arts])
    _insert_removed(con, packed.removed, [a.doc_id for a in arts])
    sigs = [s for s in batch.signatures if s.doc_id not in known]
    _insert(con, "signatures", to_arrow(sigs, Signature))
    unique_rejects = {r.source_uri: r for r in batch.rejects}
    seen = known_rejects(con, [(r.source_uri, r.content_sha256) for r in unique_rejects.values()])
    new_rejects = [
        r for r in unique_rejects.values() if (r.source_uri, r.content_sha256) not in seen
    ]
    _insert(con, "rejects", to_arrow(new_rejects, Reject, extra={
        "run_id": pa.array([run_id] * len(new_rejects), pa.string()),
        "rejected_at": pa.array([stamp] * len(new_rejects), pa.timestamp("us")),
    }))
    return LoadCounts(
        new_documents=len(fresh),
        known_documents=len(batch.documents) - len(fresh),
        articles=len(arts),
        rejects=len(batch.rejects),
        new_rejects=len(new_rejects),
    )


def _insert_documents(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    stamp: datetime,
    docs: Sequence[RawDocument],
    payloads: pa.Table,
) -> None:
    """Insert new documents with their raw bytes once; keep the text only where needed.

    `documents.raw_text` is generated from `raw_bytes` (see `schemas/sql/005_*`). Where
    that derivation does not give back exactly the text the reader decoded (not UTF-8, a
    BOM, a JSONL record DuckDB parses differently), the text is kept in `stored_text`:
    `payloads` carry the text of the documents that may need it (`document_payloads`),
    and the comparison runs in DuckDB over those only, with the table's own expression.
    `payloads` may hold rows of other documents (known ones, repeats): only `docs` are
    inserted.
    """
    if not docs:
        return
    table = to_arrow(docs, RawDocument, exclude=("raw_bytes",), extra={
        "run_id": pa.array([run_id] * len(docs), pa.string()),
        "ingested_at": pa.array([stamp] * len(docs), pa.timestamp("us")),
    })
    payloads = _first_rows(payloads)
    missing = {d.doc_id for d in docs} - set(payloads.column("doc_id").to_pylist())
    if missing:
        raise ValueError(f"no raw input for {len(missing)} new documents, e.g. {min(missing)}")
    cols = table.column_names
    con.register("_docs", table)
    con.register("_payloads", payloads)
    con.execute(
        f"INSERT OR IGNORE INTO documents ({', '.join(cols)}, raw_bytes) "
        f"SELECT {', '.join('d.' + c for c in cols)}, p.raw_bytes "
        "FROM _docs d JOIN _payloads p USING (doc_id)"
    )
    kept = con.sql(
        "SELECT doc_id, p.raw_text AS stored_text FROM _docs d JOIN _payloads p USING (doc_id) "
        "WHERE p.raw_text IS NOT NULL "
        "AND p.raw_text IS DISTINCT FROM raw_text_of(d.format, d.markup, p.raw_bytes)"
    ).to_arrow_table()
    con.unregister("_docs")
    con.unregister("_payloads")
    if kept.num_rows:
        con.register("_kept", kept)
        con.execute(
            "UPDATE documents SET stored_text = k.stored_text FROM _kept k "
            "WHERE documents.doc_id = k.doc_id"
        )
        con.unregister("_kept")


def _insert_pending_checks(
    con: duckdb.DuckDBPyConnection, docs: Sequence[RawDocument], keys: Sequence[PageKeys]
) -> None:
    """Every new document waits for its template check, even if this run dies before it,
    with the line-key hashes its cleaning found (NULL where it found none)."""
    found = {k.doc_id: k for k in keys}
    rows = [found.get(d.doc_id) for d in docs]
    hashes = pa.list_(pa.uint64())
    _insert(con, "template_pending", pa.table({
        "doc_id": pa.array([d.doc_id for d in docs], pa.string()),
        "line_hashes": pa.array([list(k.line_hashes) if k else None for k in rows], hashes),
        "applied": pa.array([list(k.applied) if k else None for k in rows], hashes),
    }))


def _insert_removed(
    con: duckdb.DuckDBPyConnection, removed: pa.Table, doc_ids: Sequence[str]
) -> None:
    """The removed lines of these (new) articles; `removed_lines` has no index to ignore
    a repeat (schema v8), so each (doc, line) is inserted once."""
    if not doc_ids or removed.num_rows == 0:
        return
    con.register("_removed", removed)
    con.register("_new", pa.table({"doc_id": pa.array(doc_ids, pa.string())}))
    con.execute(
        "INSERT INTO removed_lines (doc_id, line_no, text, reason) "
        "SELECT DISTINCT ON (doc_id, line_no) doc_id, line_no, text, reason "
        "FROM _removed WHERE doc_id IN (SELECT doc_id FROM _new)"
    )
    con.unregister("_removed")
    con.unregister("_new")


def _insert(con: duckdb.DuckDBPyConnection, table: str, data: pa.Table, *,
            keyed: bool = True) -> None:
    """Insert the rows; a keyed table ignores rows whose key it holds already."""
    if data.num_rows == 0:
        return
    # no try/finally: after a failed statement the transaction accepts nothing but a
    # ROLLBACK, and a later register() of the same name replaces this view anyway
    con.register("_batch", data)
    cols = ", ".join(data.column_names)
    verb = "INSERT OR IGNORE" if keyed else "INSERT"
    con.execute(f"{verb} INTO {table} ({cols}) SELECT {cols} FROM _batch")
    con.unregister("_batch")


def replace_clusters(con: duckdb.DuckDBPyConnection, rows: Sequence[ClusterRow]) -> None:
    """Swap the whole `clusters` table for a fresh clustering, atomically.

    Clustering is recomputed over every article each run (from stored signatures), so
    the partition never depends on the order in which files arrived.
    """
    table = to_arrow(rows, ClusterRow)
    with transaction(con):
        con.execute("DELETE FROM clusters")
        _insert(con, "clusters", table)


def start_run(
    con: duckdb.DuckDBPyConnection, run_id: str, flow_run_id: str | None, params: dict[str, object]
) -> None:
    """Record a run as `running`; any run still `running` was killed, so mark it."""
    with transaction(con):
        con.execute("UPDATE runs SET status = 'interrupted' WHERE status = 'running'")
        con.execute(
            "INSERT INTO runs (run_id, flow_run_id, started_at, status, params) "
            "VALUES (?, ?, ?, 'running', ?)",
            [run_id, flow_run_id, now_utc(), json.dumps(params, default=str)],
        )


def finish_run(
    con: duckdb.DuckDBPyConnection, run_id: str, status: str, counts: dict[str, object]
) -> None:
    """Close a run's row with its final status and counts."""
    con.execute(
        "UPDATE runs SET finished_at = ?, status = ?, counts = ? WHERE run_id = ?",
        [now_utc(), status, json.dumps(counts, default=str), run_id],
    )


def replace_articles(
    con: duckdb.DuckDBPyConnection,
    batch: Batch,
    templates: dict[str, set[str]],
    forget: Callable[[duckdb.DuckDBPyConnection, list[str]], None] | None = None,
) -> None:
    """Replace the articles of `batch` (and their removed lines and signatures) in one go.

    Used when a site's learned template changes: its pages are cleaned again, and the
    new version replaces the old one atomically, together with the template itself.
    `forget` is told, in the same transaction and before the old texts go, which
    articles' texts change (clustering takes them out and clusters them again).
    """
    ids = pa.table({"doc_id": pa.array([a.doc_id for a in batch.articles], pa.string())})
    with transaction(con):
        if forget is not None:
            con.register("_new_texts", pa.table({
                "doc_id": pa.array([a.doc_id for a in batch.articles], pa.string()),
                "text": pa.array([a.text for a in batch.articles], pa.string()),
            }))
            changed = [r[0] for r in con.execute(
                "SELECT a.doc_id FROM articles a JOIN _new_texts n USING (doc_id) "
                "WHERE a.text <> n.text ORDER BY 1"
            ).fetchall()]
            con.unregister("_new_texts")
            forget(con, changed)
        con.register("_ids", ids)
        for table in ("articles", "removed_lines", "signatures"):
            con.execute(f"DELETE FROM {table} WHERE doc_id IN (SELECT doc_id FROM _ids)")
        con.unregister("_ids")
        for site, keys in templates.items():
            con.execute("DELETE FROM site_templates WHERE site = ?", [site])
            _insert(con, "site_templates", pa.table({
                "site": pa.array([site] * len(keys), pa.string()),
                "line_key": pa.array(sorted(keys), pa.string()),
            }))
        # the old rows are gone, so the ordinary idempotent write inserts the new ones
        _write_batch(con, "", Batch(
            articles=batch.articles, removed=batch.removed, signatures=batch.signatures
        ))


def replace_signatures(con: duckdb.DuckDBPyConnection, signatures: Sequence[Signature]) -> None:
    """Swap stale signatures for recomputed ones in one transaction."""
    ids = pa.table({"doc_id": pa.array([s.doc_id for s in signatures], pa.string())})
    with transaction(con):
        con.register("_ids", ids)
        con.execute("DELETE FROM signatures WHERE doc_id IN (SELECT doc_id FROM _ids)")
        con.unregister("_ids")
        _write_batch(con, "", Batch(signatures=list(signatures)))

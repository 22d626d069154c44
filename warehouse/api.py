"""The Python API over the warehouse: reads, SQL, export, clusters.

The CLI is a thin adapter over this class; everything a command shows can be had from
Python too, as iterators of records or Arrow tables (never raw cursors). pyarrow and
the loader are imported by the methods that need them, so a read-only command starts
without them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, BinaryIO, Literal

import duckdb

from schemas import Article, Batch, ClusterRow, LoadCounts, Signature
from warehouse.db import PresswashError, open_db, resolve_db, storage_failure
from warehouse.outfile import open_output
from warehouse.records import column_names, from_rows, select_list
from warehouse.values import as_json

if TYPE_CHECKING:
    import pyarrow as pa

    from warehouse.load import Packed

ExportFormat = Literal["jsonl", "parquet", "csv", "txt"]

EXPORT_COLUMNS = ", ".join(
    [*column_names(Article, exported_only=True),
     "exact_group", "near_cluster", "story_cluster", "is_canonical"]
)
"""Every exported `Article` field (see `schemas.records.NOT_EXPORTED`), then cluster ids."""


STREAM_CHUNK_ROWS = 2048
"""Rows fetched at a time when streaming a result: DuckDB's vector size, so memory stays
flat however long the result is."""


class BadQuery(PresswashError):
    """SQL that DuckDB refused (syntax, unknown table, a write or file access on a
    read-only open)."""


def query_error(exc: duckdb.Error) -> PresswashError:
    """DuckDB's message as one line: the error and its hint, without the caret display."""
    failure = storage_failure(exc)
    if failure is not None:
        return failure
    kept: list[str] = []
    for line in str(exc).strip().splitlines():
        if not line.strip() or line.startswith("LINE "):
            break
        kept.append(line.strip())
    return BadQuery(" ".join(kept) or type(exc).__name__)


@dataclass(slots=True, frozen=True)
class Rows:
    """A query's result, streamed: column names and types, then chunks of row tuples."""

    columns: tuple[str, ...]
    types: tuple[str, ...]
    chunks: Iterator[list[tuple[object, ...]]]


@dataclass(slots=True, frozen=True)
class Member:
    """One article of a cluster, as `presswash clusters` lists it."""

    doc_id: str
    site: str | None
    title: str | None
    published_at: str | None
    is_canonical: bool
    similarity: float


@dataclass(slots=True, frozen=True)
class Cluster:
    """A near-duplicate or story cluster with its members, canonical first."""

    cluster_id: str
    level: str
    members: tuple[Member, ...]

    @property
    def sites(self) -> list[str]:
        return sorted({m.site for m in self.members if m.site})


class Warehouse:
    """A presswash DuckDB warehouse.

    Args:
        path: the database file; None means `$PRESSWASH_DB` or `warehouse/presswash.duckdb`.
        read_only: open without write access (what `presswash sql` does), so a query
            can never change the data.
    """

    def __init__(self, path: str | Path | None = None, *, read_only: bool = False) -> None:
        self.path = resolve_db(path)
        self.read_only = read_only
        self.con: duckdb.DuckDBPyConnection = open_db(self.path, read_only=read_only)

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self.con.close()

    # -- writing -----------------------------------------------------------------
    def load_batch(
        self, run_id: str, batch: Batch, packed: Packed | None = None
    ) -> LoadCounts:
        """Load one batch in one transaction (see `warehouse.load.load_batch`)."""
        from warehouse import load

        return load.load_batch(self.con, run_id, batch, packed)

    def replace_clusters(self, rows: Sequence[ClusterRow]) -> None:
        from warehouse import load

        load.replace_clusters(self.con, rows)

    def replace_articles(
        self,
        batch: Batch,
        templates: dict[str, set[str]],
        forget: Callable[[duckdb.DuckDBPyConnection, list[str]], None] | None = None,
    ) -> None:
        """Swap re-cleaned articles (and the site templates that changed them) atomically;
        `forget` takes the ones whose text changes out of the clustering state."""
        from warehouse import load

        load.replace_articles(self.con, batch, templates, forget)

    def known_documents(self, doc_ids: Sequence[str]) -> set[str]:
        """Which of these doc_ids are already loaded, so a re-run skips their cleaning."""
        from warehouse import load

        return load.known_documents(self.con, doc_ids)

    def known_at_sources(self, paths: Sequence[str]) -> set[str]:
        """Which documents were loaded before from these input files (see `warehouse.load`)."""
        from warehouse import load

        return load.known_at_sources(self.con, paths)

    def replace_signatures(self, signatures: Sequence[Signature]) -> None:
        """Store signatures recomputed under a new scheme, replacing stale ones."""
        from warehouse import load

        load.replace_signatures(self.con, signatures)

    def site_templates(self, site: str) -> set[str]:
        """The line keys learned as this site's chrome by earlier runs."""
        rows = self.con.execute(
            "SELECT line_key FROM site_templates WHERE site = ?", [site]
        ).fetchall()
        return {r[0] for r in rows}

    # -- reading -----------------------------------------------------------------
    def arrow(self, sql: str, params: Sequence[object] = ()) -> pa.Table:
        """Run SQL and return an Arrow table; DuckDB errors become `BadQuery`."""
        import pyarrow as pa

        try:
            rel = self.con.sql(sql, params=list(params) or None)
            return rel.to_arrow_table() if rel is not None else pa.table({})
        except duckdb.Error as exc:
            raise query_error(exc) from None

    def query(
        self, sql: str, params: Sequence[object] = (), *, chunk_rows: int = STREAM_CHUNK_ROWS
    ) -> Rows:
        """Run SQL and stream its rows in chunks; DuckDB errors become `BadQuery`.

        The result is fetched as it is read, so a billion-row result costs no more
        memory than a chunk. A statement without a result (`CHECKPOINT`) has no columns.
        """
        cur = self.con.cursor()
        try:
            cur.execute(sql, list(params) or None)
        except duckdb.Error as exc:
            cur.close()
            raise query_error(exc) from None
        if cur.description is None:
            cur.close()
            return Rows((), (), iter(()))
        columns = tuple(d[0] for d in cur.description)
        types = tuple(str(d[1]) for d in cur.description)
        return Rows(columns, types, _fetch_chunks(cur, chunk_rows))

    def count(self, table: str) -> int:
        rows = self.con.execute(f"SELECT count(*) FROM {table}").fetchall()
        return int(rows[0][0])

    def articles(self, *, unique: bool = False) -> Iterator[Article]:
        """Every article (or only each near-duplicate cluster's canonical), oldest first."""
        source = "unique_articles" if unique else "articles"
        cur = self.con.execute(
            f"SELECT {select_list(Article, alias='a')} FROM {source} a "
            f"ORDER BY a.published_at NULLS LAST, a.doc_id"
        )
        names = column_names(Article)
        while rows := cur.fetchmany(1000):
            yield from from_rows(Article, names, rows)

    def export_table(self, *, unique: bool = False) -> pa.Table:
        """The export rows as Arrow: clean text, metadata and cluster ids."""
        return self.arrow(_export_sql(unique))

    def export(
        self, out: BinaryIO | Path, fmt: ExportFormat = "jsonl", *, unique: bool = False
    ) -> int:
        """Write clean articles for other tools, streamed; returns how many were written.

        A `Path` is replaced only once the export is complete (see `open_output`).
        `txt` writes bare article texts separated by a form-feed line, the one separator
        that cannot occur inside our cleaned text. Files are written from Python, never
        by DuckDB's COPY, so the connection stays sandboxed.
        """
        if fmt not in ("jsonl", "parquet", "csv", "txt"):
            raise PresswashError(f"unknown export format {fmt!r}")
        if isinstance(out, str | Path):
            with open_output(out) as fh:
                return self._write(fh, fmt, unique)
        return self._write(out, fmt, unique)

    def _write(self, fh: BinaryIO, fmt: ExportFormat, unique: bool) -> int:
        sql = _export_sql(unique)
        if fmt in ("parquet", "csv"):
            return self._write_arrow(fh, fmt, sql)
        rows = self.query(sql)
        n = 0
        first = True
        for chunk in rows.chunks:
            if fmt == "jsonl":
                lines = [
                    json.dumps(
                        {c: as_json(v) for c, v in zip(rows.columns, row, strict=True)},
                        ensure_ascii=False,
                    )
                    for row in chunk
                ]
                fh.write(("\n".join(lines) + "\n").encode())
            else:
                text_at = rows.columns.index("text")
                texts = "\n\f\n".join(str(row[text_at]) for row in chunk)
                fh.write(texts.encode() if first else b"\n\f\n" + texts.encode())
                first = False
            n += len(chunk)
        if fmt == "txt" and n:
            fh.write(b"\n")
        return n

    def _write_arrow(self, fh: BinaryIO, fmt: ExportFormat, sql: str) -> int:
        import pyarrow.csv as pacsv
        import pyarrow.parquet as pq

        try:
            reader = self.con.sql(sql).to_arrow_reader(STREAM_CHUNK_ROWS)
        except duckdb.Error as exc:
            raise query_error(exc) from None
        writer: pq.ParquetWriter | pacsv.CSVWriter
        if fmt == "parquet":
            writer = pq.ParquetWriter(fh, reader.schema)
        else:
            writer = pacsv.CSVWriter(fh, reader.schema)
        n = 0
        with writer:
            for batch in reader:
                writer.write_batch(batch)
                n += batch.num_rows
        return n

    def clusters(
        self, level: Literal["near", "story"] = "near", *, min_size: int = 2
    ) -> list[Cluster]:
        """Clusters with at least `min_size` members, largest first, canonical member first."""
        column = {"near": "near_cluster", "story": "story_cluster"}[level]
        # a story's canonical is the member it is named after; near clusters store theirs
        canonical = "c.is_canonical" if level == "near" else "c.doc_id = c.story_cluster"
        rows = self.con.execute(
            f"""
            SELECT c.{column}, c.doc_id, a.site, a.title,
                   strftime(a.published_at, '%Y-%m-%d'), {canonical}, c.similarity
            FROM clusters c JOIN articles a USING (doc_id)
            WHERE c.{column} IN (
                SELECT {column} FROM clusters GROUP BY 1 HAVING count(*) >= ?)
            ORDER BY c.{column}, {canonical} DESC, c.similarity DESC, c.doc_id
            """,
            [min_size],
        ).fetchall()
        grouped: dict[str, list[Member]] = {}
        for cid, doc_id, site, title, published, canon, sim in rows:
            grouped.setdefault(cid, []).append(
                Member(doc_id, site, title, published, bool(canon), float(sim))
            )
        out = [Cluster(cid, level, tuple(ms)) for cid, ms in grouped.items()]
        out.sort(key=lambda c: (-len(c.members), c.cluster_id))
        return out


def _fetch_chunks(
    cur: duckdb.DuckDBPyConnection, chunk_rows: int
) -> Iterator[list[tuple[object, ...]]]:
    try:
        while chunk := cur.fetchmany(chunk_rows):
            yield chunk
    except duckdb.Error as exc:
        raise query_error(exc) from None
    finally:
        cur.close()


def _export_sql(unique: bool) -> str:
    where = "WHERE c.is_canonical" if unique else ""
    return (
        f"SELECT {EXPORT_COLUMNS} FROM articles a LEFT JOIN clusters c USING (doc_id) "
        f"{where} ORDER BY a.published_at NULLS LAST, a.doc_id"
    )

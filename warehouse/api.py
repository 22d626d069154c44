"""The Python API over the warehouse: reads, SQL, export, clusters.

The CLI is a thin adapter over this class; everything a command shows can be had from
Python too, as iterators of records or Arrow tables (never raw cursors).
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import BinaryIO, Literal

import duckdb
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from schemas import Article, Batch, ClusterRow, LoadCounts, Signature
from warehouse import load
from warehouse.db import PresswashError, open_db, resolve_db
from warehouse.records import column_names, from_rows, select_list

ExportFormat = Literal["jsonl", "parquet", "csv", "txt"]

EXPORT_COLUMNS = ", ".join(
    [*column_names(Article, exported_only=True),
     "exact_group", "near_cluster", "story_cluster", "is_canonical"]
)
"""Every exported `Article` field (see `schemas.records.NOT_EXPORTED`), then cluster ids."""


class BadQuery(PresswashError):
    """SQL that DuckDB refused (syntax, unknown table, or a write on a read-only open)."""


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
    def load_batch(self, run_id: str, batch: Batch) -> LoadCounts:
        """Load one batch in one transaction (see `warehouse.load.load_batch`)."""
        return load.load_batch(self.con, run_id, batch)

    def replace_clusters(self, rows: Sequence[ClusterRow]) -> None:
        load.replace_clusters(self.con, rows)

    def known_documents(self, doc_ids: Sequence[str]) -> set[str]:
        """Which of these doc_ids are already loaded, so a re-run skips their cleaning."""
        return load.known_documents(self.con, doc_ids)

    def dedup_inputs(self) -> pa.Table:
        """Every article with what clustering needs: text, dates, stored signature."""
        return self.arrow(
            """
            SELECT a.doc_id, a.text, a.title, a.site,
                   strftime(a.published_at, '%Y-%m-%dT%H:%M:%S') AS published_at,
                   strftime(d.ingested_at, '%Y-%m-%dT%H:%M:%S.%f') AS ingested_at,
                   s.minhash, s.n_shingles, s.scheme
            FROM articles a
            JOIN documents d USING (doc_id)
            JOIN signatures s USING (doc_id)
            ORDER BY a.doc_id
            """
        )

    def replace_signatures(self, signatures: Sequence[Signature]) -> None:
        """Store signatures recomputed under a new scheme, replacing stale ones."""
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
        try:
            rel = self.con.sql(sql, params=list(params) or None)
            return rel.to_arrow_table() if rel is not None else pa.table({})
        except duckdb.Error as exc:
            raise BadQuery(str(exc).strip().splitlines()[0]) from None

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
        where = "WHERE c.is_canonical" if unique else ""
        return self.arrow(
            f"SELECT {EXPORT_COLUMNS} FROM articles a LEFT JOIN clusters c USING (doc_id) "
            f"{where} ORDER BY a.published_at NULLS LAST, a.doc_id"
        )

    def export(
        self, out: BinaryIO | Path, fmt: ExportFormat = "jsonl", *, unique: bool = False
    ) -> int:
        """Write clean articles for other tools; returns how many were written.

        `txt` writes bare article texts separated by a form-feed line, the one separator
        that cannot occur inside our cleaned text.
        """
        table = self.export_table(unique=unique)
        if isinstance(out, Path):
            with out.open("wb") as fh:
                return self._write(fh, table, fmt)
        return self._write(out, table, fmt)

    @staticmethod
    def _write(fh: BinaryIO, table: pa.Table, fmt: ExportFormat) -> int:
        if fmt == "parquet":
            buf = io.BytesIO()
            pq.write_table(table, buf)
            fh.write(buf.getvalue())
        elif fmt == "csv":
            buf = io.BytesIO()
            pacsv.write_csv(table, buf)
            fh.write(buf.getvalue())
        elif fmt == "jsonl":
            for row in table.to_pylist():
                if row.get("published_at") is not None:
                    row["published_at"] = row["published_at"].isoformat()
                fh.write(json.dumps(row, ensure_ascii=False).encode() + b"\n")
        elif fmt == "txt":
            texts = table.column("text").to_pylist()
            fh.write("\n\f\n".join(texts).encode() + (b"\n" if texts else b""))
        else:
            raise PresswashError(f"unknown export format {fmt!r}")
        return int(table.num_rows)

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

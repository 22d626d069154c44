"""How big the warehouse is against its inputs: database bytes / gzip bytes of the inputs.

Runs the pipeline's stages (those `presswash run` runs, in the same order, with one
connection per batch as the flow opens them, but without Prefect, whose temporary server is
the part that fails on a loaded machine) over a corpus of the dev HTML pages and the text dumps
of the same pages (`../shared/bench/extraction/dev`, and the Readability set beside it with
`--with-readability`) into a fresh warehouse, then prints the file size, the gzip size of
the inputs (the `.html.gz` files as they are, each text dump gzipped at level 6), their
ratio, and where the blocks go (`pragma_storage_info`: blocks used by one table's columns
only, blocks shared by several, free blocks left behind by checkpoints, the rest catalog
metadata).

    PYTHONPATH=$PWD .venv/bin/python bench/storage.py [--with-readability] [--batch-size N]

Issue 10's target: at most 1.5x. A small warehouse pays a fixed cost (an empty one is
~0.8 MB: DuckDB writes whole 256 KB blocks), which the ratio includes.
"""

from __future__ import annotations

import argparse
import gzip
import shutil
import sys
import tempfile
from collections import Counter
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BENCH = next(
    (p / "shared" / "bench" for p in (ROOT.parent, ROOT.parent.parent) if (p / "shared").is_dir()),
    ROOT.parent / "shared" / "bench",
)
"""`../shared/bench` beside the work tree (or beside the folder of git worktrees)."""
SETS = {"dev": BENCH / "extraction" / "dev", "readability": BENCH / "readability"}


def build_corpus(out: Path, sets: list[str]) -> tuple[int, int]:
    """Copy the chosen sets' pages and dumps into `out`; returns (files, gzip bytes)."""
    files = gz_bytes = 0
    for name in sets:
        base = SETS[name]
        for page in sorted((base / "html").glob("*.html.gz")):
            shutil.copy(page, out / f"{name}-{page.name}")
            files += 1
            gz_bytes += page.stat().st_size
        for dump in sorted((base / "text").glob("*.txt")):
            shutil.copy(dump, out / f"{name}-{dump.name}")
            files += 1
            gz_bytes += len(gzip.compress(dump.read_bytes(), compresslevel=6))
    return files, gz_bytes


def block_report(db: Path) -> tuple[dict[str, int], int, int, int]:
    """Blocks by owner table ('shared' when several tables share one), free, total, size."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        size = con.execute(
            "SELECT total_blocks, free_blocks, block_size FROM pragma_database_size()"
        ).fetchall()[0]
        owners: dict[int, set[str]] = {}
        tables = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()]
        for table in tables:
            rows = con.execute(
                "SELECT block_id, additional_block_ids FROM pragma_storage_info(?) "
                "WHERE persistent",
                [table],
            ).fetchall()
            for block, extra in rows:
                for b in ([block] if block >= 0 else []) + list(extra or []):
                    owners.setdefault(b, set()).add(table)
    finally:
        con.close()
    counts = Counter(next(iter(o)) if len(o) == 1 else "shared" for o in owners.values())
    return dict(counts), int(size[1]), int(size[0]), int(size[2])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--with-readability", action="store_true")
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--keep", type=Path, help="copy the warehouse here afterwards")
    args = parser.parse_args()
    sets = ["dev", "readability"] if args.with_readability else ["dev"]

    from flows import stages
    from flows.dedup import dedup_new
    from flows.pipeline import DEFAULT_MAX_BYTES, chunks
    from schemas import RawDocument
    from warehouse import Warehouse

    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "in"
        corpus.mkdir()
        files, gz_bytes = build_corpus(corpus, sets)
        if not files:
            print(f"error: no pages under {BENCH}", file=sys.stderr)
            return 1
        def run(db: Path, found: list[Path]) -> int:
            new_documents = 0
            for part in chunks(found, args.batch_size):
                units, _ = stages.read_files(part, max_bytes=DEFAULT_MAX_BYTES)
                ids = [u.doc_id for u in units if isinstance(u, RawDocument)]
                with Warehouse(db) as wh:
                    batch = stages.clean_units(units, wh.known_documents(ids))
                    new_documents += wh.load_batch("bench", batch).new_documents
            with Warehouse(db) as wh:
                stages.apply_templates(wh)
            with Warehouse(db) as wh:
                dedup_new(wh.con)
            return new_documents

        found, _ = stages.discover([str(corpus)])
        db = Path(tmp) / "wh.duckdb"
        new_documents = run(db, found)
        db_bytes = db.stat().st_size
        # the fixed part: every table's first blocks, as a warehouse of one page has them
        one = Path(tmp) / "one.duckdb"
        first = sorted(found, key=lambda p: p.stat().st_size)[len(found) // 2]
        run(one, [first])
        one_bytes = one.stat().st_size
        one_gz = (len(gzip.compress(first.read_bytes(), compresslevel=6))
                  if first.suffix != ".gz" else first.stat().st_size)
        blocks, free, total, block = block_report(db)
        if args.keep:
            shutil.copy(db, args.keep)
    print(f"corpus: {'+'.join(sets)}, {files} files, {new_documents} documents, "
          f"batch size {args.batch_size}")
    print(f"inputs, gzip:   {gz_bytes:>12,} bytes")
    print(f"database:       {db_bytes:>12,} bytes")
    print(f"ratio:          {db_bytes / gz_bytes:>12.2f}x  (target <= 1.50x)")
    print(f"per document:   {db_bytes / max(new_documents, 1):>12,.0f} bytes")
    print(f"fixed part:     {one_bytes:>12,} bytes (a warehouse of one median page)")
    print(f"beyond it:      {(db_bytes - one_bytes) / (gz_bytes - one_gz):>12.2f}x  "
          "(what the rest of the corpus added, against its gzip size)")
    print(f"blocks: {total} of {block / 1024:.0f} KiB; free {free}")
    for owner, n in sorted(blocks.items(), key=lambda kv: -kv[1]):
        print(f"  {owner:<16} {n:>5} blocks  {n * block / 2**20:8.2f} MiB")
    rest = total - free - sum(blocks.values())
    print(f"  {'(catalog/meta)':<16} {rest:>5} blocks  {rest * block / 2**20:8.2f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""How much successive runs add to a warehouse, against their gzipped inputs.

Copies a warehouse (a `bench/scale.py` filler, by default the 10k one), then runs the
stages a run performs (read, clean, load, site templates, dedup; one connection, one
checkpoint at its close, as `presswash run` holds it; no Prefect) over `--inboxes`
different sets of 100 new documents, one run after another: the scale benchmark's inbox
(50 dev text dumps, 50 dev HTML pages), then 50 other dumps and 50 other pages of the dev
set, then 50 dumps and 50 pages of the Readability set. `--parts K` splits each set
into K smaller runs. For each run it prints the used blocks it added against its inputs
gzipped at level 6, and where they went: table columns (the biggest named), metadata
blocks (`pragma_metadata_info`: the row-group and segment pointers DuckDB rewrites for
every table a checkpoint touches; the old ones are freed only for the next checkpoint to
reuse, so one run's figure swings by that amount and the next one's back), and the rest
(index buffers). The last line is the whole sequence's ratio: what a run costs once the
warehouse has had runs before it.

    PYTHONPATH=. .venv/bin/python bench/storage_growth.py [--db FILLER.duckdb] [--inboxes 3]
        [--parts 1]
"""

from __future__ import annotations

import argparse
import gzip
import shutil
import sys
import tempfile
from pathlib import Path

import duckdb
from scale import DEV, OUT, used_bytes  # the scale benchmark's warehouses and block count
from scale import inbox as scale_inbox
from storage import block_report

READABILITY = DEV.parent.parent / "readability"


def inboxes(count: int) -> list[Path]:
    """`count` (1-3) folders of 100 different documents, the first the scale benchmark's."""
    sets = [
        (DEV, slice(50, 100), slice(27, 77)),  # beside the scale inbox's text[:50], html[-50:]
        (READABILITY, slice(0, 50), slice(0, 50)),
    ]
    out = [scale_inbox(OUT / "inbox")]
    for k, (base, texts, pages) in enumerate(sets[: count - 1], start=2):
        folder = OUT / f"inbox{k}"
        if not folder.is_dir():
            folder.mkdir(parents=True)
            for p in sorted((base / "text").glob("*.txt"))[texts]:
                shutil.copy(p, folder / p.name)
            for p in sorted((base / "html").glob("*.html.gz"))[pages]:
                (folder / p.name[: -len(".gz")]).write_bytes(gzip.decompress(p.read_bytes()))
        out.append(folder)
    return out


def blocks(db: Path) -> tuple[dict[str, int], int, int]:
    """(blocks by owning table, used blocks, metadata blocks)."""
    owned, _, _, _ = block_report(db)
    con = duckdb.connect(str(db), read_only=True)
    try:
        meta = con.execute("SELECT count(*) FROM pragma_metadata_info()").fetchall()[0][0]
    finally:
        con.close()
    return owned, used_bytes(db), int(meta)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, default=OUT / "filler-10000.duckdb")
    ap.add_argument("--inboxes", type=int, default=3, choices=(1, 2, 3))
    ap.add_argument("--parts", type=int, default=1)
    args = ap.parse_args()
    if not args.db.exists():
        print(f"error: run bench/scale.py first ({args.db} missing)", file=sys.stderr)
        return 1

    from flows import dedup, stages
    from flows.pipeline import DEFAULT_MAX_BYTES
    from schemas import RawDocument
    from warehouse import Warehouse

    with tempfile.TemporaryDirectory(dir=OUT) as tmp:
        db = Path(tmp) / "w.duckdb"
        shutil.copy(args.db, db)
        with Warehouse(db):
            pass  # an older filler is migrated first, apart from the runs
        owned, used, meta = blocks(db)
        con = duckdb.connect(str(db), read_only=True)
        block = int(con.execute("SELECT block_size FROM pragma_database_size()").fetchall()[0][0])
        con.close()
        total_added = total_gz = 0
        k = 0
        for folder in inboxes(args.inboxes):
            found, _ = stages.discover([str(folder)])
            for j in range(args.parts):
                part = found[j :: args.parts]
                gz = sum(len(gzip.compress(p.read_bytes(), compresslevel=6)) for p in part)
                units, _ = stages.read_files(part, max_bytes=DEFAULT_MAX_BYTES)
                ids = [u.doc_id for u in units if isinstance(u, RawDocument)]
                with Warehouse(db) as wh:
                    batch = stages.clean_units(units, wh.known_documents(ids))
                    wh.load_batch(f"run{k}", batch)
                    stages.apply_templates(wh)
                    dedup.dedup_new(wh.con)
                k += 1
                owned2, used2, meta2 = blocks(db)
                added = used2 - used
                tables = sum(owned2.values()) - sum(owned.values())
                grew = sorted(owned2, key=lambda t: owned.get(t, 0) - owned2[t])[:4]
                print(f"run {k} ({folder.name}): {len(part)} files, {gz / 2**20:.2f} MB gzipped; "
                      f"{added / 2**20:.2f} MB of blocks added: {added / gz:.2f}x "
                      f"(target <= 1.5x) = tables {tables * block / gz:.2f}x + metadata "
                      f"{(meta2 - meta) * block / gz:+.2f}x + indexes "
                      f"{(added / block - tables - (meta2 - meta)) * block / gz:.2f}x; "
                      + ", ".join(f"{t} {(owned2[t] - owned.get(t, 0)) * block / gz:.2f}x"
                                  for t in grew), flush=True)
                total_added += added
                total_gz += gz
                owned, used, meta = owned2, used2, meta2
        print(f"all {k} runs: {total_added / 2**20:.2f} MB of blocks for {total_gz / 2**20:.2f} MB "
              f"gzipped: {total_added / total_gz:.2f}x (target <= 1.5x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""How much successive small runs add to a warehouse, against their gzipped inputs.

Copies a warehouse (a `bench/scale.py` filler, by default the 10k one), then loads the
scale benchmark's 100-document inbox into it in `--runs` parts, one after another, with
the stages a run performs (read, clean, load, site templates, dedup; no Prefect), and
prints for each part the used blocks it added against the part's inputs gzipped at
level 6. The first part pays a new tail block for each table it touches; later parts
fill them.

    PYTHONPATH=. .venv/bin/python bench/storage_growth.py [--db FILLER.duckdb] [--runs 4]
"""

from __future__ import annotations

import argparse
import gzip
import shutil
import sys
import tempfile
from pathlib import Path

from scale import OUT, used_bytes  # the scale benchmark's warehouses and block count


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, default=OUT / "filler-10000.duckdb")
    ap.add_argument("--runs", type=int, default=4)
    args = ap.parse_args()
    inbox = OUT / "inbox"
    if not args.db.exists() or not inbox.is_dir():
        print(f"error: run bench/scale.py first ({args.db} or {inbox} missing)", file=sys.stderr)
        return 1

    from flows import dedup, stages
    from flows.pipeline import DEFAULT_MAX_BYTES
    from schemas import RawDocument
    from warehouse import Warehouse

    with tempfile.TemporaryDirectory(dir=OUT) as tmp:
        db = Path(tmp) / "w.duckdb"
        shutil.copy(args.db, db)
        found, _ = stages.discover([str(inbox)])
        before = used_bytes(db)
        for k in range(args.runs):
            part = found[k :: args.runs]
            gz = sum(len(gzip.compress(p.read_bytes(), compresslevel=6)) for p in part)
            units, _ = stages.read_files(part, max_bytes=DEFAULT_MAX_BYTES)
            ids = [u.doc_id for u in units if isinstance(u, RawDocument)]
            with Warehouse(db) as wh:
                wh.load_batch(f"part{k}", stages.clean_units(units, wh.known_documents(ids)))
                stages.apply_templates(wh)
                dedup.dedup_new(wh.con)
            after = used_bytes(db)
            added = after - before
            print(f"run {k + 1}: {len(part)} files, {gz / 2**20:.2f} MB gzipped; "
                  f"{added / 2**20:.2f} MB of blocks added: {added / gz:.2f}x")
            before = after
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Peak memory of `presswash run` on one big scraper JSONL (or WET) file, against its size.

The JSONL twin of `bench/parquet_memory.py` (same process-tree sampling: the flow's
process, the cleaning worker, the Prefect server, their summed resident sets). Each line
is `{"url", "text", "title", "date"}` from the dev text dumps. With `--distinct N` line k
is a byte-identical copy of line k % N: every line is still read, decoded, hashed,
batched, loaded and recorded in `sources`, but only N documents are cleaned, so a
file of hundreds of MB runs in minutes here (cleaning that many distinct pages would
take most of a day). `--format wet` builds a Common Crawl WET file instead (warcinfo
first, one gzip member per `conversion` record, the same texts). Files are built under
/tmp and deleted after.

    PYTHONPATH=. .venv/bin/python bench/jsonl_memory.py --sizes 20 300 [--distinct 16] \
        [--format jsonl|wet]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # runnable as a plain script from anywhere
    sys.path.insert(0, str(REPO))

from bench.parquet_memory import DEV, dev_pages, run_child  # noqa: E402


def build_jsonl(path: Path, target_bytes: int, pages: list[str], distinct: int) -> int:
    """Write lines cycling over `pages` until the file is `target_bytes`; returns lines."""
    lines = 0
    with path.open("wb") as out:
        while out.tell() < target_bytes:
            k = lines % distinct
            host = f"news{random.Random(k).randrange(400)}.example.com"
            obj = {
                "url": f"https://{host}/{k // len(pages)}/story-{k}",
                "text": pages[k % len(pages)] + f"\n\nFiled as item {k}.\n",
                "title": f"Story {k}",
                "date": "2023-06-08T09:00:00Z",
            }
            out.write(json.dumps(obj).encode() + b"\n")
            lines += 1
    return lines


def build_wet(path: Path, target_bytes: int, pages: list[str], distinct: int) -> int:
    """A WET file of `conversion` records cycling over `pages`; returns records."""
    import gzip

    from tests.flows.test_crash import wet_record as record

    records = 0
    with path.open("wb") as out:
        out.write(gzip.compress(record("warcinfo", "info", b"isPartOf: CC-MAIN-bench\r\n")))
        while out.tell() < target_bytes:
            k = records % distinct
            text = (pages[k % len(pages)] + f"\n\nFiled as item {k}.\n").encode()
            uri = f"https://news{k % 400}.example.com/story-{k}"
            out.write(gzip.compress(record("conversion", f"r{records}", text, uri), 1))
            records += 1
    return records


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=float, nargs="+", default=[20.0, 300.0])
    parser.add_argument("--distinct", type=int, default=16, help="lines a file cycles")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--format", choices=["jsonl", "wet"], default="jsonl")
    parser.add_argument("--dev", type=Path, default=DEV)
    args = parser.parse_args(argv)
    pages = [content for markup, content in dev_pages(args.dev) if markup == "text"]
    print(f"load average before: {os.getloadavg()}", flush=True)
    with tempfile.TemporaryDirectory(prefix="jsonl-memory-", dir="/tmp") as tmp:
        for mb in args.sizes:
            suffix = "warc.wet.gz" if args.format == "wet" else "jsonl"
            path = Path(tmp) / f"repeat{args.distinct}-{int(mb)}mb.{suffix}"
            started = time.monotonic()
            build = build_wet if args.format == "wet" else build_jsonl
            lines = build(path, int(mb * 2**20), pages, args.distinct)
            size = path.stat().st_size / 2**20
            print(f"built {path.name}: {size:.0f} MB, {lines} units "
                  f"({time.monotonic() - started:.0f} s)", flush=True)  # fmt: skip
            db = Path(tmp) / f"{path.name.split('.')[0]}.duckdb"
            fig = run_child("run", path, db, args.workers)
            print(f"run {args.format} repeat{args.distinct} {size:5.0f} MB {lines:7d} units  "
                  f"peak RSS: flow "
                  f"{fig.get('flow_mb', 0):.1f} MB (atexit {fig['peak_rss_mb']:.1f}), worker "
                  f"{fig.get('worker_mb', 0):.1f} MB, server {fig.get('server_mb', 0):.1f} MB, "
                  f"tree {fig.get('tree_mb', 0):.1f} MB  {fig['seconds']} s  "
                  f"db {db.stat().st_size / 2**20:.0f} MB  load {os.getloadavg()[0]:.1f}"
                  f"\n        {fig['stages']}", flush=True)  # fmt: skip
            path.unlink()
            for left in Path(tmp).glob(f"{db.name}*"):
                left.unlink()
    print(f"load average after: {os.getloadavg()}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Peak memory of reading a Parquet file of scraped pages, against the file's size.

Builds Parquet files of the dev pages (`../shared/bench/extraction/dev`, HTML and text
dumps) repeated under varied URLs, each row `url`, `html` or `text`, `title`, `date`,
`site`, written in row groups of `--group-rows` rows, until the file reaches each
`--sizes` figure (MB; the last row group may overshoot it). Then, each in a fresh child
process so the figures do not share a heap:

- `reader`: every unit through `flows.readers.read_file` (the real reader path: sniff,
  dispatch, Parquet batches, decode), counted and dropped;
- `run`: `presswash run FILE --db TMP.duckdb`, the real CLI, on text-only files of
  `--run-sizes` MB (the whole pipeline cleans every row: HTML would take hours here).

and prints peak RSS (`ru_maxrss` of the child) next to the file size. Constant memory
means the reader's peak is the same for a 100 MB and a 1 GB file.

    PYTHONPATH=. .venv/bin/python bench/parquet_memory.py [--sizes 100 1000] [--run-sizes 5 20]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # runnable as a plain script from anywhere
    sys.path.insert(0, str(REPO))

DEV = REPO.parent / "shared" / "bench" / "extraction" / "dev"
if not DEV.exists():  # a worktree under /work/wt/<name>
    DEV = Path("/work/shared/bench/extraction/dev")


def dev_pages(dev: Path) -> list[tuple[str, str]]:
    """(markup, content) of every dev page: each HTML page and each text dump."""
    pages = []
    for path in sorted((dev / "html").glob("*.html.gz")):
        pages.append(("html", gzip.decompress(path.read_bytes()).decode("utf-8", "replace")))
    for path in sorted((dev / "text").glob("*.txt")):
        pages.append(("text", path.read_text(encoding="utf-8", errors="replace")))
    return pages


def build_parquet(
    path: Path, target_bytes: int, pages: list[tuple[str, str]], group_rows: int
) -> int:
    """Write rows cycling over `pages` until the file is at least `target_bytes`; returns rows."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema(
        [
            ("url", pa.string()),
            ("html", pa.string()),
            ("text", pa.string()),
            ("title", pa.string()),
            ("date", pa.timestamp("s", tz="UTC")),
            ("site", pa.string()),
        ]
    )
    rng = random.Random(13)
    rows = 0
    with pq.ParquetWriter(path, schema, compression="snappy") as writer:
        while not path.exists() or path.stat().st_size < target_bytes:
            cols: dict[str, list[object]] = {name: [] for name in schema.names}
            for _ in range(group_rows):
                markup, content = pages[rows % len(pages)]
                host = f"news{rng.randrange(400)}.example.com"
                cols["url"].append(f"https://{host}/{rows // len(pages)}/story-{rows}")
                # one line of its own per row: every row is a distinct document
                body = content + f"\n\nFiled as item {rows}.\n"
                cols["html"].append(body if markup == "html" else None)
                cols["text"].append(body if markup == "text" else None)
                cols["title"].append(f"Story {rows}")
                cols["date"].append(1_686_214_800 + 3600 * rows)
                cols["site"].append(None)
                rows += 1
            writer.write_table(pa.table(cols, schema=schema), row_group_size=group_rows)
            # the footer is written on close, so the file is a little bigger than this
    return rows


def peak_rss_mb() -> float:
    """This process's peak resident set so far, MB: `VmHWM`, which exec resets (ru_maxrss
    does not: a child starts from its parent's peak, here the parent's Parquet writer)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


RUN_CHILD = """
import atexit, json, sys
from bench.parquet_memory import peak_rss_mb
atexit.register(lambda: print(json.dumps({"peak_rss_mb": peak_rss_mb()}), file=sys.stderr))
from flows.cli import main
main()
"""
"""`presswash run` in a child that reports its own peak RSS on the way out."""


def child_reader(path: Path) -> None:
    """Read every unit of `path` through the real reader path; print JSON figures."""
    from flows.readers import Tally, read_file

    base = peak_rss_mb()
    tally = Tally()
    started = time.monotonic()
    n_bytes = 0
    for record in read_file(path, tally=tally):
        n_bytes += len(getattr(record, "raw_bytes", b"") or b"")
    print(json.dumps({
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "rss_after_imports_mb": round(base, 1),
        "documents": tally.documents,
        "rejects": dict(tally.rejects),
        "raw_mb": round(n_bytes / 2**20, 1),
        "seconds": round(time.monotonic() - started, 1),
    }))  # fmt: skip


def run_child(mode: str, path: Path, db: Path | None = None) -> dict[str, object]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    if mode == "reader":
        cmd = [sys.executable, __file__, "--child-reader", str(path)]
    else:
        cmd = [sys.executable, "-c", RUN_CHILD, "run", str(path), "--db", str(db)]
    started = time.monotonic()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=err, text=True)
        proc.wait()
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if proc.returncode != 0:
        raise SystemExit(f"{mode} on {path.name} failed ({proc.returncode}):\n{stderr[-2000:]}")
    figures: dict[str, object] = {"seconds": round(time.monotonic() - started, 1)}
    if mode == "reader":
        figures.update(json.loads(stdout.strip().splitlines()[-1]))
    else:
        figures["summary"] = " ".join(stdout.split())[-400:]
        figures.update(json.loads(stderr.strip().splitlines()[-1]))
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=float, nargs="+", default=[100.0, 1000.0], help="MB")
    parser.add_argument("--group-rows", type=int, default=128, help="rows per row group")
    parser.add_argument(
        "--run-sizes", type=float, nargs="*", default=[5.0, 20.0],
        help="MB of text-only Parquet to `presswash run` (cleaning HTML takes too long here)",
    )
    parser.add_argument("--keep", type=Path, help="build the files here and keep them")
    parser.add_argument("--dev", type=Path, default=DEV)
    parser.add_argument("--child-reader", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child_reader:
        child_reader(args.child_reader)
        return 0

    pages = dev_pages(args.dev)
    with tempfile.TemporaryDirectory(prefix="parquet-memory-") as tmp:
        root = args.keep or Path(tmp)
        root.mkdir(parents=True, exist_ok=True)
        built = []
        for mb in args.sizes:
            path = root / f"pages-{int(mb)}mb.parquet"
            started = time.monotonic()
            if not path.exists():
                rows = build_parquet(path, int(mb * 2**20), pages, args.group_rows)
            else:
                import pyarrow.parquet as pq

                rows = pq.ParquetFile(path).metadata.num_rows
            size = path.stat().st_size / 2**20
            print(f"built {path.name}: {size:.0f} MB, {rows} rows "
                  f"({time.monotonic() - started:.0f} s)", flush=True)  # fmt: skip
            built.append((path, size, rows))
        print(f"load average before reading: {os.getloadavg()}", flush=True)
        for path, size, rows in built:
            fig = run_child("reader", path)
            print(f"reader  {size:7.0f} MB  {rows:7d} rows  peak RSS {fig['peak_rss_mb']:7.1f} MB "
                  f"(after imports {fig['rss_after_imports_mb']} MB)  documents "
                  f"{fig['documents']}  rejects {fig['rejects']}  {fig['seconds']} s",
                  flush=True)  # fmt: skip
        text_pages = [p for p in pages if p[0] == "text"]
        for mb in args.run_sizes:
            path = root / f"text-{int(mb)}mb.parquet"
            rows = build_parquet(path, int(mb * 2**20), text_pages, args.group_rows)
            size = path.stat().st_size / 2**20
            fig = run_child("run", path, root / f"{path.stem}.duckdb")
            print(f"run     {size:7.0f} MB  {rows:7d} rows  peak RSS {fig['peak_rss_mb']:7.1f} MB"
                  f"  {fig['seconds']} s\n        {fig['summary']}", flush=True)  # fmt: skip
        print(f"load average after: {os.getloadavg()}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

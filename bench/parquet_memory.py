"""Peak memory of reading, and of `presswash run` on, a Parquet file of scraped pages,
against the file's size.

Files are built from the dev pages (`../shared/bench/extraction/dev`, HTML and text
dumps) under a temp dir in /tmp (or `--keep DIR`), and deleted once measured:

- `--sizes` (MB): the dev pages cycled under varied URLs, each row `url`, `html` or
  `text`, `title`, `date`, `site`, in row groups of `--group-rows` rows (snappy), until
  the file reaches the size (the last row group may overshoot it). Each is read in a
  fresh child through `flows.readers.read_file` (sniff, dispatch, Parquet batches,
  decode), every unit counted and dropped: `reader` figures.
- `--run-sizes` (MB): the same, text dumps only (HTML would take hours to clean here),
  every row a distinct document, through `presswash run FILE --db TMP.duckdb --workers N`.
- `--repeat-sizes` (MB): text-only rows where row k is a byte-identical copy of row
  k % `--distinct` (plain, uncompressed, so the file keeps its size on disk), through
  `presswash run` too: every row is still read, decoded, hashed, batched and recorded in
  `sources`, but each batch cleans only its few distinct documents, so a 1 GB file runs
  in minutes here instead of the day that cleaning 200,000 distinct pages would take.

Peak RSS is `VmHWM` (`ru_maxrss` would start from the parent's peak). For `run` the
process tree is sampled every `SAMPLE_SECONDS`: the flow's process (plan, reading when
it cleans itself, loading into DuckDB), the largest cleaning worker, the Prefect server
the run starts, and the largest sum of their resident sets at one sample. Constant
memory means the peaks are the same for a small and a large file.

    PYTHONPATH=. .venv/bin/python bench/parquet_memory.py [--sizes 100 1000] \
        [--run-sizes 3 7] [--repeat-sizes 100 1000] [--distinct 16] [--workers 1]
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
    path: Path,
    target_bytes: int,
    pages: list[tuple[str, str]],
    group_rows: int,
    distinct: int | None = None,
) -> int:
    """Write rows cycling over `pages` until the file is at least `target_bytes`; returns rows.

    With `distinct`, row k is a byte-identical copy of row k % distinct (the same
    document), written plain and uncompressed so the file still has its size on disk.
    """
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
    rows = 0
    plain = {"compression": "none", "use_dictionary": False} if distinct else {}
    with pq.ParquetWriter(path, schema, **{"compression": "snappy", **plain}) as writer:
        while not path.exists() or path.stat().st_size < target_bytes:
            cols: dict[str, list[object]] = {name: [] for name in schema.names}
            for _ in range(group_rows):
                k = rows % distinct if distinct else rows
                markup, content = pages[k % len(pages)]
                host = f"news{random.Random(k).randrange(400)}.example.com"
                cols["url"].append(f"https://{host}/{k // len(pages)}/story-{k}")
                # one line of its own per row: every row is a distinct document
                body = content + f"\n\nFiled as item {k}.\n"
                cols["html"].append(body if markup == "html" else None)
                cols["text"].append(body if markup == "text" else None)
                cols["title"].append(f"Story {k}")
                cols["date"].append(1_686_214_800 + 3600 * k)
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


SAMPLE_SECONDS = 0.5
"""How often the `run` child's process tree is sampled."""

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


def run_child(
    mode: str, path: Path, db: Path | None = None, workers: int = 1
) -> dict[str, object]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    if mode == "reader":
        cmd = [sys.executable, __file__, "--child-reader", str(path)]
    else:
        cmd = [sys.executable, "-c", RUN_CHILD, "run", str(path), "--db", str(db),
               "--workers", str(workers)]  # fmt: skip
    started = time.monotonic()
    tree: dict[str, float] = {}
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=err, text=True)
        while proc.poll() is None:
            if mode == "run":
                sample_tree(proc.pid, tree)
            time.sleep(SAMPLE_SECONDS)
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
        figures.update({k: round(v, 1) for k, v in tree.items()})
        figures["stages"] = run_stages(db) if db else {}
    return figures


def sample_tree(pid: int, peaks: dict[str, float]) -> None:
    """Fold one sample of `pid` and its descendants into `peaks` (MB): each role's
    largest `VmHWM` (flow, worker, server) and the largest summed `VmRSS`."""
    import psutil

    try:
        procs = [psutil.Process(pid), *psutil.Process(pid).children(recursive=True)]
    except psutil.Error:
        return
    total = 0.0
    for proc in procs:
        try:
            status = Path(f"/proc/{proc.pid}/status").read_text()
            cmdline = " ".join(proc.cmdline())
        except (OSError, psutil.Error):
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        hwm = int(fields.get("VmHWM", "0 kB").split()[0]) / 1024
        total += int(fields.get("VmRSS", "0 kB").split()[0]) / 1024
        if proc.pid == pid:
            role = "flow_mb"
        elif "server" in cmdline or "uvicorn" in cmdline:
            role = "server_mb"
        elif "resource_tracker" in cmdline:
            continue
        else:
            role = "worker_mb"
        peaks[role] = max(peaks.get(role, 0.0), hwm)
    peaks["tree_mb"] = max(peaks.get("tree_mb", 0.0), total)


def run_stages(db: Path) -> dict[str, object]:
    """The finished run's stage seconds and counts, from `runs.counts`."""
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        row = con.execute("SELECT counts FROM runs ORDER BY started_at DESC LIMIT 1").fetchone()
    finally:
        con.close()
    counts = json.loads(row[0]) if row and row[0] else {}
    keep = ("stage_seconds", "new_documents", "articles", "rejected", "near_clusters")
    return {k: counts.get(k) for k in keep}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=float, nargs="*", default=[100.0, 1000.0],
                        help="MB of dev-page Parquet to read (reader alone)")  # fmt: skip
    parser.add_argument("--group-rows", type=int, default=128, help="rows per row group")
    parser.add_argument(
        "--run-sizes", type=float, nargs="*", default=[3.0, 7.0],
        help="MB of distinct text-only rows to `presswash run` (each row cleaned)",
    )
    parser.add_argument(
        "--repeat-sizes", type=float, nargs="*", default=[100.0, 1000.0],
        help="MB of text-only rows repeating `--distinct` rows to `presswash run`",
    )
    parser.add_argument("--distinct", type=int, default=16, help="rows a repeat file cycles")
    parser.add_argument("--workers", type=int, default=1, help="`presswash run --workers`")
    parser.add_argument("--keep", type=Path, help="build the files here and keep them")
    parser.add_argument("--dev", type=Path, default=DEV)
    parser.add_argument("--child-reader", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child_reader:
        child_reader(args.child_reader)
        return 0

    pages = dev_pages(args.dev)
    text_pages = [p for p in pages if p[0] == "text"]
    with tempfile.TemporaryDirectory(prefix="parquet-memory-", dir="/tmp") as tmp:
        root = args.keep or Path(tmp)
        root.mkdir(parents=True, exist_ok=True)
        print(f"load average before: {os.getloadavg()}", flush=True)
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
            fig = run_child("reader", path)
            print(f"reader  {size:7.0f} MB  {rows:7d} rows  peak RSS {fig['peak_rss_mb']:7.1f} MB "
                  f"(after imports {fig['rss_after_imports_mb']} MB)  documents "
                  f"{fig['documents']}  rejects {fig['rejects']}  {fig['seconds']} s",
                  flush=True)  # fmt: skip
            if not args.keep:
                path.unlink()
        runs = [(mb, None) for mb in args.run_sizes]
        runs += [(mb, args.distinct) for mb in args.repeat_sizes]
        for mb, distinct in runs:
            kind = f"repeat{distinct}" if distinct else "text"
            path = root / f"{kind}-{int(mb)}mb.parquet"
            rows = build_parquet(path, int(mb * 2**20), text_pages, args.group_rows, distinct)
            size = path.stat().st_size / 2**20
            db = root / f"{path.stem}.duckdb"
            fig = run_child("run", path, db, args.workers)
            print(f"run {kind:>8} {size:5.0f} MB {rows:7d} rows  peak RSS: flow "
                  f"{fig.get('flow_mb', 0):.1f} MB (atexit {fig['peak_rss_mb']:.1f}), worker "
                  f"{fig.get('worker_mb', 0):.1f} MB, server {fig.get('server_mb', 0):.1f} MB, "
                  f"tree {fig.get('tree_mb', 0):.1f} MB  {fig['seconds']} s  "
                  f"db {db.stat().st_size / 2**20:.0f} MB  load {os.getloadavg()[0]:.1f}"
                  f"\n        {fig['stages']}", flush=True)  # fmt: skip
            if not args.keep:
                path.unlink()
                for left in root.glob(f"{db.name}*"):
                    left.unlink()
        print(f"load average after: {os.getloadavg()}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

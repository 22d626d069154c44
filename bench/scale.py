"""Growth: one run of 100 new documents into warehouses of 10k, 100k and 1M articles.

Usage:
    PYTHONPATH=. .venv/bin/python bench/scale.py [--sizes 10000,100000,1000000] [--repeat 3]

1. Builds (once, cached under bench/out/scale/) warehouses holding N synthetic filler
   articles: 120-260 words drawn from a Zipf vocabulary, 1,000 sites, published dates
   spread over two years. A fast loader: the filler goes in through
   `Warehouse.load_batch` and is clustered by the real incremental path
   (`flows.dedup.dedup_new`), but skips reading and cleaning, which a filler does not
   need. Each size grows from the previous one.
2. For each size, copies the warehouse and times the real `presswash run` of the same
   100 new documents (50 text dumps and 50 HTML pages of the extraction dev set) into
   it, `--repeat` times: wall and CPU seconds of the whole process, the seconds inside
   the flow (`runs.started_at` to `finished_at`: Prefect's start-up aside), the stage
   seconds the run records, peak RSS, and the database size before and after.
3. Prints each size's median (and spread) and the growth against the smallest size.

Targets (issue 10): at 1M, the run under 30 s of work and under 3 GB peak RSS, within
2x of the same run into 10k.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from flows import dedup  # noqa: E402
from flows.stages import sign_articles  # noqa: E402
from schemas import Article, Batch, RawDocument  # noqa: E402
from warehouse import Warehouse  # noqa: E402

DEV = Path("/work/shared/bench/extraction/dev")
OUT = ROOT / "bench" / "out" / "scale"
LOAD_BATCH = 20_000
VOCAB = 60_000


def _vocabulary(rng: np.random.Generator) -> np.ndarray:
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))
    lengths = rng.integers(3, 11, size=VOCAB)
    return np.array(["".join(rng.choice(letters, size=k)) for k in lengths])


def filler(start: int, n: int, vocab: np.ndarray) -> list[tuple[RawDocument, Article]]:
    """Synthetic articles start .. start+n-1 (deterministic per number)."""
    out = []
    for k in range(start, start + n):
        rng = np.random.default_rng(k)
        words = vocab[np.minimum(rng.zipf(1.15, size=int(rng.integers(120, 260))), VOCAB) - 1]
        title = " ".join(vocab[rng.integers(0, VOCAB, size=6)]).capitalize()
        body = " ".join(words)
        sentences = [s.capitalize() + "." for s in body.split(" the ") if s] or [body]
        text = "\n\n".join(" ".join(sentences[i : i + 4]) for i in range(0, len(sentences), 4))
        site = f"site{int(rng.integers(0, 1000))}.example"
        day = np.datetime64("2024-01-01") + int(rng.integers(0, 730))
        raw = f"{title}\n\n{text}\n"
        doc_id = f"{k:064x}"
        out.append((
            RawDocument(doc_id=doc_id, source_uri=f"filler://{k}", format="text",
                        markup="text", raw_bytes=raw.encode(), raw_text=raw,
                        encoding="utf-8", url=f"https://{site}/a/{k}", site=site),
            Article(doc_id=doc_id, text=text, title=title, published_at=str(day), site=site,
                    url=f"https://{site}/a/{k}", language="en", n_words=len(words),
                    cleaner="filler", removed_lines=0),
        ))
    return out


def build(sizes: list[int]) -> dict[int, Path]:
    """Warehouses of each size (cached); each grows from the one before."""
    OUT.mkdir(parents=True, exist_ok=True)
    vocab = _vocabulary(np.random.default_rng(0))
    paths: dict[int, Path] = {}
    have = 0
    work = OUT / "building.duckdb"
    for n in sorted(sizes):
        target = OUT / f"filler-{n}.duckdb"
        paths[n] = target
        if target.exists():
            have = n
            continue
        if have and not work.exists():
            shutil.copy(OUT / f"filler-{have}.duckdb", work)
        started = time.monotonic()
        with Warehouse(work) as wh:
            for lo in range(have, n, LOAD_BATCH):
                items = filler(lo, min(LOAD_BATCH, n - lo), vocab)
                arts = [a for _, a in items]
                wh.load_batch("filler", Batch(
                    documents=[d for d, _ in items], articles=arts,
                    signatures=sign_articles(arts),
                ))
                dedup.dedup_new(wh.con)
                print(f"  filler {lo + len(items):,} / {n:,} "
                      f"({time.monotonic() - started:.0f} s)", flush=True)
            wh.con.execute("CHECKPOINT")
        shutil.copy(work, target)
        have = n
    work.unlink(missing_ok=True)
    return paths


def inbox(folder: Path) -> Path:
    """The 100 new documents: 50 dev text dumps and 50 dev HTML pages."""
    folder.mkdir(parents=True, exist_ok=True)
    texts = sorted((DEV / "text").glob("*.txt"))[:50]
    pages = sorted((DEV / "html").glob("*.html.gz"))[-50:]
    for p in texts:
        shutil.copy(p, folder / p.name)
    for p in pages:
        (folder / p.name[: -len(".gz")]).write_bytes(gzip.decompress(p.read_bytes()))
    return folder


def measure(db: Path, new: Path) -> dict[str, object]:
    """One real `presswash run` of the inbox into a copy of `db`."""
    with tempfile.TemporaryDirectory(dir=OUT) as tmp:
        copy = Path(tmp) / "w.duckdb"
        shutil.copy(db, copy)
        before = copy.stat().st_size
        cmd = ["/usr/bin/time", "-f", "%e %U %S %M", str(Path(sys.executable).parent / "presswash"),
               "run", str(new), "--db", str(copy)]
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT)
        if proc.returncode:
            raise SystemExit(f"run failed:\n{proc.stderr[-3000:]}")
        wall, user, sys_s, rss_kb = proc.stderr.strip().splitlines()[-1].split()
        with Warehouse(copy, read_only=True) as wh:
            started, finished, counts = wh.con.execute(
                "SELECT started_at, finished_at, counts FROM runs "
                "ORDER BY started_at DESC LIMIT 1"
            ).fetchall()[0]
            articles = wh.count("articles")
        return {
            "wall": float(wall), "cpu": float(user) + float(sys_s),
            "flow": (finished - started).total_seconds(),
            "rss_gb": int(rss_kb) / 2**20, "db_before_mb": before / 2**20,
            "db_after_mb": copy.stat().st_size / 2**20, "articles": articles,
            "stages": json.loads(counts).get("stage_seconds", {}),
        }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="10000,100000,1000000")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"machine: {os.cpu_count()} cores; sizes {sizes}; repeat {args.repeat}")
    paths = build(sizes)
    new = inbox(OUT / "inbox")
    rows = {}
    for n in sizes:
        runs = [measure(paths[n], new) for _ in range(args.repeat)]
        rows[n] = runs
        med = {k: statistics.median(float(r[k]) for r in runs)  # type: ignore[arg-type]
               for k in ("wall", "cpu", "flow", "rss_gb")}
        spread = {k: (min(float(r[k]) for r in runs), max(float(r[k]) for r in runs))  # type: ignore[arg-type]
                  for k in ("flow", "cpu")}
        stages = {k: round(statistics.median(float(r["stages"].get(k, 0)) for r in runs), 2)  # type: ignore[union-attr]
                  for k in runs[0]["stages"]}  # type: ignore[union-attr]
        print(
            f"N={n:>9,}: flow {med['flow']:.1f} s ({spread['flow'][0]:.1f}-{spread['flow'][1]:.1f}), "
            f"CPU {med['cpu']:.1f} s ({spread['cpu'][0]:.1f}-{spread['cpu'][1]:.1f}), "
            f"wall {med['wall']:.1f} s, peak RSS {med['rss_gb']:.2f} GB, "
            f"DB {runs[0]['db_before_mb']:.0f} -> {runs[0]['db_after_mb']:.0f} MB "
            f"({runs[0]['db_before_mb'] * 2**20 / n / 1024:.1f} KB/article); stages {stages}",
            flush=True,
        )
    base = min(sizes)
    b = statistics.median(float(r["flow"]) for r in rows[base])  # type: ignore[arg-type]
    for n in sizes:
        f = statistics.median(float(r["flow"]) for r in rows[n])  # type: ignore[arg-type]
        print(f"growth N={n:,} vs {base:,}: flow {f / b:.2f}x")


if __name__ == "__main__":
    main()

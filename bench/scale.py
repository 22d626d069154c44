"""Growth: one run of 100 new documents into warehouses of 10k, 100k and 1M articles.

Usage:
    PYTHONPATH=. .venv/bin/python bench/scale.py [--sizes 10000,100000,1000000] [--repeat 3]

1. Builds (once, cached under bench/out/scale/) warehouses holding N synthetic filler
   articles: 120-260 words drawn from a Zipf vocabulary, 1,000 sites, published dates
   spread over two years. A fast loader (`_load_filler`): documents, articles and real
   signatures go in through `Warehouse.load_batch`, and the clustering state each
   article would get (band keys, exact key, story node, heaviest terms, document
   frequencies) is written in bulk. Each size grows from the previous one.
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

import duckdb
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pyarrow as pa  # noqa: E402

from cleaners.dedup.config import DEFAULT_CONFIG  # noqa: E402
from cleaners.dedup.lsh import index_keys  # noqa: E402
from cleaners.dedup.normalize import exact_key  # noqa: E402
from cleaners.dedup.stories import story_terms  # noqa: E402
from flows.stages import mark_template_checked, sign_articles  # noqa: E402
from schemas import Article, Batch, RawDocument  # noqa: E402
from warehouse import Warehouse  # noqa: E402
from warehouse import dedup as dedup_state  # noqa: E402

DEV = Path("/work/shared/bench/extraction/dev")
OUT = ROOT / "bench" / "out" / "scale"
LOAD_BATCH = 20_000
VOCAB = 60_000


def _vocabulary(rng: np.random.Generator) -> np.ndarray:
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))
    lengths = rng.integers(3, 11, size=VOCAB)
    return np.array(["".join(rng.choice(letters, size=k)) for k in lengths])


def filler(start: int, n: int, vocab: np.ndarray) -> tuple[list[RawDocument], list[Article],
                                                          list[np.ndarray]]:
    """Synthetic articles start .. start+n-1 (deterministic per batch start), with the
    vocabulary index of every body word."""
    rng = np.random.default_rng(start)
    lengths = rng.integers(120, 260, size=n)
    idx_all = np.minimum(rng.zipf(1.15, size=int(lengths.sum())), VOCAB) - 1
    titles = rng.integers(0, VOCAB, size=(n, 6))
    sites = rng.integers(0, 1000, size=n)
    days = rng.integers(0, 730, size=n)
    bounds = np.concatenate([[0], np.cumsum(lengths)])
    words_all = vocab[idx_all].tolist()
    docs, arts, words_of = [], [], []
    for i in range(n):
        k = start + i
        words = words_all[bounds[i] : bounds[i + 1]]
        title = " ".join(vocab[titles[i]].tolist()).capitalize()
        text = "\n\n".join(
            ". ".join(" ".join(words[j : j + 15]) for j in range(p, min(p + 60, len(words)), 15))
            + "." for p in range(0, len(words), 60)
        )
        site = f"site{sites[i]}.example"
        day = str(np.datetime64("2024-01-01") + int(days[i]))
        raw = f"{title}\n\n{text}\n"
        doc_id = f"{k:064x}"
        docs.append(RawDocument(doc_id=doc_id, source_uri=f"filler://{k}", format="text",
                                markup="text", raw_bytes=raw.encode(), raw_text=raw,
                                encoding="utf-8", url=f"https://{site}/a/{k}", site=site))
        arts.append(Article(doc_id=doc_id, text=text, title=title, published_at=day, site=site,
                            url=f"https://{site}/a/{k}", language="en", n_words=len(words),
                            cleaner="filler", removed_lines=0))
        words_of.append(idx_all[bounds[i] : bounds[i + 1]])
    return docs, arts, words_of


def _load_filler(wh: Warehouse, start: int, n: int, vocab: np.ndarray, terms: list[str],
                 df: np.ndarray) -> None:
    """Load filler articles and write their clustering state directly.

    The filler is random text: no two filler articles are near-duplicates or one story,
    so each is its own exact group, near cluster, story and story node. What the state
    holds per article is what the real path stores (42 band keys from its real
    signature, its exact key, its 12 heaviest terms with TF-IDF weights, its terms in
    the document frequencies), computed over vocabulary indices instead of by
    tokenising each text: ~50x faster, which is what makes a 1M warehouse buildable.
    """
    docs, arts, words_of = filler(start, n, vocab)
    for w in words_of:  # frequencies as they stand when this batch is loaded
        df[np.unique(w)] += 1
    sigs = sign_articles(arts)
    wh.load_batch("filler", Batch(documents=docs, articles=arts, signatures=sigs))
    mark_template_checked(wh, docs)  # no chrome: checked, as the real stage would find
    con = wh.con
    ids = [a.doc_id for a in arts]
    days = [float(np.datetime64(a.published_at, "D").astype(np.int64)) for a in arts]
    numbers = dedup_state.add_docs(con, pa.table({
        "doc_id": pa.array(ids, pa.string()),
        "exact_key": pa.array([exact_key(a.text) for a in arts], pa.string()),
        "published_at": pa.array([np.datetime64(a.published_at, "us") for a in arts],
                                 pa.timestamp("us")),
        "text_len": pa.array([len(a.text) for a in arts], pa.int32()),
        "window_day": pa.array(days, pa.float64()),
        "indexed": pa.array([True] * n, pa.bool_()),
    }))
    matrix = dedup_state.blobs_to_matrix([s.minhash for s in sigs], DEFAULT_CONFIG.num_perm)
    keys = index_keys(matrix, DEFAULT_CONFIG)
    con.register("_b", pa.table({
        "band_key": pa.array(keys.ravel(), pa.uint64()),
        "doc_no": pa.array(np.repeat([numbers[d] for d in ids], keys.shape[1]), pa.int64()),
    }))
    con.execute("INSERT INTO lsh_bands SELECT * FROM _b")
    con.unregister("_b")
    dedup_state.mark_clustered(con, ids)
    con.register("_c", pa.table({"doc_id": pa.array(ids, pa.string())}))
    con.execute("INSERT INTO clusters SELECT doc_id, doc_id, doc_id, doc_id, true, 1.0 FROM _c")
    con.unregister("_c")
    con.register("_n", pa.table({"doc_id": pa.array(ids, pa.string()),
                                 "window_day": pa.array(days, pa.float64())}))
    con.execute("INSERT INTO story_nodes SELECT * FROM _n")
    con.unregister("_n")
    # per (doc, word): tf; weight (1 + ln tf) * idf, L2-normalised; the 12 heaviest kept
    doc = np.concatenate([np.full(len(w), i) for i, w in enumerate(words_of)])
    code, tf = np.unique(doc * VOCAB + np.concatenate(words_of), return_counts=True)
    d, w = code // VOCAB, code % VOCAB
    n_docs = start + n
    idf = np.log((1.0 + n_docs + 50) / (1.0 + df[w])) + 1.0
    weight = (1.0 + np.log(tf)) * idf
    norm = np.sqrt(np.bincount(d, weights=weight**2, minlength=n))
    weight /= norm[d]
    order = np.lexsort((-weight, d))
    first = np.searchsorted(d[order], np.arange(n))
    rank = np.arange(len(order)) - first[d[order]]
    top = order[rank < 12]
    con.register("_t", pa.table({
        "term": pa.array([terms[x] for x in w[top].tolist()], pa.string()),
        "doc_id": pa.array([ids[x] for x in d[top].tolist()], pa.string()),
        "weight": pa.array(weight[top].astype(np.float32), pa.float32()),
        "window_day": pa.array([days[x] for x in d[top].tolist()], pa.float64()),
    }))
    con.execute("INSERT INTO story_terms SELECT story_term_key(term), doc_id, weight, window_day "
                "FROM _t")
    con.unregister("_t")


def build(sizes: list[int]) -> dict[int, Path]:
    """Warehouses of each size (cached); each grows from the one before."""
    OUT.mkdir(parents=True, exist_ok=True)
    vocab = _vocabulary(np.random.default_rng(0))
    terms = [next(iter(story_terms(v)), v) for v in vocab.tolist()]
    paths: dict[int, Path] = {}
    have = 0
    work = OUT / "building.duckdb"
    for n in sorted(sizes):
        target = OUT / f"filler-{n}.duckdb"
        paths[n] = target
        if target.exists():
            have = n
            continue
        work.unlink(missing_ok=True)
        if have:
            shutil.copy(OUT / f"filler-{have}.duckdb", work)
        started = time.monotonic()
        with Warehouse(work) as wh:
            df = np.zeros(VOCAB, dtype=np.int64)  # by vocabulary index
            if have:
                stored = dict(wh.con.execute("SELECT term, df FROM story_df").fetchall())
                df[:] = [stored.get(t, 0) for t in terms]
            for lo in range(have, n, LOAD_BATCH):
                _load_filler(wh, lo, min(LOAD_BATCH, n - lo), vocab, terms, df)
                print(f"  filler {min(lo + LOAD_BATCH, n):,} / {n:,} "
                      f"({time.monotonic() - started:.0f} s)", flush=True)
            wh.con.execute("DELETE FROM story_df")
            term_df: dict[str, int] = {}
            for t, c in zip(terms, df.tolist(), strict=True):
                if c:
                    term_df[t] = max(term_df.get(t, 0), c)  # a folded term: its max
            wh.con.register("_df", pa.table({"term": list(term_df), "df": list(term_df.values())}))
            wh.con.execute("INSERT INTO story_df SELECT term, df::INTEGER FROM _df")
            wh.con.unregister("_df")
            wh.con.execute("CHECKPOINT")
        shutil.copy(work, target)
        work.unlink()
        have = n
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


def inbox_gzip_bytes(folder: Path) -> int:
    """The inbox's inputs as gzip files (level 6), the yardstick of the storage target."""
    return sum(len(gzip.compress(p.read_bytes(), compresslevel=6)) for p in folder.iterdir())


def used_bytes(db: Path) -> int:
    """Bytes of the database's used blocks (the file keeps freed blocks for reuse)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        used, size = con.execute(
            "SELECT used_blocks, block_size FROM pragma_database_size()").fetchall()[0]
    finally:
        con.close()
    return int(used) * int(size)


def metadata_bytes(db: Path) -> int:
    """Bytes of the metadata blocks (row-group and segment pointers, index allocators):
    DuckDB rewrites them for every table a checkpoint touches and frees the old ones for
    the next checkpoint to reuse, so one run's growth swings by that amount."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        n = con.execute("SELECT count(*) FROM pragma_metadata_info()").fetchall()[0][0]
        size = con.execute("SELECT block_size FROM pragma_database_size()").fetchall()[0][0]
    finally:
        con.close()
    return int(n) * int(size)


def measure(db: Path, new: Path) -> dict[str, object]:
    """One real `presswash run` of the inbox into a copy of `db`."""
    with tempfile.TemporaryDirectory(dir=OUT) as tmp:
        copy = Path(tmp) / "w.duckdb"
        shutil.copy(db, copy)
        before = copy.stat().st_size
        used_before, meta_before = used_bytes(copy), metadata_bytes(copy)
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
            "added_bytes": used_bytes(copy) - used_before,
            "metadata_bytes": metadata_bytes(copy) - meta_before,
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
    from flows.server import start_server

    server = start_server()  # one server for every run: its start-up aside
    try:
        server.wait_ready()
        os.environ["PREFECT_API_URL"] = server.api_url
        for n in sizes:
            rows[n] = [measure(paths[n], new) for _ in range(args.repeat)]
    finally:
        server.stop()
    for n in sizes:
        runs = rows[n]
        med = {k: statistics.median(float(r[k]) for r in runs)  # type: ignore[arg-type]
               for k in ("wall", "cpu", "flow", "rss_gb")}
        spread = {k: (min(float(r[k]) for r in runs), max(float(r[k]) for r in runs))  # type: ignore[arg-type]
                  for k in ("flow", "cpu")}
        stages = {k: round(statistics.median(float(r["stages"].get(k, 0)) for r in runs), 2)  # type: ignore[union-attr]
                  for k in runs[0]["stages"]}  # type: ignore[union-attr]
        print(
            f"N={n:>9,}: flow {med['flow']:.1f} s "
            f"({spread['flow'][0]:.1f}-{spread['flow'][1]:.1f}), "
            f"CPU {med['cpu']:.1f} s ({spread['cpu'][0]:.1f}-{spread['cpu'][1]:.1f}), "
            f"wall {med['wall']:.1f} s, peak RSS {med['rss_gb']:.2f} GB, "
            f"DB {runs[0]['db_before_mb']:.0f} -> {runs[0]['db_after_mb']:.0f} MB "
            f"({runs[0]['db_before_mb'] * 2**20 / n / 1024:.1f} KB/article); stages {stages}",
            flush=True,
        )
    gz = inbox_gzip_bytes(new)
    for n in sizes:
        added = statistics.median(float(r["added_bytes"]) for r in rows[n])  # type: ignore[arg-type]
        meta = statistics.median(float(r["metadata_bytes"]) for r in rows[n])  # type: ignore[arg-type]
        print(f"storage N={n:,}: the run's 100 inputs are {gz / 2**20:.2f} MB gzipped; the "
              f"warehouse grew by {added / 2**20:.2f} MB of used blocks: {added / gz:.2f}x "
              f"(target <= 1.5x), of which metadata blocks {meta / gz:+.2f}x (see "
              f"bench/storage_growth.py for successive runs)")
    base = min(sizes)
    b = statistics.median(float(r["flow"]) for r in rows[base])  # type: ignore[arg-type]
    for n in sizes:
        f = statistics.median(float(r["flow"]) for r in rows[n])  # type: ignore[arg-type]
        print(f"growth N={n:,} vs {base:,}: flow {f / b:.2f}x")


if __name__ == "__main__":
    main()

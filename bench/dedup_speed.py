"""Near-duplicate speed: our vectorised MinHash + sort-based LSH vs datasketch, one core.

Usage:
    PYTHONPATH=. .venv/bin/python bench/dedup_speed.py                 # 10k and 100k, both
    PYTHONPATH=. .venv/bin/python bench/dedup_speed.py --sizes 10000 --engines ours
    PYTHONPATH=. .venv/bin/python bench/dedup_speed.py --sizes 1000000 --engines ours --stream

Documents are synthetic but shingle like news: a word-bigram model trained on the
articleBody texts of the extraction benchmark (~100k real words) writes ~3 KB base
stories; 40% of the corpus are bases, the rest syndicated copies of a random base
(other-site chrome around it, a trimmed copy keeping 60-90% of its paragraphs, or an
edited copy with ~3% of words replaced and a new headline). Each (engine, size) runs in
its own subprocess pinned to one core, so peak RSS is that engine's alone ("texts MB" is
the process's RSS after generating the corpus, before the engine runs).

End to end means texts in, near-duplicate clusters out:
- ours: `signatures` in batches of 2,000 texts, then `lsh_candidates` over all,
  `near_duplicate_score` verification and connected components (`components`);
  `--full` also times `cluster_documents` (exact groups, canonicals, stories).
- datasketch: Python word 5-shingles, `MinHash.bulk` (its fastest documented path),
  `MinHashLSH` with the same (bands, rows), insert all then query all, the same
  Jaccard >= threshold check on candidates, and union-find.
`--repeat N` runs each (size, engine) N times and shows the fastest (as timeit does: the
machine is shared, and noise only ever slows a run down). `--stream` (ours only)
generates and signs the corpus in chunks of 20,000 and keeps only signatures and shingle
counts, as the warehouse does, then clusters from those.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

GROUND_TRUTH = Path("/work/shared/bench/extraction/dev/ground-truth.json")
BASE_SHARE = 0.4
"""Share of the corpus that are original stories; the rest are syndicated copies."""
N_SITES = 50
"""Sites whose chrome wraps copies: each site's menu/footer text repeats across its pages."""
WORDS_PER_DOC = 480
"""~3 KB of text per base story (mean word + space ~ 6.3 bytes in the training text)."""
BATCH = 2000
"""Texts per `signatures` call, as the pipeline's batches."""


class BigramModel:
    """Word-bigram sampler over real text: realistic word and 5-gram statistics."""

    def __init__(self, texts: list[str]) -> None:
        words = re.findall(r"\S+", "\n".join(texts))
        vocab, ids = np.unique(np.array(words), return_inverse=True)
        order = np.argsort(ids[:-1], kind="stable")
        self.vocab = vocab
        self.succ = ids[1:][order]
        self.start = np.searchsorted(ids[:-1][order], np.arange(len(vocab)))
        self.count = np.bincount(ids[:-1], minlength=len(vocab))
        self.ids = ids

    def sample(self, rng: np.random.Generator, n_docs: int, n_words: int) -> np.ndarray:
        """(n_docs, n_words) word ids, each row a random walk on the bigram graph."""
        out = np.empty((n_docs, n_words), dtype=np.int64)
        cur = self.ids[rng.integers(0, len(self.ids) - 1, n_docs)]
        for j in range(n_words):
            out[:, j] = cur
            cnt = self.count[cur]
            dead = cnt == 0
            pick = (rng.random(n_docs) * np.maximum(cnt, 1)).astype(np.int64)
            nxt = self.succ[np.minimum(self.start[cur] + pick, len(self.succ) - 1)]
            cur = np.where(dead, self.ids[rng.integers(0, len(self.ids) - 1, n_docs)], nxt)
        return out

    def text(self, row: np.ndarray, para_every: int = 60) -> str:
        words = self.vocab[row].tolist()
        paras = [" ".join(words[i : i + para_every]) for i in range(0, len(words), para_every)]
        return "\n\n".join(paras)


def load_model(path: Path = GROUND_TRUTH) -> BigramModel:
    truth = json.loads(path.read_text(encoding="utf-8"))
    return BigramModel([v["articleBody"] for v in truth.values()])


def synthetic_corpus(model: BigramModel, n: int, seed: int) -> list[str]:
    """n texts: BASE_SHARE originals, the rest wrapped / trimmed / edited copies."""
    rng = np.random.default_rng(seed)
    n_base = max(1, int(n * BASE_SHARE))
    base_ids = model.sample(rng, n_base, WORDS_PER_DOC)
    chrome = model.sample(np.random.default_rng(12345), N_SITES * 2, 40)
    heads = [model.text(chrome[2 * s]) for s in range(N_SITES)]
    feet = [model.text(chrome[2 * s + 1]) for s in range(N_SITES)]
    texts = [model.text(r) for r in base_ids]
    n_copy = n - n_base
    src = rng.integers(0, n_base, n_copy)
    kind = rng.integers(0, 3, n_copy)
    site = rng.integers(0, N_SITES, n_copy)
    for c in range(n_copy):
        row = base_ids[src[c]]
        if kind[c] == 0:  # other-site chrome around the full text
            texts.append(heads[site[c]] + "\n\n" + texts[src[c]] + "\n\n" + feet[site[c]])
        elif kind[c] == 1:  # trimmed: 60-90% of the paragraphs
            keep = int(len(row) * rng.uniform(0.6, 0.9)) // 60 * 60 or 60
            texts.append(model.text(row[:keep]))
        else:  # edited: new headline, ~3% of the words replaced
            edit = row.copy()
            pos = rng.random(len(edit)) < 0.03
            edit[pos] = model.ids[rng.integers(0, len(model.ids), int(pos.sum()))]
            texts.append("Breaking update\n\n" + model.text(edit))
    perm = rng.permutation(n)
    return [texts[i] for i in perm]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def run_ours(texts: list[str], full: bool) -> dict[str, object]:
    from cleaners.dedup import (
        DedupDoc,
        MinHashConfig,
        cluster_documents,
        components,
        lsh_candidates,
        near_duplicate_score,
        signatures,
    )

    cfg = MinHashConfig()
    t0 = time.perf_counter()
    parts = [signatures(texts[i : i + BATCH], cfg) for i in range(0, len(texts), BATCH)]
    sigs = np.concatenate([p[0] for p in parts])
    sizes = np.concatenate([p[1] for p in parts])
    t1 = time.perf_counter()
    pairs = lsh_candidates(sigs, cfg, active=sizes > 0)
    _, ok = near_duplicate_score(sigs, sizes, pairs, cfg)
    labels = components(len(texts), pairs[ok])
    t2 = time.perf_counter()
    out: dict[str, object] = {
        "signature_s": t1 - t0,
        "cluster_s": t2 - t1,
        "total_s": t2 - t0,
        "candidates": len(pairs),
        "near_clusters": len(np.unique(labels)),
    }
    if full:
        docs = [DedupDoc(f"{i:09d}", t, None, None, "2024-01-01") for i, t in enumerate(texts)]
        t3 = time.perf_counter()
        rows = cluster_documents(docs, sigs, sizes, cfg)
        out["cluster_documents_s"] = time.perf_counter() - t3
        out["story_clusters"] = len({r.story_cluster for r in rows})
    return out


def run_ours_streamed(model: BigramModel, n: int, seed: int) -> dict[str, object]:
    from cleaners.dedup import (
        MinHashConfig,
        components,
        lsh_candidates,
        near_duplicate_score,
        signatures,
    )

    cfg = MinHashConfig()
    chunk = 20000
    sigs = np.empty((n, cfg.num_perm), dtype=np.uint32)
    sizes = np.empty(n, dtype=np.int32)
    gen_s = sig_s = 0.0
    for lo in range(0, n, chunk):
        g = time.perf_counter()
        texts = synthetic_corpus(model, min(chunk, n - lo), seed + lo)
        s = time.perf_counter()
        for b in range(0, len(texts), BATCH):
            sg, sz = signatures(texts[b : b + BATCH], cfg)
            sigs[lo + b : lo + b + len(sg)] = sg
            sizes[lo + b : lo + b + len(sg)] = sz
        gen_s += s - g
        sig_s += time.perf_counter() - s
    t1 = time.perf_counter()
    pairs = lsh_candidates(sigs, cfg, active=sizes > 0)
    _, ok = near_duplicate_score(sigs, sizes, pairs, cfg)
    labels = components(n, pairs[ok])
    t2 = time.perf_counter()
    return {
        "generate_s": gen_s,
        "signature_s": sig_s,
        "cluster_s": t2 - t1,
        "total_s": sig_s + t2 - t1,
        "candidates": len(pairs),
        "near_clusters": len(np.unique(labels)),
    }


def run_datasketch(texts: list[str]) -> dict[str, object]:
    from datasketch import MinHash, MinHashLSH

    from cleaners.dedup import MinHashConfig

    cfg = MinHashConfig()
    t0 = time.perf_counter()
    shingle_lists = []
    for t in texts:
        w = t.lower().split()
        k = cfg.shingle_size
        shingle_lists.append(
            [" ".join(w[i : i + k]).encode() for i in range(max(1, len(w) - k + 1))]
        )
    mhs = MinHash.bulk(shingle_lists, num_perm=cfg.num_perm)
    t1 = time.perf_counter()
    lsh = MinHashLSH(num_perm=cfg.num_perm, params=(cfg.bands, cfg.rows))
    with lsh.insertion_session() as session:
        for i, m in enumerate(mhs):
            session.insert(i, m)
    parent = list(range(len(texts)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    candidates = 0
    for i, m in enumerate(mhs):
        for j in lsh.query(m):
            if j > i:
                candidates += 1
                if m.jaccard(mhs[j]) >= cfg.jaccard_threshold:
                    parent[find(i)] = find(j)
    t2 = time.perf_counter()
    return {
        "signature_s": t1 - t0,
        "cluster_s": t2 - t1,
        "total_s": t2 - t0,
        "candidates": candidates,
        "near_clusters": len({find(i) for i in range(len(texts))}),
    }


def child(engine: str, n: int, seed: int, full: bool, stream: bool) -> None:
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    model = load_model()
    if stream:
        res = run_ours_streamed(model, n, seed)
    else:
        g = time.perf_counter()
        texts = synthetic_corpus(model, n, seed)
        gen_s = time.perf_counter() - g
        base_rss = peak_rss_mb()
        res = run_ours(texts, full) if engine == "ours" else run_datasketch(texts)
        res["generate_s"] = gen_s
        res["corpus_mb"] = sum(len(t) for t in texts) / 1e6
        res["rss_before_mb"] = base_rss
    res.update(engine=engine, n=n, docs_per_s=n / float(res["total_s"]), peak_rss_mb=peak_rss_mb())
    print(json.dumps(res))


def runs(sizes: list[int], engines: list[str], args: argparse.Namespace) -> Iterator[dict]:
    env = {
        **os.environ,
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }
    for n in sizes:
        for engine in engines:
            cmd = [
                sys.executable,
                __file__,
                "--child",
                engine,
                "--sizes",
                str(n),
                "--seed",
                str(args.seed),
            ]
            cmd += ["--full"] if args.full else []
            cmd += ["--stream"] if args.stream else []
            best: dict | None = None
            for _ in range(args.repeat):
                proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
                if proc.returncode != 0:
                    sys.stderr.write(proc.stderr)
                    raise SystemExit(f"{engine} n={n} failed")
                res = json.loads(proc.stdout.strip().splitlines()[-1])
                if best is None or res["docs_per_s"] > best["docs_per_s"]:
                    best = res
            assert best is not None
            yield best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="10000,100000")
    ap.add_argument("--engines", default="ours,datasketch")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--full", action="store_true", help="also time cluster_documents")
    ap.add_argument(
        "--repeat", type=int, default=1, help="runs per (size, engine); the fastest is shown"
    )
    ap.add_argument("--stream", action="store_true", help="ours: signatures-only, streamed")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    if args.child:
        child(args.child, sizes[0], args.seed, args.full, args.stream)
        return
    results: dict[tuple[int, str], dict] = {}
    print(
        f"{'n':>9} {'engine':>10} {'docs/s':>9} {'sign s':>8} {'clust s':>8} "
        f"{'total s':>8} {'cands':>9} {'clusters':>9} {'peak MB':>8} {'texts MB':>8}"
    )
    for r in runs(sizes, args.engines.split(","), args):
        results[(r["n"], r["engine"])] = r
        print(
            f"{r['n']:>9} {r['engine']:>10} {r['docs_per_s']:>9.0f} {r['signature_s']:>8.1f} "
            f"{r['cluster_s']:>8.1f} {r['total_s']:>8.1f} {r['candidates']:>9} "
            f"{r['near_clusters']:>9} {r['peak_rss_mb']:>8.0f} "
            f"{r.get('rss_before_mb', 0):>8.0f}",
            flush=True,
        )
        if "cluster_documents_s" in r:
            print(
                f"{'':>9} cluster_documents (exact+near+stories): "
                f"{r['cluster_documents_s']:.1f} s, {r['story_clusters']} story clusters"
            )
        if (r["n"], "ours") in results and (r["n"], "datasketch") in results:
            ratio = (
                results[(r["n"], "ours")]["docs_per_s"]
                / results[(r["n"], "datasketch")]["docs_per_s"]
            )
            print(f"{'':>9} ours / datasketch end to end: {ratio:.2f}x")


if __name__ == "__main__":
    main()

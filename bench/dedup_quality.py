"""Near-duplicate quality on a syndication set built from real article texts.

Usage:
    PYTHONPATH=. .venv/bin/python bench/dedup_quality.py              # default config, 3 reps
    PYTHONPATH=. .venv/bin/python bench/dedup_quality.py --sweep      # k / num_perm / thresholds
    PYTHONPATH=. .venv/bin/python bench/dedup_quality.py --clean      # clean copies first

The set: every articleBody of /work/shared/bench/extraction/dev/ground-truth.json. 70% of
them are syndicated as four copies each:
- two *wrapped* copies: the text between another page's menus/teasers (up to 12
  non-article lines above the article in that page's text dump) and its footer (up to 12
  below), each from a different page, with at most as many chrome words as the article
  has (residual chrome after cleaning; `--clean` runs the real cleaner instead);
- a *trimmed* copy: the first 60-90% of the paragraphs (of sentences when there are
  fewer than four paragraphs);
- an *edited* copy: a new headline, 1-3 sentences dropped (at most ~15%), two sentences
  with two words replaced, straight and typographic quotes swapped.
The other 30% stay single, as distractors, together with the five seeds (five rewrites
of one story: the same story, but no near-duplicates). With `--clean`, every copy and
distractor goes through `cleaners.clean_text` first, as in the pipeline.

Truth: documents made from one source are one near-duplicate cluster. Prints pairwise
precision / recall / F1 of `cluster_documents`' near clusters against it, the LSH
candidate recall (true pairs that reach verification), and whether the seeds form one
story cluster that no dev page joins.
"""

from __future__ import annotations

import argparse
import json
import random
import re
from collections import Counter
from pathlib import Path

import numpy as np

from cleaners.dedup import DedupDoc, MinHashConfig, cluster_documents, normalize, signatures
from cleaners.dedup.lsh import lsh_candidates

DEV = Path("/work/shared/bench/extraction/dev")
SEEDS = Path(__file__).resolve().parents[1] / "seeds"
SYNDICATED_SHARE = 0.7
CHROME_LINES = 12
_SENT = re.compile(r"(?<=[.!?\u201d\"])\s+(?=[A-Z\u201c\"])")


def load_pages(dev: Path = DEV) -> list[tuple[str, str, str]]:
    """(page id, articleBody, text dump) for every dev page, sorted by id."""
    truth = json.loads((dev / "ground-truth.json").read_text(encoding="utf-8"))
    out = []
    for pid in sorted(truth):
        dump = dev / "text" / f"{pid}.txt"
        out.append((pid, truth[pid]["articleBody"], dump.read_text(encoding="utf-8")))
    return out


def chrome(body: str, dump: str, all_bodies: set[str]) -> tuple[list[str], list[str]]:
    """Lines of a page's text dump just above and just below its article body.

    A line is article text, not chrome, when it occurs in the page's body or when half of
    its word 3-grams occur in any dev article (standfirsts and leads the dump wraps
    differently); those are left out so chrome never carries another article's text.
    """
    norm_body = normalize(body)
    lines = [ln for ln in dump.splitlines() if ln.strip()]
    is_body = [len(ln.split()) >= 3 and normalize(ln) in norm_body for ln in lines]
    idx = [i for i, b in enumerate(is_body) if b]
    if not idx:
        return [], []

    def is_chrome(line: str) -> bool:
        grams = _grams(line)
        return not grams or sum(g in all_bodies for g in grams) < 0.5 * len(grams)

    head = [ln for ln in lines[: idx[0]] if is_chrome(ln)]
    foot = [ln for ln in lines[idx[-1] + 1 :] if is_chrome(ln)]
    return head[-CHROME_LINES:], foot[:CHROME_LINES]


def _grams(text: str) -> list[str]:
    w = re.findall(r"\w+", normalize(text))
    return [" ".join(w[i : i + 3]) for i in range(len(w) - 2)]


def wrap(body: str, head: list[str], foot: list[str]) -> str:
    """`body` between chrome lines, at most as many chrome words as body words: beyond
    that, the cleaner (`--clean`) is what should have removed it, not the deduplicator."""
    budget = len(body.split())
    h: list[str] = []
    f: list[str] = []
    for line_h, line_f in zip(reversed(head), foot + [""] * len(head), strict=False):
        for line, out in ((line_h, h), (line_f, f)):
            if line and len(line.split()) <= budget:
                budget -= len(line.split())
                out.append(line)
    return "\n".join([*reversed(h), "", body, "", *f])


def paragraphs(text: str) -> list[str]:
    return [p for p in re.split(r"\n\s*\n|\n", text) if p.strip()]


def trim(text: str, rng: random.Random) -> str:
    keep = rng.uniform(0.6, 0.9)
    paras = paragraphs(text)
    if len(paras) >= 4:
        return "\n\n".join(paras[: max(1, round(len(paras) * keep))])
    sents = _SENT.split(text)
    return " ".join(sents[: max(1, round(len(sents) * keep))])


def swap_quotes(text: str) -> str:
    if "\u201c" in text or "\u2019" in text:
        return (
            text.replace("\u201c", '"')
            .replace("\u201d", '"')
            .replace("\u2019", "'")
            .replace("\u2018", "'")
        )
    text = re.sub(r'"([^"\n]*)"', "\u201c\\1\u201d", text)
    return text.replace("'", "\u2019")


def edit(text: str, rng: random.Random) -> str:
    paras = paragraphs(text)
    units = [(pi, s) for pi, p in enumerate(paras) for s in _SENT.split(p)]
    n_drop = min(rng.randint(1, 3), max(0, int(len(units) * 0.15)))
    for _ in range(n_drop):
        units.pop(rng.randrange(len(units)))
    vocab = [w for w in re.findall(r"[A-Za-z]{4,}", text)]
    for _ in range(2):
        if not units or not vocab:
            break
        i = rng.randrange(len(units))
        words = units[i][1].split(" ")
        for _ in range(2):
            j = rng.randrange(len(words))
            words[j] = rng.choice(vocab)
        units[i] = (units[i][0], " ".join(words))
    out: dict[int, list[str]] = {}
    for pi, s in units:
        out.setdefault(pi, []).append(s)
    headline = " ".join(rng.sample(vocab, min(6, len(vocab)))).title() if vocab else "Update"
    return headline + "\n\n" + swap_quotes("\n\n".join(" ".join(v) for v in out.values()))


def build_set(seed: int, clean: bool = False) -> tuple[list[DedupDoc], list[str]]:
    """Documents and, aligned, their truth label (source id)."""
    rng = random.Random(seed)
    pages = load_pages()
    all_bodies = {g for _, body, _ in pages for g in _grams(body)}
    chromes = [chrome(body, dump, all_bodies) for _, body, dump in pages]
    order = list(range(len(pages)))
    rng.shuffle(order)
    n_synd = int(len(pages) * SYNDICATED_SHARE)
    texts: list[str] = []
    labels: list[str] = []
    for rank, i in enumerate(order):
        pid, body, _ = pages[i]
        texts.append(body)
        labels.append(pid)
        if rank >= n_synd:
            continue
        others = rng.sample([j for j in range(len(pages)) if j != i], 2)
        texts.append(wrap(body, *chromes[others[0]]))
        texts.append(wrap(body, *chromes[others[1]]))
        texts.append(trim(body, rng))
        texts.append(edit(body, rng))
        labels += [pid] * 4
    for p in sorted(SEEDS.glob("*.txt")):
        texts.append(p.read_text(encoding="utf-8"))
        labels.append(f"seed:{p.name}")
    if clean:
        from cleaners import clean_text  # optional: the text-dump cleaner

        texts = [clean_text(t).text for t in texts]
    docs = [
        DedupDoc(f"{k:05d}-{seed}", t, None, None, f"2024-01-01T00:{k % 60:02d}:00")
        for k, t in enumerate(texts)
    ]
    return docs, labels


def pair_counts(pred: list[str], truth: list[str]) -> tuple[int, int, int]:
    """(true positive, predicted, actual) same-cluster pair counts."""

    def pairs(lab: list[str]) -> int:
        return sum(c * (c - 1) // 2 for c in Counter(lab).values())

    both = pairs([f"{p}|{t}" for p, t in zip(pred, truth, strict=True)])
    return both, pairs(pred), pairs(truth)


def evaluate(cfg: MinHashConfig, reps: int, clean: bool, verbose: bool) -> dict[str, float]:
    tp = npred = ntrue = cand_tp = 0
    seeds_ok = 0
    for rep in range(reps):
        docs, labels = build_set(rep, clean)
        sigs, sizes = signatures([d.text for d in docs], cfg)
        rows = cluster_documents(docs, sigs, sizes, cfg)
        by_id = {r.doc_id: r for r in rows}
        pred = [by_id[d.doc_id].near_cluster for d in docs]
        a, b, c = pair_counts(pred, labels)
        tp, npred, ntrue = tp + a, npred + b, ntrue + c
        cands = lsh_candidates(sigs, cfg, active=sizes > 0)
        lab = np.array(labels)
        cand_tp += int((lab[cands[:, 0]] == lab[cands[:, 1]]).sum())
        story = [by_id[d.doc_id].story_cluster for d in docs]
        seed_story = {s for s, lb in zip(story, labels, strict=True) if lb.startswith("seed:")}
        intruders = [
            lb
            for s, lb in zip(story, labels, strict=True)
            if s in seed_story and not lb.startswith("seed:")
        ]
        seeds_ok += len(seed_story) == 1 and not intruders
        if verbose:
            missed = [
                (labels[i], docs[i].doc_id)
                for i in range(len(docs))
                if pred[i] != pred[labels.index(labels[i])]
            ]
            wrong = Counter(pred[i] for i in range(len(docs)))
            print(
                f"  rep {rep}: {len(docs)} docs, {len(set(labels))} sources, "
                f"{len(set(pred))} near clusters, seeds one story: {len(seed_story) == 1}, "
                f"dev pages in it: {len(intruders)}, split members: {len(missed)}, "
                f"largest cluster: {max(wrong.values())}"
            )
    p = tp / npred if npred else 1.0
    r = tp / ntrue if ntrue else 1.0
    return {
        "precision": p,
        "recall": r,
        "f1": 2 * p * r / (p + r) if p + r else 0.0,
        "lsh_recall": cand_tp / ntrue if ntrue else 1.0,
        "seeds_ok": seeds_ok / reps,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=3, help="random syndication sets")
    ap.add_argument("--sweep", action="store_true")
    ap.add_argument("--clean", action="store_true", help="run copies through clean_text")
    args = ap.parse_args()
    configs = [MinHashConfig()]
    if args.sweep:
        configs = [MinHashConfig(shingle_size=k) for k in (3, 4, 5, 7, 9)]
        configs += [MinHashConfig(num_perm=64, bands=21), MinHashConfig(num_perm=256, bands=85)]
        configs += [MinHashConfig(bands=32, rows=4), MinHashConfig(bands=64, rows=2)]
        configs += [MinHashConfig(jaccard_threshold=t) for t in (0.3, 0.4, 0.6, 0.7)]
        configs += [MinHashConfig(containment_threshold=t) for t in (0.5, 0.6, 0.8, 0.9)]
    print(
        f"{'k':>2} {'perm':>4} {'bands':>9} {'J>=':>4} {'C>=':>4} {'P':>6} {'R':>6} "
        f"{'F1':>6} {'LSH R':>6} seeds-one-story"
    )
    for cfg in configs:
        res = evaluate(cfg, args.reps, args.clean, verbose=not args.sweep)
        print(
            f"{cfg.shingle_size:>2} {cfg.num_perm:>4} {cfg.bands:>4}x{cfg.rows:<4} "
            f"{cfg.jaccard_threshold:>4} {cfg.containment_threshold:>4} "
            f"{res['precision']:.4f} {res['recall']:.4f} {res['f1']:.4f} "
            f"{res['lsh_recall']:.4f} {res['seeds_ok']:.0%}",
            flush=True,
        )


if __name__ == "__main__":
    main()

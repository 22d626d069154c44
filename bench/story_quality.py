"""Story-level quality: SemEval-2022 task 8 English pairs, and the seeds vs the dev pages.

Usage:
    PYTHONPATH=. .venv/bin/python bench/story_quality.py

1. Pairs: /work/shared/bench/dedup/semeval2022_task8_hfl_sample/{training,testing}_set.csv,
   rows with lang1 == lang2 == "en"; Overall <= 1.5 is "same story", >= 3.5 "different",
   the rest are left out (DATA.md there). Texts are read from /work/shared only, never
   copied. IDF and the boilerplate-sentence counts come from every English text of both
   files (1,193 texts, no labels), standing in for the warehouse corpus. Prints the ROC AUC
   of each signal and precision / recall / F1 of `same_story` at the pipeline's threshold
   (`SCORE_THRESHOLD`, chosen on the training pairs) for training and test pairs, and the
   threshold the training pairs would pick now (highest recall at precision >= 0.95), and
   the same figures when a pair must also be found by `story_candidates` over all pair
   texts, as in the pipeline.
2. Seeds: `story_clusters` over the five seeds plus the 127 articleBody texts of the
   extraction dev pages (other events). The seeds must be one story, with no dev page.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
from sklearn.metrics import roc_auc_score

from cleaners.dedup.stories import (
    DEFAULT_STORY_CONFIG,
    pair_signals,
    same_story,
    story_candidates,
    story_clusters,
    story_features,
    story_score,
)
from schemas import Article

SEMEVAL = Path("/work/shared/bench/dedup/semeval2022_task8_hfl_sample")
DEV_TRUTH = Path("/work/shared/bench/extraction/dev/ground-truth.json")
SEEDS = Path(__file__).resolve().parents[1] / "seeds"
SEED_DATES = ["2023-06-08", "2023-06-08", "2023-06-08", "2023-06-08", "2023-06-16"]
"""The dates on the seed dumps' headers (seed 4 carries a later crawl date)."""


def load_pairs(name: str) -> tuple[list[tuple[str, str]], np.ndarray]:
    csv.field_size_limit(1 << 30)
    with (SEMEVAL / f"{name}_set.csv").open(encoding="utf-8", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["lang1"] == r["lang2"] == "en"]
    rows = [r for r in rows if float(r["Overall"]) <= 1.5 or float(r["Overall"]) >= 3.5]
    return [(r["text1"], r["text2"]) for r in rows], np.array(
        [float(r["Overall"]) <= 1.5 for r in rows]
    )


def english_corpus() -> list[str]:
    csv.field_size_limit(1 << 30)
    texts: set[str] = set()
    for name in ("training", "testing"):
        with (SEMEVAL / f"{name}_set.csv").open(encoding="utf-8", newline="") as f:
            for r in csv.DictReader(f):
                texts.update(r[f"text{i}"] for i in (1, 2) if r[f"lang{i}"] == "en")
    return sorted(texts)


def prf(pred: np.ndarray, y: np.ndarray) -> tuple[float, float, float]:
    tp = int((pred & y).sum())
    p = tp / max(1, int(pred.sum()))
    r = tp / max(1, int(y.sum()))
    return p, r, 2 * p * r / (p + r) if p + r else 0.0


def semeval() -> None:
    corpus = english_corpus()
    cfg = DEFAULT_STORY_CONFIG
    print(
        f"SemEval-2022 task 8, English pairs; IDF corpus {len(corpus)} texts; "
        f"threshold {cfg.score_threshold}"
    )
    print(
        f"{'split':>8} {'pairs':>5} {'same':>4} {'AUC cos':>7} {'AUC ent':>7} {'AUC quo':>7} "
        f"{'AUC scr':>7} {'P':>6} {'R':>6} {'F1':>6}"
    )
    for name in ("training", "testing"):
        pairs, y = load_pairs(name)
        n = len(pairs)
        texts = [a for a, _ in pairs] + [b for _, b in pairs]
        feats = story_features(texts, cfg=cfg, idf_texts=corpus, with_entities=True)
        sig = pair_signals(feats, np.array([(i, i + n) for i in range(n)]))
        score = story_score(sig, cfg)
        p, r, f1 = prf(same_story(sig, cfg), y)
        aucs = [roc_auc_score(y, sig[k].astype(float)) for k in ("cosine", "entities", "quote")]
        print(
            f"{name:>8} {n:>5} {int(y.sum()):>4} {aucs[0]:>7.3f} {aucs[1]:>7.3f} "
            f"{aucs[2]:>7.3f} {roc_auc_score(y, score):>7.3f} {p:>6.3f} {r:>6.3f} {f1:>6.3f}"
        )
        cand = story_candidates(feats, cfg)
        codes = set((cand[:, 0] * (2 * n) + cand[:, 1]).tolist())
        found = np.array([i * (2 * n) + i + n in codes for i in range(n)])
        p2, r2, f2 = prf(same_story(sig, cfg) & found, y)
        print(
            f"{'':>8} via candidate search: {found[y].mean():.3f} of same-story pairs are "
            f"candidates; P {p2:.3f} R {r2:.3f} F1 {f2:.3f}"
        )
        if name == "training":
            best = max(
                (prf(score >= t, y)[1], -t)
                for t in np.unique(score)
                if prf(score >= t, y)[0] >= 0.95
            )
            print(
                f"{'':>8} training would pick threshold {-best[1]:.3f} "
                f"(recall {best[0]:.3f} at precision >= 0.95)"
            )


def seeds_vs_dev() -> None:
    truth = json.loads(DEV_TRUTH.read_text(encoding="utf-8"))
    arts = [Article(doc_id=f"dev-{k}", text=v["articleBody"]) for k, v in truth.items()]
    for p, d in zip(sorted(SEEDS.glob("*.txt")), SEED_DATES, strict=True):
        arts.append(
            Article(doc_id=f"seed-{p.stem}", text=p.read_text(encoding="utf-8"), published_at=d)
        )
    story = story_clusters(arts)
    seed_stories = {s for k, s in story.items() if k.startswith("seed-")}
    intruders = [k for k, s in story.items() if s in seed_stories and k.startswith("dev-")]
    dev_multi = sum(
        1
        for s in {story[a.doc_id] for a in arts if a.doc_id.startswith("dev-")}
        if sum(v == s for v in story.values()) > 1
    )
    print(
        f"seeds + {len(truth)} dev pages: seed story clusters {len(seed_stories)} "
        f"(want 1), dev pages in it {len(intruders)} (want 0), "
        f"dev-only multi-page stories {dev_multi}"
    )


if __name__ == "__main__":
    semeval()
    seeds_vs_dev()

"""Train the line model shipped in cleaners/models/line_model.json, with page-wise CV.

Usage:
    PYTHONPATH=. .venv/bin/python bench/train_line_model.py [--data DIR] [--folds 5] [--no-write]

Labels come from aligning each non-blank line of a dev text dump with the page's
ground-truth article body: a line of 4+ words is body when at least half of its word
4-grams occur in the truth; a shorter line is body when its words occur in the truth
in order and the nearest long lines on both sides are body. The model is a
scikit-learn GradientBoostingClassifier over `cleaners.features.FEATURE_NAMES`,
exported as plain JSON trees (see `cleaners.model`). The figure to report is the
cross-validated one: K folds split by page, each fold's model scored with the full
`clean_text` (and `clean_html`) on pages it never saw.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.extraction_quality import DEFAULT_DATA, Page, evaluate, load_pages  # noqa: E402
from cleaners.features import FEATURE_NAMES, LineStats, features, line_stats  # noqa: E402
from cleaners.language import detect_language, stoplist  # noqa: E402
from cleaners.lines import FALLBACK_LANGUAGE, split_lines  # noqa: E402
from cleaners.html import extract  # noqa: E402
from cleaners.model import MODEL_FILES, TreeModel, model_from_dict, model_override  # noqa: E402
from cleaners.options import DEFAULT_OPTIONS, PATTERN_MAX_WORDS  # noqa: E402

_TOKEN = re.compile(r"\w+")
MODEL_DIR = Path(__file__).resolve().parents[1] / "cleaners" / "models"
KINDS = ("text", "html")

BODY_SHARE = 0.5
"""Share of a line's 4-grams found in the truth that makes it body."""

PARAMS = {
    "n_estimators": 150,
    "max_depth": 4,
    "learning_rate": 0.1,
    "subsample": 0.8,
    "min_samples_leaf": 20,
    "random_state": 0,
}
"""GradientBoostingClassifier settings (small: the file stays ~100 KB, prediction stays fast)."""


def label_lines(stats: Sequence[LineStats], truth: str) -> np.ndarray:
    """1 for body lines, 0 otherwise, by alignment with the ground truth (see module doc)."""
    tokens = _TOKEN.findall(truth)
    grams = {n: {tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)} for n in (1, 2, 3, 4)}
    labels = np.zeros(len(stats), dtype=np.int64)
    short: list[int] = []
    long_idx: list[int] = []
    for j, s in enumerate(stats):
        t = _TOKEN.findall(s.text)
        if len(t) >= 4:
            g = [tuple(t[i : i + 4]) for i in range(len(t) - 3)]
            labels[j] = int(sum(x in grams[4] for x in g) >= BODY_SHARE * len(g))
            long_idx.append(j)
        elif t and tuple(t) in grams[len(t)]:
            short.append(j)
    for j in short:
        before = [k for k in long_idx if k < j]
        after = [k for k in long_idx if k > j]
        if before and after and labels[before[-1]] and labels[after[0]]:
            labels[j] = 1
    return labels


def page_lines(page: Page, kind: str) -> tuple[list[str], str | None]:
    """The lines the cleaner of `kind` classifies, and the language it would use."""
    if kind == "text":
        return split_lines(page.text), detect_language(page.text)
    doc, lines, _ = extract(page.html, page.url, DEFAULT_OPTIONS)
    text = "\n".join(lines)
    return lines, (getattr(doc, "language", None) if doc else None) or detect_language(text)


def page_matrices(page: Page, kind: str = "text") -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """The page's matrices: as the cleaner sees it, then augmented variants.

    The variant is the bare article (truth paragraphs, no chrome): real dumps always end
    in a footer, so without it a model learns "the last lines are never body" and strips
    already-clean input.
    """
    lines, language = page_lines(page, kind)
    bare = [line for para in page.truth.split("\n") if para.strip() for line in (para, "")]
    return [lines_matrix(lines, language, page.truth), lines_matrix(bare, language, page.truth)]


def lines_matrix(
    lines: Sequence[str], language: str | None, truth: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(features, labels, weights) for the non-blank lines of one page."""
    stops = stoplist(language or FALLBACK_LANGUAGE) or stoplist(FALLBACK_LANGUAGE)
    stats = [line_stats(line, stops, PATTERN_MAX_WORDS) for line in lines if line.strip()]
    x = features(stats)
    y = label_lines(stats, truth)
    w = np.array([1.0 + np.log1p(s.words) for s in stats])
    return x, y, w


def training_set(
    mats: Sequence[list[tuple[np.ndarray, ...]]], pages: Iterable[int]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Stack the matrices of the chosen pages (and, for each, its augmented variants)."""
    rows = [m for i in pages for m in mats[i] if len(m[1])]
    return tuple(np.concatenate([r[c] for r in rows]) for c in range(3))  # type: ignore[return-value]


def fit(xs: np.ndarray, ys: np.ndarray, ws: np.ndarray) -> object:
    from sklearn.ensemble import GradientBoostingClassifier

    clf = GradientBoostingClassifier(**PARAMS)
    clf.fit(xs, ys, sample_weight=ws)
    return clf


def export(clf: object, meta: dict[str, object]) -> dict[str, object]:
    """The JSON structure `cleaners.model.model_from_dict` reads."""
    trees = []
    for est in clf.estimators_[:, 0]:  # type: ignore[attr-defined]
        t = est.tree_
        trees.append({
            "feature": [int(f) if f >= 0 else 0 for f in t.feature],
            "threshold": [float(v) for v in t.threshold],
            "left": [int(v) for v in t.children_left],
            "right": [int(v) for v in t.children_right],
            "value": [round(float(v), 6) for v in t.value[:, 0, 0]],
        })
    init = float(clf._raw_predict_init(np.zeros((1, len(FEATURE_NAMES))))[0, 0])  # type: ignore[attr-defined]
    return {
        "format": "presswash-gbdt/1",
        "feature_names": list(FEATURE_NAMES),
        "init": init,
        "learning_rate": PARAMS["learning_rate"],
        "max_depth": PARAMS["max_depth"],
        "trees": trees,
        "meta": meta,
    }


def cross_validate(
    pages: Sequence[Page],
    mats: dict[str, list[list[tuple[np.ndarray, ...]]]],
    folds: int,
    out: Path | None = None,
) -> dict[str, float]:
    """K-fold by page: each fold's models clean only pages they were not trained on."""
    from cleaners import clean_html, clean_text

    order = np.random.default_rng(0).permutation(len(pages))
    fold_of = np.empty(len(pages), dtype=np.int64)
    fold_of[order] = np.arange(len(pages)) % folds
    preds_t: list[str] = [""] * len(pages)
    preds_h: list[str] = [""] * len(pages)
    for k in range(folds):
        train = [i for i in range(len(pages)) if fold_of[i] != k]
        models: dict[str, TreeModel] = {}
        for kind in KINDS:
            clf = fit(*training_set(mats[kind], train))
            models[kind] = model_from_dict(export(clf, {}))
        with model_override(models["text"], "text"), model_override(models["html"], "html"):
            for i in np.flatnonzero(fold_of == k):
                preds_t[i] = clean_text(pages[i].text, url=pages[i].url).text
                preds_h[i] = clean_html(pages[i].html, url=pages[i].url).text
        print(f"  fold {k + 1}/{folds} done", flush=True)
    trues = [p.truth for p in pages]
    st, sh = evaluate(preds_t, trues), evaluate(preds_h, trues)
    if out is not None:
        out.write_text(json.dumps({p.id: {"text": t, "html": h} for p, t, h in zip(pages, preds_t, preds_h, strict=True)}))
    return {
        "folds": folds,
        "precision_text": round(st.precision, 4),
        "recall_text": round(st.recall, 4),
        "f1_text": round(st.f1, 4),
        "precision_html": round(sh.precision, 4),
        "recall_html": round(sh.recall, 4),
        "f1_html": round(sh.f1, 4),
    }


def main(argv: Sequence[str] | None = None) -> int:
    import sklearn

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--no-cv", action="store_true")
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--cv-out", type=Path, default=None, help="write held-out predictions (JSON) here")
    args = ap.parse_args(argv)
    start = time.perf_counter()
    pages = load_pages(args.data)
    mats = {kind: [page_matrices(p, kind) for p in pages] for kind in KINDS}
    for kind in KINDS:
        n_lines = sum(len(m[0][1]) for m in mats[kind])
        n_body = int(sum(m[0][1].sum() for m in mats[kind]))
        print(f"{kind}: {len(pages)} pages, {n_lines} lines, {n_body} labelled body")
    cv = {} if args.no_cv else cross_validate(pages, mats, args.folds, args.cv_out)
    if cv:
        print(f"cross-validated ({cv['folds']}-fold by page): clean_text P {cv['precision_text']:.3f} "
              f"R {cv['recall_text']:.3f} F1 {cv['f1_text']:.3f}; clean_html P {cv['precision_html']:.3f} "
              f"R {cv['recall_html']:.3f} F1 {cv['f1_html']:.3f}")
    for kind in KINDS:
        clf = fit(*training_set(mats[kind], range(len(pages))))
        meta = {
            "kind": kind,
            "trained_on": f"article-extraction-benchmark dev split ({len(pages)} pages), "
            + ("text dumps" if kind == "text" else "trafilatura output of the HTML"),
            "n_pages": len(pages),
            "n_lines": int(sum(len(m[0][1]) for m in mats[kind])),
            "n_trees": PARAMS["n_estimators"],
            "params": PARAMS,
            "sklearn": sklearn.__version__,
            "cv": cv,
            "retrain": "PYTHONPATH=. .venv/bin/python bench/train_line_model.py",
        }
        data = export(clf, meta)
        xs = np.concatenate([m[0][0] for m in mats[kind] if len(m[0][1])])
        ours = model_from_dict(data).predict_proba(xs)
        theirs = clf.predict_proba(xs)[:, 1]  # type: ignore[attr-defined]
        print(f"{kind} export check: max |ours - sklearn| = {np.abs(ours - theirs).max():.2e}")
        if not args.no_write:
            path = MODEL_DIR / MODEL_FILES[kind]
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(data, separators=(",", ":")), encoding="utf-8")
            print(f"wrote {path} ({path.stat().st_size // 1024} KB)")
    print(f"{time.perf_counter() - start:.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

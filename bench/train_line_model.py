"""Train the line model shipped in cleaners/models/line_model.json, with page-wise CV.

Usage:
    PYTHONPATH=. .venv/bin/python bench/train_line_model.py [--data DIR ...] [--folds 5]
        [--no-write] [--fold-models DIR]

`--no-write` prints the CV and stops: no final fit on all pages, nothing written.
`--fold-models DIR` keeps each CV fold's models in DIR (trained the first time, read after),
so a change made after the model (a revision rule, a reason, the head finder) is scored
with the same models: `--no-write --fold-models /tmp/folds`, before and after the change.

Trains on both dev sets by default (the article benchmark's dev split and the Readability
pages, `../shared/bench/{extraction/dev,readability}`), pooled; the model meta records
which sets it saw, so the quality bench scores those only by cross-validation.

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
import tempfile
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.extraction_quality import (
    DEFAULT_DATA,
    READABILITY_DATA,
    Page,
    Score,
    evaluate,
    load_pages,
)
from cleaners.features import FEATURE_NAMES, STACK_FEATURES, features, stack_features
from cleaners.html import extract
from cleaners.lines import split_lines, tabulate
from cleaners.metadata import html_metadata
from cleaners.model import MODEL_FILES, model_from_dict, model_override
from cleaners.options import DEFAULT_OPTIONS

_TOKEN = re.compile(r"\w+")
MODEL_DIR = Path(__file__).resolve().parents[1] / "cleaners" / "models"
KINDS = ("text", "html")

BODY_SHARE = 0.5
"""Share of a line's 4-grams found in the truth that makes it body."""

# Smaller models were tried for speed (evaluation is bound by lines x trees x depth) and did
# not hold quality. Cross-validated text/HTML F1 on dev, each a fresh run (runs vary by
# ~0.002): 80 trees 0.907/0.966 (shipped), 60 trees 0.903, 50 trees 0.905/0.965, 50 trees at
# learning rate 0.15 0.898/0.964, depth 4 0.906/0.964, one stage 0.897/0.964
# (`--text-trees`, `--html-trees`, `--max-depth`, `--learning-rate`, `--stages`).
PARAMS = {
    "max_iter": 80,
    "max_leaf_nodes": 12,
    "max_depth": 5,
    "learning_rate": 0.1,
    "min_samples_leaf": 20,
    "l2_regularization": 1.0,
    "early_stopping": False,
    "random_state": 0,
}
"""HistGradientBoostingClassifier settings (small: files stay ~200 KB, prediction stays fast)."""

WORKERS = 2
"""Folds run in parallel worker processes."""

INNER_FOLDS = 3
"""Folds for the out-of-fold stage-1 scores that stage 2 is trained on."""

STAGES = 2
"""Tree stages (1: own and neighbour features only; 2: plus a re-scoring stage)."""


def label_lines(texts: Sequence[str], truth: str) -> np.ndarray:
    """1 for body lines, 0 otherwise, by alignment with the ground truth (see module doc)."""
    tokens = _TOKEN.findall(truth)
    grams = {
        n: {tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)} for n in (1, 2, 3, 4)
    }
    labels = np.zeros(len(texts), dtype=np.int64)
    short: list[int] = []
    long_idx: list[int] = []
    for j, text in enumerate(texts):
        t = _TOKEN.findall(text)
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
    """The lines the cleaner of `kind` classifies, and the language it declares (a hint for
    detection, as `clean_html` uses `<html lang>`; None for dumps)."""
    if kind == "text":
        return split_lines(page.text), None
    lines, _ = extract(page.html, page.url or None, DEFAULT_OPTIONS)
    return lines, html_metadata(page.html).language


def page_matrices(
    page: Page, kind: str = "text"
) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """The page's matrices: as the cleaner sees it, then augmented variants.

    The variant is the bare article (truth paragraphs, no chrome): real dumps always end
    in a footer, so without it a model learns "the last lines are never body" and strips
    already-clean input.
    """
    lines, hint = page_lines(page, kind)
    real, language = lines_matrix(lines, None, page.truth, hint)
    bare = [line for para in page.truth.split("\n") if para.strip() for line in (para, "")]
    return [real, lines_matrix(bare, language, page.truth)[0]]


def lines_matrix(
    lines: Sequence[str], language: str | None, truth: str, language_hint: str | None = None
) -> tuple[tuple[np.ndarray, np.ndarray, np.ndarray], str | None]:
    """((features, labels, weights), language) for the non-blank lines, exactly as the cleaner
    tabulates them."""
    table = tabulate(lines, DEFAULT_OPTIONS, language, language_hint)
    x = features(table.page)
    y = label_lines(table.page.texts, truth)
    w = 1.0 + np.log1p(table.page.words)
    return (x, y, w), table.language


def page_rows(
    mats: Sequence[list[tuple[np.ndarray, ...]]], pages: Iterable[int]
) -> list[tuple[np.ndarray, ...]]:
    """The matrices of the chosen pages and of their augmented variants, non-empty only."""
    return [m for i in pages for m in mats[i] if len(m[1])]


def fit_stage(
    rows: Sequence[tuple[np.ndarray, ...]],
    params: dict[str, object],
    extra: Sequence[np.ndarray] | None = None,
) -> object:
    """Fit one boosted-tree stage on stacked rows (plus per-row extra columns)."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    xs = [
        r[0] if extra is None else np.hstack([r[0], e])
        for r, e in zip(rows, extra or [None] * len(rows), strict=True)
    ]
    clf = HistGradientBoostingClassifier(**params)
    clf.fit(
        np.concatenate(xs),
        np.concatenate([r[1] for r in rows]),
        sample_weight=np.concatenate([r[2] for r in rows]),
    )
    return clf


def export_stage(clf: object, names: Sequence[str]) -> dict[str, object]:
    """One fitted HistGradientBoostingClassifier as JSON trees (`cleaners.model`)."""
    trees = []
    depth = 1
    for (predictor,) in clf._predictors:  # type: ignore[attr-defined]
        nodes = predictor.nodes
        leaf = nodes["is_leaf"].astype(bool)
        depth = max(depth, int(nodes["depth"].max()))
        trees.append(
            {
                "feature": [
                    0 if lf else int(f) for f, lf in zip(nodes["feature_idx"], leaf, strict=True)
                ],
                "threshold": [float(t) for t in nodes["num_threshold"]],
                "left": [-1 if lf else int(v) for v, lf in zip(nodes["left"], leaf, strict=True)],
                "right": [-1 if lf else int(v) for v, lf in zip(nodes["right"], leaf, strict=True)],
                "value": [
                    round(float(v), 7) if lf else 0.0
                    for v, lf in zip(nodes["value"], leaf, strict=True)
                ],
            }
        )
    return {
        "feature_names": list(names),
        "init": float(np.ravel(clf._baseline_prediction)[0]),  # type: ignore[attr-defined]
        "max_depth": depth,
        "trees": trees,
    }


def fit_line_model(
    rows: Sequence[tuple[np.ndarray, ...]],
    meta: dict[str, object],
    params: dict[str, object],
    stages: int = STAGES,
) -> dict[str, object]:
    """One or two stages: stage 2 learns from out-of-fold stage-1 scores of the neighbours."""
    clf = fit_stage(rows, params)
    stage1 = export_stage(clf, FEATURE_NAMES)
    xs = np.concatenate([r[0] for r in rows])
    gap = np.abs(
        model_from_dict({"stages": [stage1]}).predict_proba(xs) - clf.predict_proba(xs)[:, 1]
    )  # type: ignore[attr-defined]
    if gap.max() > 1e-5:
        raise AssertionError(f"exported trees disagree with scikit-learn by {gap.max():.2e}")
    if stages == 1:
        return {"format": "presswash-gbdt/2", "stages": [stage1], "meta": meta}
    oof: list[np.ndarray] = [np.zeros(0)] * len(rows)
    for k in range(INNER_FOLDS):
        inner = [r for j, r in enumerate(rows) if j % INNER_FOLDS != k]
        model = model_from_dict({"stages": [export_stage(fit_stage(inner, params), FEATURE_NAMES)]})
        for j in range(k, len(rows), INNER_FOLDS):
            oof[j] = stack_features(model.predict_proba(rows[j][0]))
    stage2 = export_stage(fit_stage(rows, params, oof), FEATURE_NAMES + STACK_FEATURES)
    return {"format": "presswash-gbdt/2", "stages": [stage1, stage2], "meta": meta}


def _run_fold(
    job: tuple[
        dict[str, list[tuple[np.ndarray, ...]]],
        list[Page],
        dict[str, dict[str, object]],
        int,
        Path | None,
    ],
) -> tuple[list[str], list[str]]:
    """Train one fold's models and clean its held-out pages (runs in a worker process).

    With `saved` (a path prefix), the fold's models are read from `{saved}_{kind}.json` when
    there, else trained and written there (`--fold-models`)."""
    from cleaners import clean_html, clean_text

    rows, held_out, params, stages, saved = job
    models = {}
    for kind in KINDS:
        path = Path(f"{saved}_{kind}.json") if saved else None
        if path is not None and path.exists():
            data = json.loads(path.read_text())
        else:
            data = fit_line_model(rows[kind], {}, params[kind], stages)
            if path is not None:
                path.write_text(json.dumps(data, separators=(",", ":")))
        models[kind] = model_from_dict(data)
    with model_override(models["text"], "text"), model_override(models["html"], "html"):
        texts = [clean_text(p.text, url=p.url).text for p in held_out]
        htmls = [clean_html(p.html, url=p.url).text for p in held_out]
    return texts, htmls


def cross_validate(
    pages: Sequence[Page],
    mats: dict[str, list[list[tuple[np.ndarray, ...]]]],
    folds: int,
    params: dict[str, dict[str, object]],
    out: Path | None = None,
    stages: int = STAGES,
    fold_models: Path | None = None,
) -> dict[str, float]:
    """K-fold by page: each fold's models clean only pages they were not trained on.

    `fold_models`: a folder for each fold's models, read when there (else trained and
    written), so a change after the model (a revision rule, a pattern's reason) is scored
    with the very same models; a retrain moves single pages by up to +-0.2 F1 and a set's
    figure by up to +-0.006, which hides such a change."""
    order = np.random.default_rng(0).permutation(len(pages))
    fold_of = np.empty(len(pages), dtype=np.int64)
    fold_of[order] = np.arange(len(pages)) % folds
    preds_t: list[str] = [""] * len(pages)
    preds_h: list[str] = [""] * len(pages)
    jobs = [
        (
            {
                kind: page_rows(mats[kind], [i for i in range(len(pages)) if fold_of[i] != k])
                for kind in KINDS
            },
            [pages[i] for i in np.flatnonzero(fold_of == k)],
            params,
            stages,
            fold_models / f"fold{k}of{folds}" if fold_models else None,
        )
        for k in range(folds)
    ]
    if fold_models:
        fold_models.mkdir(parents=True, exist_ok=True)
    with ProcessPoolExecutor(WORKERS) as pool:
        for k, (texts, htmls) in enumerate(pool.map(_run_fold, jobs)):
            for i, t, h in zip(np.flatnonzero(fold_of == k), texts, htmls, strict=True):
                preds_t[i], preds_h[i] = t, h
            print(f"  fold {k + 1}/{folds} done", flush=True)
    trues = [p.truth for p in pages]
    st, sh = evaluate(preds_t, trues), evaluate(preds_h, trues)
    if out is not None:
        out.write_text(
            json.dumps(
                {
                    p.id: {"text": t, "html": h}
                    for p, t, h in zip(pages, preds_t, preds_h, strict=True)
                }
            )
        )
    return {"folds": folds, **score_fields(st, sh)}


def score_fields(st: Score, sh: Score) -> dict[str, float]:
    """Precision, recall and F1 of clean_text (`st`) and clean_html (`sh`), as recorded."""
    return {
        f"{metric}_{kind}": round(getattr(score, metric), 4)
        for kind, score in (("text", st), ("html", sh))
        for metric in ("precision", "recall", "f1")
    }


def set_name(data: Path) -> str:
    """A page set's name as the model meta and the bench record it: its path under
    `shared/bench` ("extraction/dev", "readability"), else the folder name."""
    parts = Path(data).resolve().parts
    if "bench" in parts:
        return "/".join(parts[len(parts) - parts[::-1].index("bench") :])
    return Path(data).name


def pooled_pages(sets: Sequence[Path]) -> tuple[list[Page], list[str]]:
    """The pages of every set, and the set name of each."""
    pages: list[Page] = []
    origin: list[str] = []
    for data in sets:
        loaded = load_pages(data)
        pages += loaded
        origin += [set_name(data)] * len(loaded)
    return pages, origin


def per_set_scores(
    pages: Sequence[Page], origin: Sequence[str], preds: dict[str, dict[str, str]]
) -> dict[str, dict[str, float]]:
    """Held-out predictions scored per set (each set's pages alone)."""
    result: dict[str, dict[str, float]] = {}
    for name in dict.fromkeys(origin):
        chosen = [p for p, o in zip(pages, origin, strict=True) if o == name]
        trues = [p.truth for p in chosen]
        st = evaluate([preds[p.id]["text"] for p in chosen], trues)
        sh = evaluate([preds[p.id]["html"] for p in chosen], trues)
        result[name] = {"pages": len(chosen), **score_fields(st, sh)}
    return result


def cross_validate_sets(
    sets: Sequence[Path], folds: int = 5, stages: int = STAGES
) -> tuple[dict[str, dict[str, float]], dict[str, dict[str, str]]]:
    """5-fold CV by page over the pages of every set pooled (each model cleans only pages it
    never saw), scored over all pages ("all") and per set; the current code, default
    parameters. Also returns the held-out predictions, by page id."""
    pages, origin = pooled_pages(sets)
    mats = {kind: [page_matrices(p, kind) for p in pages] for kind in KINDS}
    params = {kind: dict(PARAMS) for kind in KINDS}
    out = Path(tempfile.mkdtemp()) / "cv.json"
    result = {"all": cross_validate(pages, mats, folds, params, out, stages)}
    preds = json.loads(out.read_text())
    result.update(per_set_scores(pages, origin, preds))
    return result, preds


def main(argv: Sequence[str] | None = None) -> int:
    import sklearn

    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument(
        "--data",
        type=Path,
        action="append",
        default=None,
        help="a page set to train on (repeatable); default: both dev sets, the article "
        "benchmark's dev split and the Readability pages",
    )
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--no-cv", action="store_true")
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument(
        "--cv-out", type=Path, default=None, help="write held-out predictions (JSON) here"
    )
    ap.add_argument("--text-trees", type=int, default=PARAMS["max_iter"])
    ap.add_argument("--html-trees", type=int, default=PARAMS["max_iter"])
    ap.add_argument("--max-depth", type=int, default=PARAMS["max_depth"])
    ap.add_argument("--learning-rate", type=float, default=PARAMS["learning_rate"])
    ap.add_argument("--stages", type=int, choices=(1, 2), default=STAGES)
    ap.add_argument(
        "--fold-models",
        type=Path,
        default=None,
        help="folder of the CV folds' models: read when there, else trained and written; "
        "scores a change after the model with the same models (delete the folder after a "
        "change to the features, which the models must be trained on)",
    )
    args = ap.parse_args(argv)
    params = {kind: dict(PARAMS) for kind in KINDS}
    for kind, trees in (("text", args.text_trees), ("html", args.html_trees)):
        params[kind].update(
            max_iter=trees, max_depth=args.max_depth, learning_rate=args.learning_rate
        )
    start = time.perf_counter()
    sets = args.data or [DEFAULT_DATA, READABILITY_DATA]
    pages, origin = pooled_pages(sets)
    mats = {kind: [page_matrices(p, kind) for p in pages] for kind in KINDS}
    for kind in KINDS:
        n_lines = sum(len(m[0][1]) for m in mats[kind])
        n_body = int(sum(m[0][1].sum() for m in mats[kind]))
        print(f"{kind}: {len(pages)} pages, {n_lines} lines, {n_body} labelled body")
    cv_out = args.cv_out or Path(tempfile.mkdtemp()) / "cv.json"
    cv = {} if args.no_cv else cross_validate(
        pages, mats, args.folds, params, cv_out, args.stages, args.fold_models
    )
    if cv:
        cv_sets = per_set_scores(pages, origin, json.loads(cv_out.read_text()))
        for name, scores in {"all": cv, **cv_sets}.items():
            print(
                f"cross-validated ({args.folds}-fold by page, {name}): clean_text"
                f" P {scores['precision_text']:.3f} R {scores['recall_text']:.3f}"
                f" F1 {scores['f1_text']:.3f}; clean_html P {scores['precision_html']:.3f}"
                f" R {scores['recall_html']:.3f} F1 {scores['f1_html']:.3f}"
            )
        cv = {**cv, "sets": cv_sets}
    if args.no_write:  # the CV only: final fits on all pages would be thrown away
        print(f"{time.perf_counter() - start:.0f}s")
        return 0
    for kind in KINDS:
        meta = {
            "kind": kind,
            "trained_on": f"{' + '.join(dict.fromkeys(origin))} ({len(pages)} pages), "
            + ("text dumps" if kind == "text" else "trafilatura output of the HTML"),
            "sets": list(dict.fromkeys(origin)),
            "n_pages": len(pages),
            "n_lines": int(sum(len(m[0][1]) for m in mats[kind])),
            "n_trees": params[kind]["max_iter"],
            "stages": args.stages,
            "params": params[kind],
            "sklearn": sklearn.__version__,
            "cv": cv,
            "retrain": "PYTHONPATH=. .venv/bin/python bench/train_line_model.py",
        }
        rows = page_rows(mats[kind], range(len(pages)))
        data = fit_line_model(rows, meta, params[kind], args.stages)
        path = MODEL_DIR / MODEL_FILES[kind]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(data, separators=(",", ":")), encoding="utf-8")
        print(f"wrote {path} ({path.stat().st_size // 1024} KB)")
    print(f"{time.perf_counter() - start:.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

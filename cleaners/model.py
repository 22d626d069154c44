"""The shipped line models: boosted trees stored as plain JSON, evaluated with numpy.

Why JSON and not pickle: the file is portable across scikit-learn versions and
readable; `bench/train_line_model.py` exports the trees of fitted
`HistGradientBoostingClassifier`s into it. A model has two stages: the first scores
each line from its own and its neighbours' features; the second re-scores it adding
the first stage's scores around it (a short line between body lines is body, a long
line inside a teaser block is a teaser). Files are loaded once, lazily, from package
data via importlib.resources; when one is missing the cleaners fall back to rules.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
from numba import njit

from cleaners.features import FEATURE_NAMES, stack_features

MODEL_FILES = {"text": "line_model.json", "html": "line_model_html.json"}
"""Model file under cleaners/models/ per input kind: text-dump lines and trafilatura-output
lines look different (menus vs. the teasers trafilatura lets through), so each has its own."""


@dataclass(slots=True, frozen=True)
class TreeModel:
    """Boosted regression trees in flat arrays (global node ids, breadth-first per tree)."""

    feature_names: tuple[str, ...]
    feature: np.ndarray
    threshold: np.ndarray
    child: np.ndarray
    value: np.ndarray
    n_trees: int
    width: int
    init: float
    depth: int

    def raw(self, x: np.ndarray) -> np.ndarray:
        """Summed tree outputs (log-odds) for each row of `x` (see `_walk_trees`)."""
        n = x.shape[0]
        if n == 0 or self.n_trees == 0:
            return np.full(n, self.init)
        return _walk_trees(
            np.ascontiguousarray(x, dtype=np.float64),
            self.feature,
            self.threshold,
            self.child,
            self.value,
            self.n_trees,
            self.width,
            self.depth,
            self.init,
        )


_ROW_BLOCK = 8
"""Rows walked through one tree side by side: eight independent chains of loads keep the
CPU busy where one row's walk would wait on each load (~1.3x on dev)."""


@njit(cache=True, nogil=True)
def _walk_trees(
    x: np.ndarray,
    feature: np.ndarray,
    threshold: np.ndarray,
    child: np.ndarray,
    value: np.ndarray,
    n_trees: int,
    width: int,
    depth: int,
    init: float,
) -> np.ndarray:
    """Summed leaf values per row, compiled (numba).

    Was `depth` rounds of numpy gathers over all (row, tree) pairs: 54 ms for the two
    stages on a pass over dev; this is ~25 ms. Leaves are summed the way numpy's pairwise
    `sum` adds up to 128 numbers (eight running sums, then a fixed tree), so scores are
    bit-identical to that version and to the training script's.
    """
    n, n_cols = x.shape
    flat = x.ravel()
    leaves = np.empty((n, n_trees))
    nodes = np.empty(_ROW_BLOCK, dtype=np.int64)
    for t in range(n_trees):
        root = t * width
        for i0 in range(0, n, _ROW_BLOCK):
            nodes[:] = root
            for _ in range(depth):
                for k in range(_ROW_BLOCK):
                    node = nodes[k]
                    row = min(i0 + k, n - 1)  # the last block repeats the last row
                    go_right = flat[row * n_cols + feature[node]] > threshold[node]
                    nodes[k] = child[node] + go_right
            for k in range(min(_ROW_BLOCK, n - i0)):
                leaves[i0 + k, t] = value[nodes[k]]
    out = np.empty(n)
    for i in range(n):
        out[i] = init + _pairwise_sum(leaves[i])
    return out


@njit(cache=True, nogil=True)
def _pairwise_sum(v: np.ndarray) -> float:
    """`numpy.sum` of float64s in numpy's own order: sequential under 8 values, eight
    running sums up to 128, halves (cut at a multiple of 8) above."""
    m = v.shape[0]
    if m < 8:
        s = 0.0
        for t in range(m):
            s += v[t]
        return s
    if m > 128:
        half = m // 2
        half -= half % 8
        return _pairwise_sum(v[:half]) + _pairwise_sum(v[half:])
    r = v[:8].copy()
    k = m - m % 8
    for t in range(8, k, 8):
        for j in range(8):
            r[j] += v[t + j]
    s = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
    for t in range(k, m):
        s += v[t]
    return s


STAGE1_DECIDED = 0.05
"""First-stage text-line scores this close to 0 or 1 are final: on dev the second stage
flipped none of the 14,006 such lines (of 17,808 lines no pattern removed; at 0.1: 2 flips,
at 0.2: 17), and re-scoring only the rest cuts its work by ~4/5. Held out (5-fold CV by
page, both ways from one training run) it changed 1 of 127 clean_text outputs, slightly for
the better: precision 0.89467 vs 0.89458, recall equal."""


@dataclass(slots=True, frozen=True)
class LineModel:
    """Two tree stages; `predict_proba` gives each line's body probability."""

    stages: tuple[TreeModel, ...]
    meta: dict[str, Any]

    def predict_proba(
        self, x: np.ndarray, needed: np.ndarray | None = None, decided: float = 0.0
    ) -> np.ndarray:
        """Body probability per line; `x` has `cleaners.features.FEATURE_NAMES` columns.

        Args:
            x: the feature matrix.
            needed: rows whose score is used (a boolean mask); the others keep their
                first-stage score. Lines a pattern removes need no second stage.
            decided: rows the first stage scores below this, or above 1 - this, keep that
                score too (see `STAGE1_DECIDED`); 0 re-scores every needed row.
        """
        x = np.asarray(x, dtype=np.float64)
        p = _sigmoid(self.stages[0].raw(x))
        for stage in self.stages[1:]:
            rows = np.ones(len(p), dtype=bool) if needed is None else needed
            if decided > 0:
                rows = rows & (p > decided) & (p < 1 - decided)
            stacked = np.hstack([x[rows], stack_features(p)[rows]])
            p = p.copy()
            p[rows] = _sigmoid(stage.raw(stacked))
        return p


def _sigmoid(raw: np.ndarray) -> np.ndarray:
    out: np.ndarray = 1.0 / (1.0 + np.exp(-np.clip(raw, -50, 50)))
    return out


def _breadth_first(tree: dict[str, list[Any]]) -> dict[str, list[Any]]:
    """Renumber one tree so every right child sits right after its left child.

    Then a step is `node = child[node] + (not go_left)`: one gather fewer than looking
    up left and right separately. Leaves get child = themselves and threshold +inf, so
    extra steps stay on them.
    """
    old_left, old_right = tree["left"], tree["right"]
    order = [0]
    new_id = {0: 0}
    for node in order:  # appended to while iterating: a breadth-first walk
        if old_left[node] >= 0:
            for child in (old_left[node], old_right[node]):
                new_id[child] = len(order)
                order.append(child)
    child, feature, threshold, value = [], [], [], []
    for node in order:
        leaf = old_left[node] < 0
        child.append(new_id[node] if leaf else new_id[old_left[node]])
        feature.append(0 if leaf else tree["feature"][node])
        threshold.append(float("inf") if leaf else tree["threshold"][node])
        value.append(tree["value"][node] if leaf else 0.0)
    return {"child": child, "feature": feature, "threshold": threshold, "value": value}


def tree_model_from_dict(data: dict[str, Any]) -> TreeModel:
    """One stage from its JSON structure (see `bench/train_line_model.py`)."""
    trees = [_breadth_first(t) for t in data["trees"]]
    width = max((len(t["feature"]) for t in trees), default=1)

    def pad(key: str, dtype: type, fill: float) -> np.ndarray:
        out: np.ndarray = np.full((len(trees), width), fill, dtype=dtype)
        for i, t in enumerate(trees):
            out[i, : len(t[key])] = t[key]
        return out

    # Node ids become global (tree * width + node); padding is an unreachable leaf.
    offset = (np.arange(len(trees)) * width)[:, None]
    child = pad("child", np.int64, 0) + offset
    return TreeModel(
        feature_names=tuple(data["feature_names"]),
        feature=pad("feature", np.int64, 0).ravel(),
        threshold=pad("threshold", np.float64, np.inf).ravel(),
        child=child.ravel(),
        value=pad("value", np.float64, 0.0).ravel(),
        n_trees=len(trees),
        width=width,
        init=float(data["init"]),
        depth=int(data["max_depth"]),
    )


def model_from_dict(data: dict[str, Any]) -> LineModel:
    """A `LineModel` from the JSON structure written by the training script."""
    return LineModel(
        stages=tuple(tree_model_from_dict(s) for s in data["stages"]),
        meta=dict(data.get("meta", {})),
    )


_OVERRIDE: dict[str, list[LineModel | None]] = {"text": [], "html": []}


@contextmanager
def model_override(model: LineModel | None, kind: str = "text") -> Iterator[None]:
    """Use `model` instead of the shipped one inside the block (training and cross-validation)."""
    _OVERRIDE[kind].append(model)
    try:
        yield
    finally:
        _OVERRIDE[kind].pop()


def current_model(kind: str = "text") -> LineModel | None:
    """The model in force for `kind`: an override from `model_override`, else the shipped one."""
    stack = _OVERRIDE.get(kind)
    return stack[-1] if stack else load_model(kind)


@cache
def load_model(kind: str = "text") -> LineModel | None:
    """The shipped model for `kind` ("text" or "html"), or None when absent or unreadable."""
    try:
        name = MODEL_FILES[kind]
        text = resources.files("cleaners").joinpath("models", name).read_text("utf-8")
        model = model_from_dict(json.loads(text))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    # A model trained on other features would silently score garbage: fall back to rules.
    return model if model.stages[0].feature_names == FEATURE_NAMES else None

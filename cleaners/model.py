"""The shipped line models: boosted trees stored as plain JSON, scored by compiled code.

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


MAX_LEAVES = 64
"""Leaves per tree the evaluator handles (one bit each in a uint64); training uses 12."""


@dataclass(slots=True, frozen=True)
class TreeModel:
    """Boosted regression trees as QuickScorer tables (Lucchese et al., SIGIR 2015).

    Each internal node is (feature, threshold, tree, mask): a row whose feature exceeds the
    threshold goes right, so the leaves of the node's left subtree are ruled out and their
    bits are cleared from the row's bitvector for that tree. The row's leaf is then the
    leftmost leaf left standing. This visits every node once per row, in a branch-free loop
    over rows that the compiler vectorises, instead of walking each (row, tree) path node by
    dependent node: on dev the two stages took 27 ms a pass as a compiled walk, ~11 here.
    """

    feature_names: tuple[str, ...]
    node_feature: np.ndarray
    node_threshold: np.ndarray
    node_tree: np.ndarray
    node_mask: np.ndarray
    """uint64: every bit set but those of the leaves in the node's left subtree."""
    leaf_value: np.ndarray
    """(n_trees, MAX_LEAVES): each tree's leaf values, left to right."""
    n_trees: int
    init: float

    def raw(self, x: np.ndarray) -> np.ndarray:
        """Summed tree outputs (log-odds) for each row of `x` (see `_score_trees`)."""
        n = x.shape[0]
        if n == 0 or self.n_trees == 0:
            return np.full(n, self.init)
        return _score_trees(
            np.ascontiguousarray(x.T, dtype=np.float64),
            self.node_feature,
            self.node_threshold,
            self.node_tree,
            self.node_mask,
            self.leaf_value,
            self.init,
            _BIT_INDEX,
        )


_BIT_INDEX = np.zeros(67, dtype=np.int64)
_BIT_INDEX[[(1 << k) % 67 for k in range(64)]] = np.arange(64)
"""k for each (2**k mod 67), which differ for k < 64: the index of a uint64's only set bit."""


@njit(cache=True, nogil=True)
def _score_trees(
    xt: np.ndarray,
    node_feature: np.ndarray,
    node_threshold: np.ndarray,
    node_tree: np.ndarray,
    node_mask: np.ndarray,
    leaf_value: np.ndarray,
    init: float,
    bit_index: np.ndarray,
) -> np.ndarray:
    """Summed leaf values per row of `xt.T` (features in rows), compiled (numba).

    Leaves are summed the way numpy's pairwise `sum` adds them, so scores are bit-identical
    to the numpy evaluator this replaced and to the training script's.
    """
    n_trees = leaf_value.shape[0]
    n = xt.shape[1]
    everything = np.uint64(0xFFFFFFFFFFFFFFFF)
    alive = np.full((n_trees, n), everything)
    for e in range(node_feature.shape[0]):
        column = xt[node_feature[e]]
        row_bits = alive[node_tree[e]]
        threshold, mask = node_threshold[e], node_mask[e]
        for r in range(n):
            row_bits[r] &= mask if column[r] > threshold else everything
    leaves = np.empty((n, n_trees))
    for t in range(n_trees):
        row_bits = alive[t]
        for r in range(n):
            bits = row_bits[r]
            lowest = bits & (~bits + np.uint64(1))
            leaves[r, t] = leaf_value[t, bit_index[lowest % np.uint64(67)]]
    out = np.empty(n)
    for r in range(n):
        out[r] = init + _pairwise_sum(leaves[r])
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
    # minimum/maximum: np.clip's values, without its Python-level dispatch (~5 us a call).
    out: np.ndarray = 1.0 / (1.0 + np.exp(-np.minimum(np.maximum(raw, -50.0), 50.0)))
    return out


def _leaves_left_to_right(tree: dict[str, list[Any]], node: int = 0) -> list[int]:
    left, right = tree["left"][node], tree["right"][node]
    if left < 0:
        return [node]
    return _leaves_left_to_right(tree, left) + _leaves_left_to_right(tree, right)


def tree_model_from_dict(data: dict[str, Any]) -> TreeModel:
    """One stage from its JSON structure (see `bench/train_line_model.py`)."""
    features: list[int] = []
    thresholds: list[float] = []
    owners: list[int] = []
    masks: list[int] = []
    trees = data["trees"]
    leaf_value = np.zeros((len(trees), MAX_LEAVES))
    everything = (1 << MAX_LEAVES) - 1
    for t, tree in enumerate(trees):
        order = _leaves_left_to_right(tree)
        if len(order) > MAX_LEAVES:
            raise ValueError(f"tree {t} has {len(order)} leaves; at most {MAX_LEAVES} supported")
        bit = {node: k for k, node in enumerate(order)}
        leaf_value[t, : len(order)] = [tree["value"][node] for node in order]
        for node, left in enumerate(tree["left"]):
            if left < 0:
                continue
            cleared = sum(1 << bit[leaf] for leaf in _leaves_left_to_right(tree, left))
            features.append(tree["feature"][node])
            thresholds.append(float(tree["threshold"][node]))
            owners.append(t)
            masks.append(everything & ~cleared)
    return TreeModel(
        feature_names=tuple(data["feature_names"]),
        node_feature=np.array(features, dtype=np.int64),
        node_threshold=np.array(thresholds, dtype=np.float64),
        node_tree=np.array(owners, dtype=np.int64),
        node_mask=np.array(masks, dtype=np.uint64),
        leaf_value=leaf_value,
        n_trees=len(trees),
        init=float(data["init"]),
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

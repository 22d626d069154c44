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

from cleaners.features import stack_features

MODEL_FILES = {"text": "line_model.json", "html": "line_model_html.json"}
"""Model file under cleaners/models/ per input kind: text-dump lines and trafilatura-output
lines look different (menus vs. the teasers trafilatura lets through), so each has its own."""


@dataclass(slots=True, frozen=True)
class TreeModel:
    """Boosted regression trees padded into rectangular arrays (trees x nodes)."""

    feature_names: tuple[str, ...]
    feature: np.ndarray
    threshold: np.ndarray
    left: np.ndarray
    right: np.ndarray
    value: np.ndarray
    init: float
    depth: int

    def raw(self, x: np.ndarray) -> np.ndarray:
        """Summed tree outputs (log-odds) for each row of `x`.

        All trees walk in lock-step over flat arrays (node ids are global), so one
        page costs `depth` rounds of a few numpy gathers, not a Python loop per tree.
        """
        n = x.shape[0]
        n_trees, width = self.feature.shape
        if n == 0 or n_trees == 0:
            return np.full(n, self.init)
        xf = np.ascontiguousarray(x, dtype=np.float64).ravel()
        row_base = (np.arange(n) * x.shape[1])[:, None]
        node = np.broadcast_to(np.arange(n_trees) * width, (n, n_trees))
        feature, threshold = self.feature.ravel(), self.threshold.ravel()
        left, right = self.left.ravel(), self.right.ravel()
        for _ in range(self.depth):
            go_left = xf[row_base + feature[node]] <= threshold[node]
            node = np.where(go_left, left[node], right[node])
        return self.init + self.value.ravel()[node].sum(axis=1)


@dataclass(slots=True, frozen=True)
class LineModel:
    """Two tree stages; `predict_proba` gives each line's body probability."""

    stages: tuple[TreeModel, ...]
    meta: dict[str, Any]

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        """Body probability per line; `x` has `cleaners.features.FEATURE_NAMES` columns."""
        x = np.asarray(x, dtype=np.float64)
        p = _sigmoid(self.stages[0].raw(x))
        for stage in self.stages[1:]:
            p = _sigmoid(stage.raw(np.hstack([x, stack_features(p)])))
        return p


def _sigmoid(raw: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(raw, -50, 50)))


def tree_model_from_dict(data: dict[str, Any]) -> TreeModel:
    """One stage from its JSON structure (see `bench/train_line_model.py`)."""
    trees = data["trees"]
    width = max((len(t["feature"]) for t in trees), default=1)

    def pad(key: str, dtype: type, fill: float) -> np.ndarray:
        out = np.full((len(trees), width), fill, dtype=dtype)
        for i, t in enumerate(trees):
            out[i, : len(t[key])] = t[key]
        return out

    left = pad("left", np.int64, -1)
    right = pad("right", np.int64, -1)
    # Node ids become global (tree * width + node); leaves and padding point at
    # themselves so a fixed number of steps is safe.
    offset = (np.arange(len(trees)) * width)[:, None]
    selfidx = offset + np.arange(width)[None, :]
    leaf = left < 0
    return TreeModel(
        feature_names=tuple(data["feature_names"]),
        feature=np.where(leaf, 0, pad("feature", np.int64, 0)),
        threshold=pad("threshold", np.float64, 0.0),
        left=np.where(leaf, selfidx, left + offset),
        right=np.where(leaf, selfidx, right + offset),
        value=np.where(leaf, pad("value", np.float64, 0.0), 0.0),
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
        return model_from_dict(json.loads(text))
    except (OSError, ValueError, KeyError, TypeError):
        return None

"""The shipped line model: gradient-boosted trees stored as plain JSON, evaluated with numpy.

Why JSON and not pickle: the file is portable across scikit-learn versions and
readable; `bench/train_line_model.py` exports the trees of a fitted
`GradientBoostingClassifier` into it. The file is loaded once, lazily, from package
data via importlib.resources; when it is missing the cleaners fall back to rules.
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

MODEL_FILES = {"text": "line_model.json", "html": "line_model_html.json"}
"""Model file under cleaners/models/ per input kind: text-dump lines and trafilatura-output lines
look different (menus vs. the teasers trafilatura lets through), so each has its own model."""
MODEL_FILE = MODEL_FILES["text"]


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
    learning_rate: float
    depth: int
    meta: dict[str, Any]

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        """Body probability of each row of `x` (columns in `feature_names` order)."""
        # scikit-learn compares float32 features against its thresholds; do the same.
        x = np.asarray(x, dtype=np.float32).astype(np.float64)
        n = x.shape[0]
        if n == 0:
            return np.zeros(0)
        n_trees = self.feature.shape[0]
        trees = np.arange(n_trees)[None, :]
        rows = np.arange(n)[:, None]
        node = np.zeros((n, n_trees), dtype=np.int64)
        for _ in range(self.depth):
            f = self.feature[trees, node]
            go_left = x[rows, f] <= self.threshold[trees, node]
            node = np.where(go_left, self.left[trees, node], self.right[trees, node])
        raw = self.init + self.learning_rate * self.value[trees, node].sum(axis=1)
        return 1.0 / (1.0 + np.exp(-raw))


def model_from_dict(data: dict[str, Any]) -> TreeModel:
    """Build a `TreeModel` from the JSON structure written by the training script."""
    trees = data["trees"]
    width = max(len(t["feature"]) for t in trees)

    def pad(key: str, dtype: type, fill: float) -> np.ndarray:
        out = np.full((len(trees), width), fill, dtype=dtype)
        for i, t in enumerate(trees):
            out[i, : len(t[key])] = t[key]
        return out

    feature = pad("feature", np.int64, 0)
    left = pad("left", np.int64, -1)
    right = pad("right", np.int64, -1)
    # Leaves (and padding) point at themselves so a fixed number of steps is safe.
    selfidx = np.broadcast_to(np.arange(width), left.shape)
    leaf = left < 0
    left = np.where(leaf, selfidx, left)
    right = np.where(leaf, selfidx, right)
    feature = np.where(leaf, 0, feature)
    return TreeModel(
        feature_names=tuple(data["feature_names"]),
        feature=feature,
        threshold=pad("threshold", np.float64, 0.0),
        left=left,
        right=right,
        value=pad("value", np.float64, 0.0),
        init=float(data["init"]),
        learning_rate=float(data["learning_rate"]),
        depth=int(data["max_depth"]),
        meta=dict(data.get("meta", {})),
    )


_OVERRIDE: dict[str, list[TreeModel | None]] = {"text": [], "html": []}


@contextmanager
def model_override(model: TreeModel | None, kind: str = "text") -> Iterator[None]:
    """Use `model` instead of the shipped one inside the block (training and cross-validation)."""
    _OVERRIDE[kind].append(model)
    try:
        yield
    finally:
        _OVERRIDE[kind].pop()


def current_model(kind: str = "text") -> TreeModel | None:
    """The model in force for `kind`: an override from `model_override`, else the shipped one."""
    stack = _OVERRIDE.get(kind)
    return stack[-1] if stack else load_model(kind)


@cache
def load_model(kind: str = "text") -> TreeModel | None:
    """The shipped model for `kind` ("text" or "html"), or None when absent or unreadable."""
    try:
        name = MODEL_FILES[kind]
        text = resources.files("cleaners").joinpath("models", name).read_text("utf-8")
        return model_from_dict(json.loads(text))
    except (OSError, ValueError, KeyError, TypeError):
        return None

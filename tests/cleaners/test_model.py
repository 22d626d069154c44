"""The JSON tree model: evaluation, stacking and loading."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaners.features import FEATURE_NAMES, STACK_FEATURES, features, page_stats, stack_features
from cleaners.model import load_model, model_from_dict, tree_model_from_dict


def _stump(feature: int, threshold: float, low: float, high: float) -> dict:
    return {
        "feature": [feature, 0, 0],
        "threshold": [threshold, 0, 0],
        "left": [1, -1, -1],
        "right": [2, -1, -1],
        "value": [0.0, low, high],
    }


def test_trees_walk_in_lock_step() -> None:
    stage = tree_model_from_dict(
        {
            "feature_names": ["a", "b"],
            "init": 0.5,
            "max_depth": 1,
            "trees": [_stump(0, 1.0, -1.0, 1.0), _stump(1, 0.0, 2.0, 3.0)],
        }
    )
    x = np.array([[0.0, -1.0], [2.0, 1.0]])
    assert stage.raw(x).tolist() == [0.5 - 1.0 + 2.0, 0.5 + 1.0 + 3.0]


def test_two_stage_model_probabilities() -> None:
    names = list(FEATURE_NAMES)
    model = model_from_dict(
        {
            "stages": [
                {
                    "feature_names": names,
                    "init": 0.0,
                    "max_depth": 1,
                    "trees": [_stump(0, 1.0, -5.0, 5.0)],
                },
                {
                    "feature_names": names + list(STACK_FEATURES),
                    "init": 0.0,
                    "max_depth": 1,
                    "trees": [_stump(len(names), 0.5, -5.0, 5.0)],
                },
            ]
        }
    )
    x = np.zeros((3, len(names)))
    x[1, 0] = 2.0
    p = model.predict_proba(x)
    assert p[1] > 0.99 and p[0] < 0.01


def test_stack_features_shape_and_windows() -> None:
    s = stack_features(np.array([0.0, 1.0, 0.0]))
    assert s.shape == (3, len(STACK_FEATURES))
    assert s[0, STACK_FEATURES.index("p_next")] == 1.0
    assert stack_features(np.zeros(0)).shape == (0, len(STACK_FEATURES))


def test_features_match_names() -> None:
    page, _ = page_stats(["A Title Here", "Home", "the end."], 25, language="en")
    assert features(page).shape == (3, len(FEATURE_NAMES))


def test_shipped_models_load_and_match_features() -> None:
    for kind in ("text", "html"):
        model = load_model(kind)
        assert model is not None, f"{kind} model missing or trained on other features"
        assert model.stages[0].feature_names == FEATURE_NAMES


def test_second_stage_skips_rows_not_needed_or_decided() -> None:
    names = list(FEATURE_NAMES)
    stage1 = {"feature_names": names, "init": 0.0, "max_depth": 1}
    stage2 = {"feature_names": names + list(STACK_FEATURES), "init": 0.0, "max_depth": 1}
    model = model_from_dict(
        {
            "stages": [
                {**stage1, "trees": [_stump(0, 1.0, -5.0, 0.0)]},  # p = 0.0067 or 0.5
                {**stage2, "trees": [_stump(0, 0.0, 3.0, 3.0)]},  # every row -> 0.95
            ]
        }
    )
    x = np.zeros((3, len(names)))
    x[1:, 0] = 2.0
    full = model.predict_proba(x)
    assert np.allclose(full, 1 / (1 + np.exp(-3.0)))
    p = model.predict_proba(x, needed=np.array([True, True, False]), decided=0.05)
    assert p[0] < 0.01  # decided by the first stage
    assert p[1] == full[1]  # undecided and needed: re-scored
    assert p[2] == 0.5  # not needed: first-stage score


def _random_tree(rng: np.random.Generator, n_features: int, depth: int) -> dict:
    """A random binary tree in the exported layout (node 0 the root, leaves have left -1)."""
    tree: dict[str, list] = {"feature": [], "threshold": [], "left": [], "right": [], "value": []}

    def grow(level: int) -> int:
        node = len(tree["left"])
        for key in tree:
            tree[key].append(0)
        if level == depth or rng.random() < 0.3:
            tree["left"][node] = tree["right"][node] = -1
            tree["value"][node] = float(rng.normal())
            return node
        tree["feature"][node] = int(rng.integers(n_features))
        tree["threshold"][node] = float(rng.choice([-1.0, 0.0, 0.5, 1.0]))
        tree["left"][node] = grow(level + 1)
        tree["right"][node] = grow(level + 1)
        return node

    grow(0)
    return tree


def _walk(tree: dict, row: np.ndarray) -> float:
    node = 0
    while tree["left"][node] >= 0:
        go_right = row[tree["feature"][node]] > tree["threshold"][node]
        node = tree["right"][node] if go_right else tree["left"][node]
    return tree["value"][node]


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 150), st.integers(0, 6))
def test_quickscorer_matches_walking_each_tree(seed: int, n_trees: int, depth: int) -> None:
    """The bitvector evaluation picks every row's leaf as a walk down each tree does, and
    sums the leaves in numpy's order (so scores are bit-identical to numpy's sum)."""
    rng = np.random.default_rng(seed)
    trees = [_random_tree(rng, 4, depth) for _ in range(n_trees)]
    stage = tree_model_from_dict(
        {"feature_names": list("abcd"), "init": 0.25, "max_depth": depth, "trees": trees}
    )
    x = rng.choice([-2.0, -1.0, 0.0, 0.5, 1.0, 3.0, np.nan], size=(9, 4))
    expected = [0.25 + np.array([_walk(t, row) for t in trees]).sum() for row in x]
    assert stage.raw(x).tolist() == expected

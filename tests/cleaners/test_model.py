"""The JSON tree model: evaluation, stacking and loading."""

import numpy as np

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

"""Quality gate: extraction F1 on 30 fixed dev pages must not fall below pinned floors.

The floors live in `extraction_floors.json`. A run that beats a floor by more than
`RAISE_MARGIN` raises it automatically when `PRESSWASH_RAISE_FLOORS=1`; lowering a floor
takes `PRESSWASH_LOWER_FLOORS=1` (and a reason in the commit). The pages are part of the
dev split the line models were trained on, so this gate measures regression, not
generalisation (see tests/data/extraction/LICENSE.md and bench/README.md).
"""

from __future__ import annotations

import gzip
import json
import os
import re
from collections import Counter
from pathlib import Path

import pytest

from cleaners import clean_html, clean_text

DATA = Path(__file__).resolve().parents[1] / "data" / "extraction"
FLOORS = Path(__file__).resolve().parent / "extraction_floors.json"

TOLERANCE = 0.002
"""Slack below a floor, for float noise across platforms and library patch versions."""

RAISE_MARGIN = 0.005
"""With PRESSWASH_RAISE_FLOORS=1, a floor is raised to (measured - this) when that is higher."""

_TOKEN = re.compile(r"\w+")


def _grams(text: str) -> Counter[tuple[str, ...]]:
    tokens = _TOKEN.findall(text)
    return Counter(tuple(tokens[i : i + 4]) for i in range(len(tokens) - 3))


def score(preds: list[str], trues: list[str]) -> dict[str, float]:
    """The benchmark metric (same as bench/extraction_quality.py): mean P, mean R, F1 of means."""
    ps, rs = [], []
    for pred, true in zip(preds, trues, strict=True):
        p, t = _grams(pred), _grams(true)
        tp = sum((p & t).values())
        fp, fn = sum(p.values()) - tp, sum(t.values()) - tp
        ps.append(tp / (tp + fp) if tp + fp else (1.0 if fn == 0 else 0.0))
        rs.append(tp / (tp + fn) if tp + fn else 1.0)
    precision, recall = sum(ps) / len(ps), sum(rs) / len(rs)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


def _pages() -> list[tuple[str, str, str, str]]:
    truth = json.loads((DATA / "ground-truth.json").read_text(encoding="utf-8"))
    out = []
    for pid in sorted(truth):
        html = gzip.decompress((DATA / "html" / f"{pid}.html.gz").read_bytes()).decode("utf-8")
        text = (DATA / "text" / f"{pid}.txt").read_text(encoding="utf-8")
        out.append((truth[pid]["url"], html, text, truth[pid]["articleBody"]))
    return out


@pytest.fixture(scope="module")
def measured() -> dict[str, dict[str, float]]:
    pages = _pages()
    trues = [p[3] for p in pages]
    return {
        "text": score([clean_text(text, url=url).text for url, _, text, _ in pages], trues),
        "html": score([clean_html(html, url=url).text for url, html, _, _ in pages], trues),
    }


def test_gate_has_enough_pages() -> None:
    assert len(_pages()) >= 30


@pytest.mark.parametrize("kind", ["text", "html"])
def test_extraction_does_not_regress(kind: str, measured: dict[str, dict[str, float]]) -> None:
    floors = json.loads(FLOORS.read_text(encoding="utf-8"))
    got = measured[kind]
    if os.environ.get("PRESSWASH_LOWER_FLOORS") == "1":
        floors[kind] = {k: round(v - RAISE_MARGIN, 3) for k, v in got.items()}
        FLOORS.write_text(json.dumps(floors, indent=2) + "\n", encoding="utf-8")
    elif os.environ.get("PRESSWASH_RAISE_FLOORS") == "1":
        floors[kind] = {
            k: max(floors[kind].get(k, 0.0), round(v - RAISE_MARGIN, 3)) for k, v in got.items()
        }
        FLOORS.write_text(json.dumps(floors, indent=2) + "\n", encoding="utf-8")
    for metric, floor in floors[kind].items():
        assert got[metric] >= floor - TOLERANCE, (
            f"{kind} {metric} {got[metric]:.3f} fell below its floor {floor:.3f}; "
            "fix the regression, or lower the floor with PRESSWASH_LOWER_FLOORS=1 and say why"
        )

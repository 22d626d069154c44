"""Quality gate: extraction F1 on fixed pages of both dev sets must not fall below pinned floors.

Two page sets live under tests/data: 30 article-benchmark pages (`extraction/`, MIT; the
line models were trained on the 127-page split they come from, so this measures regression)
and 16 Readability test pages (`readability/`, Apache-2.0; never trained on, blogs, docs and
wikis in several languages). Each (set, cleaner) has floors in `extraction_floors.json`.

The floors file is only ever read here: a test run never rewrites it, so a regression can
not pass by lowering its own bar. Changing a floor is an edit of that file, reviewed like
code (the failure message prints the measured figure).
"""

from __future__ import annotations

import gzip
import json
import re
from collections import Counter
from pathlib import Path

import pytest

from cleaners import clean_html, clean_text

DATA = Path(__file__).resolve().parents[1] / "data"
SETS = ("extraction", "readability")
FLOORS = Path(__file__).resolve().parent / "extraction_floors.json"

TOLERANCE = 0.002
"""Slack below a floor, for float noise across platforms and library patch versions."""

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


def _pages(name: str) -> list[tuple[str | None, str, str, str]]:
    folder = DATA / name
    truth = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
    out = []
    for pid in sorted(truth):
        html = gzip.decompress((folder / "html" / f"{pid}.html.gz").read_bytes()).decode("utf-8")
        text = (folder / "text" / f"{pid}.txt").read_text(encoding="utf-8")
        out.append((truth[pid].get("url") or None, html, text, truth[pid]["articleBody"]))
    return out


@pytest.fixture(scope="module")
def measured() -> dict[str, dict[str, dict[str, float]]]:
    out: dict[str, dict[str, dict[str, float]]] = {}
    for name in SETS:
        pages = _pages(name)
        trues = [p[3] for p in pages]
        out[name] = {
            "text": score([clean_text(text, url=url).text for url, _, text, _ in pages], trues),
            "html": score([clean_html(html, url=url).text for url, html, _, _ in pages], trues),
        }
    return out


@pytest.mark.parametrize(("name", "least"), [("extraction", 30), ("readability", 15)])
def test_gate_has_enough_pages(name: str, least: int) -> None:
    assert len(_pages(name)) >= least
    assert (DATA / name / "LICENSE.md").is_file()


def test_floors_cover_every_set_and_cleaner() -> None:
    floors = json.loads(FLOORS.read_text(encoding="utf-8"))
    for name in SETS:
        for kind in ("text", "html"):
            assert set(floors[name][kind]) == {"precision", "recall", "f1"}


@pytest.mark.parametrize("name", SETS)
@pytest.mark.parametrize("kind", ["text", "html"])
def test_extraction_does_not_regress(
    name: str, kind: str, measured: dict[str, dict[str, dict[str, float]]]
) -> None:
    before = FLOORS.read_bytes()
    floors = json.loads(before.decode("utf-8"))[name][kind]
    got = measured[name][kind]
    for metric, floor in floors.items():
        assert got[metric] >= floor - TOLERANCE, (
            f"{name} {kind} {metric} {got[metric]:.4f} fell below its floor {floor:.3f}; fix "
            "the regression (a floor is only lowered by editing extraction_floors.json, reviewed)"
        )
    assert FLOORS.read_bytes() == before  # the gate never writes its own floors

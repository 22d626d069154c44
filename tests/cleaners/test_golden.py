"""Golden snippet tests for the five seed dumps (tests/golden/<seed-stem>.json).

Each file lists snippets the cleaned body must contain ("with"), must not contain
("without"), and removed lines with the reason they must be removed for ("removed":
{snippet: reason}, matched as a substring of a removed line). Reviewed by eye.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cleaners import clean_text

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "golden"
SEEDS = sorted((ROOT / "seeds").glob("*.txt"))


@pytest.mark.parametrize("seed", SEEDS, ids=[s.stem for s in SEEDS])
def test_seed_matches_golden(seed: Path) -> None:
    golden = json.loads((GOLDEN / f"{seed.stem}.json").read_text(encoding="utf-8"))
    cleaned = clean_text(seed.read_text(encoding="utf-8"))
    for snippet in golden["with"]:
        assert snippet in cleaned.text, f"missing from body: {snippet!r}"
    for snippet in golden["without"]:
        assert snippet not in cleaned.text, f"should not be in body: {snippet!r}"
    for snippet, reason in golden["removed"].items():
        reasons = {r.reason for r in cleaned.removed if snippet in r.text}
        assert reason in reasons, f"{snippet!r} removed as {reasons or 'nothing'}, want {reason}"
    for key in ("title", "author", "published_at"):
        if key in golden:
            assert getattr(cleaned, key) == golden[key]


def test_every_seed_has_a_golden_file() -> None:
    assert SEEDS and all((GOLDEN / f"{s.stem}.json").exists() for s in SEEDS)

"""The accounting invariant over a mixed corpus of good and bad inputs.

Every input unit ends in `documents` (via `sources`) or in `rejects`, or was skipped by
design and counted; the run summary adds up. The corpus is the robustness bench's, made
smaller, so the bench and this test can never disagree about what "every kind" means.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from flows.readers import MAX_BYTES

BENCH = Path(__file__).resolve().parents[2] / "bench" / "robustness.py"


@pytest.fixture(scope="module")
def robustness(tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    spec = importlib.util.spec_from_file_location("robustness_bench", BENCH)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    module.GOOD_TEXT_PAGES, module.GOOD_HTML_PAGES, module.REPEAT_BAD = 40, 20, 2
    return module


def test_every_unit_of_a_mixed_corpus_is_accounted_for(
    prefect_server: None, robustness: ModuleType, tmp_path: Path
) -> None:
    from flows.pipeline import pipeline

    corpus = robustness.build_corpus(tmp_path / "corpus", seed=7, max_bytes=MAX_BYTES)
    units = robustness.read_units(corpus.root, MAX_BYTES)
    assert len(units.rejects) >= 30 and len(units.documents) >= 60  # both kinds, many reasons

    db = tmp_path / "acc.duckdb"
    summary = pipeline([str(corpus.root)], db=db)
    stored, rejected = robustness.warehouse_outcomes(db, summary.run_id)
    assert robustness.lost_units(units, stored, rejected) == []
    assert summary.inputs == len(units.documents) + len(units.rejects)
    assert summary.inputs == summary.new_documents + summary.known_documents + summary.rejected
    assert summary.skipped == sum(units.tally.skipped.values())
    outcomes = {uri: "document" for uri, _ in stored} | rejected
    assert robustness.outcome_by_input(corpus, outcomes) == {}
    assert {
        "binary",
        "empty",
        "truncated",
        "unsafe_path",
        "archive_bomb",
        "parse_error",
        "undecodable",
        "no_content",
        "outside_input",
    } <= set(summary.rejects_by_reason)

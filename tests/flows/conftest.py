"""One real pipeline run over the seeds, shared by the flow and CLI tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from schemas import RunSummary


@pytest.fixture(scope="session")
def seeded(
    prefect_server: None, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, RunSummary]:
    from flows.pipeline import pipeline

    db = tmp_path_factory.mktemp("seeded") / "presswash.duckdb"
    summary = pipeline(db=db)
    return db, summary

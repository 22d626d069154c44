"""The Prefect server a run uses: the user's, or a private child that never outlives us."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from flows.server import ServerUnreachable, prefect_api
from tests.flows.procs import MARK_VARIABLE, marked_processes


def test_an_unreachable_prefect_api_url_is_one_clear_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")
    expected = r"^PREFECT_API_URL http://127.0.0.1:9/api does not answer$"
    with pytest.raises(ServerUnreachable, match=expected), prefect_api():
        pass


def test_a_run_with_worker_processes_leaves_none_behind(
    prefect_server: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Workers report to the flow's API rather than each starting a server of its own
    (which outlived them: one stray server per worker on every test run)."""
    from flows.pipeline import run_pipeline

    mark = f"workers-{os.getpid()}-{tmp_path.name}"
    monkeypatch.setenv(MARK_VARIABLE, mark)  # inherited by the pool's processes
    pages = Path(__file__).resolve().parents[1] / "data" / "extraction"
    summary = run_pipeline([pages / "text", pages / "html"], db=tmp_path / "w.duckdb", workers=2)
    assert summary.articles > 0
    deadline = time.monotonic() + 15
    while (left := [p for p in marked_processes(mark) if stray(p)]) and (
        time.monotonic() < deadline
    ):
        time.sleep(0.2)
    assert left == []


def stray(process: tuple[int, str]) -> bool:
    """Not this test process, nor multiprocessing's resource tracker (one per parent
    process, which leaves with it)."""
    pid, cmdline = process
    return pid != os.getpid() and "multiprocessing.resource_tracker" not in cmdline

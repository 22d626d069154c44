"""`serve`: settled files only, one deployment per inbox, a record of each run in Prefect,
and stop signals that stop it. The last two with real `presswash serve` processes."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from flows.artifacts import NewCluster, run_markdown
from flows.schedule import deployment_name, split_settled
from schemas import RunSummary
from tests.conftest import SEEDS
from tests.flows.procs import (
    count_documents,
    marked_env,
    no_process_left_behind,
    presswash,
    server_child_started,
    wait_for,
    wait_until_gone,
)

STOP_SECONDS = 30.0
"""Prefect's runner shuts down in a few seconds; `serve` forces its exit after 20."""


def test_a_file_changed_within_the_settle_time_waits(tmp_path: Path) -> None:
    done, copying = tmp_path / "done.txt", tmp_path / "copying.txt"
    done.write_text("complete article\n")
    copying.write_text("half an arti")
    now = time.time()
    # what `cp -p` does at the end: the modification time set back to the original's
    os.utime(copying, (now - 3600, now - 3600))
    settled, waiting = split_settled([done, copying], 30, now=now)
    assert settled == [] and waiting == [done, copying]  # both just changed (ctime)
    settled, waiting = split_settled([done, copying], 30, now=now + 31)
    assert settled == [done, copying] and waiting == []
    assert split_settled([done, copying], 0, now=now) == ([done, copying], [])


def test_deployment_names_differ_per_inbox_and_database(tmp_path: Path) -> None:
    a, b = tmp_path / "Inbox A", tmp_path / "inbox-b"
    db_a, db_b = tmp_path / "a.duckdb", tmp_path / "b.duckdb"
    names = {deployment_name(a, db_a), deployment_name(b, db_b), deployment_name(a, db_b)}
    assert len(names) == 3
    assert deployment_name(a, db_a) == deployment_name(a, db_a)
    assert deployment_name(a, db_a).startswith("inbox-inbox-a-")


def test_the_run_artifact_has_counts_rejects_and_new_clusters() -> None:
    summary = RunSummary(
        run_id="r1", files_seen=7, new_documents=4, rejected=2, waiting=1,
        rejects_by_reason={"empty": 1, "binary": 1},
    )
    text = run_markdown(
        summary, [NewCluster("story", "c" * 64, articles=5, new=2, sites=3, title="Talks | go on")]
    )
    assert "| files seen | 7 |" in text and "| waiting to settle | 1 |" in text
    assert "| empty | 1 |" in text and "| binary | 1 |" in text
    assert f"| `{'c' * 12}` | 5 | 2 | 3 | Talks \\| go on |" in text
    assert "## Largest near clusters with new articles\n\nnone" in text


def test_unsettled_inbox_files_wait_for_the_next_run(prefect_server: None, tmp_path: Path) -> None:
    from flows.pipeline import pipeline

    inbox, db = tmp_path / "inbox", tmp_path / "wh.duckdb"
    shutil.copytree(SEEDS, inbox)
    first = pipeline([inbox], db=db, settle=3600)
    assert (first.files_seen, first.waiting, first.new_documents) == (0, 5, 0)
    second = pipeline([inbox], db=db, settle=0)
    assert (second.files_seen, second.waiting, second.new_documents) == (5, 0, 5)


# --- real `presswash serve` processes ------------------------------------------------


class Serving:
    """A `presswash serve` process and what it printed."""

    def __init__(self, inbox: Path, db: Path, mark: str) -> None:
        self.proc = subprocess.Popen(
            presswash("serve", str(inbox), "--db", str(db), "--settle", "0", "--cron",
                      "0 0 1 1 *"),  # no scheduled tick during the test: runs are triggered
            env=marked_env(mark),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        self.lines: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.append(line.rstrip("\n"))

    def printed(self, prefix: str) -> str | None:
        return next((ln for ln in self.lines if ln.startswith(prefix)), None)

    def api(self) -> str:
        line = self.printed("run it now: PREFECT_API_URL=")
        assert line is not None
        return line.split("=", 1)[1].split()[0]

    def deployment(self) -> str:
        line = self.printed("serving ")
        assert line is not None
        return line.split(" as deployment ", 1)[1].split(";")[0]

    def stop(self, *signals: signal.Signals) -> tuple[int, list[str]]:
        before = len(self.lines)
        for sig in signals:
            self.proc.send_signal(sig)
            time.sleep(0.05)
        try:
            self.proc.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            pytest.fail(f"serve still running {STOP_SECONDS}s after {signals}: {self.lines}")
        self.reader.join(timeout=5)
        return self.proc.returncode, self.lines[before:]


def call(method: str, url: str, **kwargs: object) -> httpx.Response:
    """An API call, retried while the server answers 503 (SQLite busy), as Prefect's
    client does: every Prefect server on this machine shares one SQLite file."""
    for _ in range(30):
        response = httpx.request(method, url, timeout=30, **kwargs)  # type: ignore[arg-type]
        if response.status_code != 503:
            return response.raise_for_status()
        time.sleep(1)
    return response.raise_for_status()


def trigger(api: str, deployment: str) -> str:
    """Start a run of `deployment` now, as `prefect deployment run` does; its id."""
    dep = call("GET", f"{api}/deployments/name/{deployment}").json()
    run = call("POST", f"{api}/deployments/{dep['id']}/create_flow_run", json={})
    return str(run.json()["id"])


def flow_run_state(api: str, run_id: str) -> str:
    return str(call("GET", f"{api}/flow_runs/{run_id}").json()["state_type"])


@pytest.fixture
def two_inboxes(tmp_path: Path) -> Iterator[tuple[Path, Path, Path, Path]]:
    inbox_a, inbox_b = tmp_path / "a" / "inbox", tmp_path / "b" / "inbox"
    shutil.copytree(SEEDS, inbox_a)
    inbox_b.mkdir(parents=True)
    shutil.copy(sorted(SEEDS.glob("*.txt"))[0], inbox_b)
    yield inbox_a, tmp_path / "a.duckdb", inbox_b, tmp_path / "b.duckdb"


def test_two_serves_each_run_their_own_inbox_and_stop_on_signals(
    two_inboxes: tuple[Path, Path, Path, Path],
) -> None:
    inbox_a, db_a, inbox_b, db_b = two_inboxes
    with no_process_left_behind() as mark:
        a, b = Serving(inbox_a, db_a, mark), Serving(inbox_b, db_b, mark)

        def both_up() -> bool:
            assert b.proc.poll() is None, f"the second serve ended first: {b.lines}"
            return bool(a.printed("run it now") and b.printed("run it now"))

        wait_for(both_up, a.proc)
        assert a.deployment() != b.deployment()

        ui = a.printed("Prefect UI (runs, logs, artifacts): ")
        assert ui is not None
        assert call("GET", ui.rsplit(" ", 1)[1]).status_code == 200  # the link works

        runs = {"a": trigger(a.api(), a.deployment()), "b": trigger(b.api(), b.deployment())}
        wait_for(lambda: count_documents(db_a) == 5 and count_documents(db_b) == 1, a.proc)
        api = a.api()
        wait_for(lambda: flow_run_state(api, runs["a"]) == "COMPLETED", a.proc)

        def messages() -> list[str]:
            query = {"logs": {"flow_run_id": {"any_": [runs["a"]]}}}
            return [log["message"] for log in call("POST", f"{api}/logs/filter", json=query).json()]

        # a run's lines reach the API in batches, shortly after the run
        wait_for(lambda: any(m.startswith("run ") for m in messages()), a.proc, timeout=60)
        assert "5 of 5 files done" in messages()
        artifacts = call(
            "POST", f"{api}/artifacts/filter",
            json={"artifacts": {"flow_run_id": {"any_": [runs["a"]]}}},
        ).json()
        assert [art["key"] for art in artifacts] == ["presswash-run"]
        assert "| new documents | 5 |" in artifacts[0]["data"]
        assert "## Largest story clusters with new articles" in artifacts[0]["data"]

        code_a, said_a = a.stop(signal.SIGINT)
        code_b, said_b = b.stop(signal.SIGTERM)
    assert (code_a, said_a) == (128 + signal.SIGINT, ["stopped serving (SIGINT)"])
    assert (code_b, said_b) == (128 + signal.SIGTERM, ["stopped serving (SIGTERM)"])


@pytest.mark.parametrize(
    "signals",
    [(signal.SIGINT,), (signal.SIGTERM,), (signal.SIGINT, signal.SIGINT)],
    ids=["SIGINT", "SIGTERM", "SIGINT twice"],
)
def test_serve_stops_on_signals_while_starting(
    signals: tuple[signal.Signals, ...], tmp_path: Path
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    with no_process_left_behind() as mark:
        serving = Serving(inbox, tmp_path / "wh.duckdb", mark)
        wait_for(lambda: server_child_started(mark), serving.proc)
        code, said = serving.stop(*signals)
    assert code == 128 + signals[0]
    assert said == [f"stopped serving ({signals[0].name})"]


def test_serve_starts_again_after_a_kill(tmp_path: Path) -> None:
    """SIGKILL, which runs no cleanup: its Prefect server goes with it, and a new `serve`
    of the same inbox and database comes up under the same deployment and runs."""
    inbox, db = tmp_path / "inbox", tmp_path / "wh.duckdb"
    shutil.copytree(SEEDS, inbox)
    with no_process_left_behind() as mark:
        first = Serving(inbox, db, mark)
        wait_for(lambda: first.printed("run it now"), first.proc)
        first.proc.kill()
        first.proc.wait(timeout=STOP_SECONDS)
        assert wait_until_gone(mark) == []  # the server child died with it

        second = Serving(inbox, db, mark)
        wait_for(lambda: second.printed("run it now"), second.proc)
        assert second.deployment() == first.deployment()
        run = trigger(second.api(), second.deployment())
        api = second.api()
        wait_for(lambda: flow_run_state(api, run) == "COMPLETED", second.proc)
        assert count_documents(db) == 5
        code, said = second.stop(signal.SIGTERM)
    assert (code, said) == (128 + signal.SIGTERM, ["stopped serving (SIGTERM)"])

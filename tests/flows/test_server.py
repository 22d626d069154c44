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
    summary = run_pipeline(  # 10 files a batch: enough batches to start the pool
        [pages / "text", pages / "html"], db=tmp_path / "w.duckdb", workers=2, batch_size=10
    )
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


def test_the_routers_a_run_uses_come_first_and_every_path_routes_as_before() -> None:
    """`run_routers_first` changes only how many routers FastAPI builds before it finds
    a match: each path still reaches the endpoint it reached before."""
    import anyio
    import httpx
    from fastapi import APIRouter, FastAPI

    from flows.server_child import run_routers_first

    def router(prefix: str, *paths: str) -> APIRouter:
        r = APIRouter(prefix=prefix)
        for path in paths:
            r.add_api_route(path, lambda p=prefix + path: p, methods=["GET"])
        return r

    def api() -> FastAPI:
        app = FastAPI()
        app.add_api_route("/health", lambda: "/health", methods=["GET"])
        for r in (
            router("/flows", "/", "/{id}"), router("/ui/flows", "/count"),
            router("/deployments", "/{id}"), router("/flow_runs", "/{id}", "/{id}/set_state"),
            router("/admin", "/version"), router("", "/hello", "/{anything}"),
        ):
            app.include_router(r)
        return app

    def answers(app: FastAPI) -> list[object]:
        async def get_all() -> list[object]:
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://x") as client:
                return [(await client.get(p)).json() for p in paths]

        return anyio.run(get_all)

    paths = ["/health", "/flows/", "/flows/x", "/ui/flows/count", "/deployments/x",
             "/flow_runs/x", "/flow_runs/x/set_state", "/admin/version", "/hello", "/other"]
    before = answers(api())
    reordered = api()
    run_routers_first(reordered.router.routes, ("/admin", "/flow_runs", "/flows"))
    assert answers(reordered) == before
    prefixes = [getattr(getattr(r, "original_router", None), "prefix", None)
                for r in reordered.router.routes]
    if any(prefixes):  # FastAPI 0.137 and later: included routers are kept as routers
        included = [p for p in prefixes if p is not None]
        assert included[:3] == ["/flows", "/flow_runs", "/admin"]  # in their own order
        assert included[3:] == ["/ui/flows", "/deployments", ""]


def test_a_start_skips_the_migration_check_only_where_the_last_one_left_the_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlite3

    from flows.server import MIGRATED_MARK, already_migrated, default_database, remember_migrated

    for key in os.environ:
        if key.startswith(("PREFECT_SERVER_DATABASE_", "PREFECT_API_DATABASE_")):
            monkeypatch.delenv(key)
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path))
    monkeypatch.setenv("PREFECT_PROFILES_PATH", str(tmp_path / "profiles.toml"))
    monkeypatch.chdir(tmp_path)
    database = default_database()
    assert database == tmp_path / "prefect.db"
    assert not already_migrated(database)  # a fresh home: the first start migrates

    def at_revision(revision: str) -> None:
        with sqlite3.connect(database) as con:
            con.execute("CREATE TABLE IF NOT EXISTS alembic_version (version_num TEXT)")
            con.execute("DELETE FROM alembic_version")
            con.execute("INSERT INTO alembic_version VALUES (?)", [revision])
        con.close()

    at_revision("aaa")
    assert not already_migrated(database)
    remember_migrated(database)
    assert already_migrated(database)
    at_revision("bbb")  # another Prefect migrated it since
    assert not already_migrated(database)
    remember_migrated(database)
    (tmp_path / MIGRATED_MARK).write_text("prefect 0.0.1 revision bbb\n")  # another version
    assert not already_migrated(database)

    monkeypatch.setenv("PREFECT_API_DATABASE_CONNECTION_URL", "postgresql+asyncpg://x/y")
    assert default_database() is None  # not Prefect's default database: always checked
    monkeypatch.delenv("PREFECT_API_DATABASE_CONNECTION_URL")
    (tmp_path / "profiles.toml").write_text(
        '[profiles.default]\nPREFECT_SERVER_DATABASE_NAME = "other.db"\n'
    )
    assert default_database() is None


START_ONE_SERVER = """
from flows.server import ServerDidNotStart, start_server

server = start_server(scheduling=True, ui=True)  # as `serve` starts it
try:
    server.wait_ready()
    print("up")
except ServerDidNotStart as exc:
    print(exc)
finally:
    server.stop()
"""


def test_two_servers_started_at_once_on_a_fresh_home_both_come_up(tmp_path: Path) -> None:
    """Both migrate the same fresh SQLite file: unguarded, one of them fails ("table
    work_queue already exists"); the second start waits for the first."""
    import subprocess
    import sys

    from tests.flows.procs import marked_env, no_process_left_behind

    with no_process_left_behind() as mark:
        env = marked_env(mark, PREFECT_HOME=str(tmp_path / "home"))
        starts = [
            subprocess.Popen([sys.executable, "-c", START_ONE_SERVER], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(2)
        ]
        said = [start.communicate(timeout=300) for start in starts]
    assert [out for out, _ in said] == ["up\n", "up\n"], said


def test_with_no_api_url_workers_share_this_process_temporary_server(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`run_pipeline` called from Python with no PREFECT_API_URL (Prefect's ephemeral
    mode): the workers get the temporary server this process uses, not one each."""
    from prefect.server.api.server import SubprocessASGIServer
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from flows.server import api_shared_with_workers

    started: list[int | None] = []
    monkeypatch.setattr(SubprocessASGIServer, "start", lambda self: started.append(self.port))
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    server = SubprocessASGIServer()  # the instance Prefect's client uses with no URL
    monkeypatch.setattr(server, "port", 8765)
    with temporary_settings(restore_defaults={PREFECT_API_URL}):
        with api_shared_with_workers():
            assert os.environ["PREFECT_API_URL"] == "http://127.0.0.1:8765/api"
        assert "PREFECT_API_URL" not in os.environ
    assert started == [8765]

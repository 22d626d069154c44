"""The Prefect API a run reports to, and the lifetime of the local server behind it.

With `PREFECT_API_URL` set, runs report to that server and presswash starts nothing.
Without it, Prefect would start a temporary server of its own as a plain child process:
a `presswash run` killed by SIGKILL leaves that server running for good, and a Ctrl-C
in a terminal reaches it too (it is in the terminal's process group), so the flow's last
API calls retry against a dead server for a minute. presswash starts the server itself
instead, as a child that cannot outlive it:

- the kernel kills it when presswash dies, however it dies (`PR_SET_PDEATHSIG`, set
  in the child before it imports anything, checked against a parent that died first);
- it runs in a session of its own, so a terminal's Ctrl-C reaches presswash only, and
  presswash stops the server after the run is recorded;
- it is spawned before presswash imports its pipeline, so its start-up (mostly
  importing Prefect's server) overlaps ours on a second core;
- it listens on a socket presswash bound first (`uvicorn --fd`), so there is no
  race for a free port.
"""

from __future__ import annotations

import fcntl
import http.client
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from warehouse import PresswashError

SERVER_STARTUP_SECONDS = 120.0
"""Importing Prefect's server takes 3-6 s on an idle 2-core machine and 40 s on a busy
one, and a first start also migrates Prefect's SQLite database."""

SERVER_STOP_SECONDS = 1.0
"""How long a stopping server may take to shut down before it is killed: its state is
in SQLite, which a kill cannot corrupt, and every API call of the run has returned."""

HEALTH_POLL_SECONDS = 0.05

SCHEDULING_SERVICES = ("SCHEDULER", "LATE_RUNS")

RUN_SERVER_ENV = {
    "PREFECT_API_BLOCKS_REGISTER_ON_START": "false",
    "PREFECT_MEMOIZE_BLOCK_AUTO_REGISTRATION": "false",
}
"""A one-run server's start-up skips block registration (about a second of CPU): a
run uses no blocks, and `prefect server start` on the same home registers them."""
"""What a server needs beyond presswash's quiet defaults to turn a cron into runs."""


class ServerDidNotStart(PresswashError):
    """The local Prefect server did not answer in time, or exited."""


class ServerUnreachable(PresswashError):
    """`PREFECT_API_URL` names a server that does not answer."""


@dataclass(slots=True)
class LocalServer:
    """A Prefect server child on a loopback port presswash chose."""

    proc: subprocess.Popen[bytes]
    port: int
    log: Path
    migrates: Path | None = None
    """Prefect's SQLite database, when this start checks its migrations and a later
    start may skip that (see `MIGRATED_MARK`)."""
    started: float = field(default_factory=time.monotonic)
    start_lock: int | None = None
    """The held `START_LOCK` while this start migrates Prefect's database."""

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    @property
    def ui_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_ready(self, timeout: float = SERVER_STARTUP_SECONDS) -> None:
        """Block until the server answers its health check (raises ServerDidNotStart)."""
        try:
            self._wait_ready(timeout)
        finally:
            self.release_start_lock()

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not api_is_healthy(self.api_url, timeout=1.0):
            if self.proc.poll() is not None:
                raise ServerDidNotStart(
                    f"the local Prefect server exited with code {self.proc.returncode}: "
                    f"{last_line(self.log)}"
                )
            if time.monotonic() > deadline:
                raise ServerDidNotStart(
                    f"the local Prefect server did not answer within {timeout:.0f}s "
                    "(set PREFECT_API_URL to use a running one)"
                )
            time.sleep(HEALTH_POLL_SECONDS)

    def release_start_lock(self) -> None:
        if self.start_lock is not None:
            os.close(self.start_lock)  # closing drops the flock
            self.start_lock = None

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if it has not exited in time; reaps it either way."""
        self.release_start_lock()
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=SERVER_STOP_SECONDS)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.unlink(missing_ok=True)


def start_server(*, scheduling: bool = False, ui: bool = False) -> LocalServer:
    """Spawn a Prefect server child (returns at once; call `wait_ready`).

    Args:
        scheduling: run the scheduler services, so a served cron produces runs.
        ui: serve Prefect's web UI too (for `serve`, where someone may look at it).
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    port = int(sock.getsockname()[1])
    env = server_environment(scheduling=scheduling, ui=ui)
    database = None if scheduling else default_database()
    if database is not None and already_migrated(database):
        env["PREFECT_SERVER_DATABASE_MIGRATE_ON_START"] = "false"
        database = None
    migrates = env.get("PREFECT_SERVER_DATABASE_MIGRATE_ON_START") != "false"
    start_lock = hold_start_lock(SERVER_STARTUP_SECONDS) if migrates else None
    fd, log_name = tempfile.mkstemp(prefix="presswash-prefect-server-", suffix=".log")
    try:
        proc = subprocess.Popen(
            [
                sys.executable, "-m", "flows.server_child", str(os.getpid()),
                "--fd", str(sock.fileno()),
                "--factory", "flows.server_child:create_app",
                "--log-level", "error", "--lifespan", "on",
            ],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=fd,
            stderr=fd,
            pass_fds=(sock.fileno(),),
            start_new_session=True,
        )
    except BaseException:
        if start_lock is not None:
            os.close(start_lock)
        raise
    finally:
        os.close(fd)
        sock.close()  # the child holds its own copy of the listening socket
    return LocalServer(
        proc=proc, port=port, log=Path(log_name), migrates=database, start_lock=start_lock
    )


START_LOCK = "presswash-prefect-start.lock"
"""A file in PREFECT_HOME, flocked by a server start that migrates Prefect's database
until the server answers. Two servers migrating one SQLite file at once fail (seen with
two `serve`s started together on a fresh home: "table work_queue already exists", and
the second server exits), so the second start waits for the first."""


def hold_start_lock(timeout: float) -> int | None:
    """Take `START_LOCK` (waiting up to `timeout` for another start); its fd, or None
    if the home cannot hold a lock file (then the start goes on unguarded)."""
    home = prefect_home()
    try:
        home.mkdir(parents=True, exist_ok=True)
        fd = os.open(home / START_LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError:
        return None
    deadline = time.monotonic() + timeout
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return fd
        except BlockingIOError:
            if time.monotonic() > deadline:
                os.close(fd)
                raise ServerDidNotStart(
                    f"another Prefect server start on {home} did not finish within "
                    f"{timeout:.0f}s (set PREFECT_API_URL to use a running one)"
                ) from None
            time.sleep(HEALTH_POLL_SECONDS)
        except OSError:
            os.close(fd)
            return None


def server_environment(*, scheduling: bool, ui: bool) -> dict[str, str]:
    """The server child's environment: ours, minus any API URL, plus its role."""
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env["PREFECT_UI_ENABLED"] = "true" if ui else "false"
    env["PREFECT__SERVER_FINAL"] = "1"
    if scheduling:
        env.pop("PREFECT__SERVER_EPHEMERAL", None)
        for service in SCHEDULING_SERVICES:
            env[f"PREFECT_SERVER_SERVICES_{service}_ENABLED"] = "true"
    else:
        # only the services an ephemeral server needs; a single run schedules nothing
        env["PREFECT__SERVER_EPHEMERAL"] = "1"
        # nor does it use blocks: registering Prefect's block types on every start
        # imports every installed integration (prefect-dask imports all of Dask)
        for key, value in RUN_SERVER_ENV.items():
            env.setdefault(key, value)
    return env


def api_is_healthy(api_url: str, *, timeout: float) -> bool:
    """Whether `GET <api>/health` answers 200 (http.client: no import cost)."""
    from urllib.parse import urlsplit

    parts = urlsplit(api_url)
    connection = (
        http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    )
    conn = connection(parts.hostname or "127.0.0.1", parts.port, timeout=timeout)
    try:
        conn.request("GET", parts.path.rstrip("/") + "/health")
        return conn.getresponse().status == 200
    except (OSError, http.client.HTTPException):
        return False
    finally:
        conn.close()


def last_line(path: Path) -> str:
    try:
        lines = path.read_text(errors="replace").strip().splitlines()
    except OSError:
        return "no output"
    return lines[-1] if lines else "no output"


def configured_api_url() -> str | None:
    """The user's `PREFECT_API_URL`, from the environment or Prefect's profile."""
    if url := os.environ.get("PREFECT_API_URL"):
        return url
    if "prefect" not in sys.modules and not any(map(may_set_api_url, prefect_config_files())):
        return None  # nothing else sets it: spare the import of Prefect's settings
    from prefect.settings import PREFECT_API_URL

    return PREFECT_API_URL.value() or None


def prefect_home() -> Path:
    """Prefect's home folder (its settings, its SQLite database)."""
    return Path(os.environ.get("PREFECT_HOME") or Path.home() / ".prefect").expanduser()


def prefect_config_files() -> list[Path]:
    """Where Prefect reads settings besides the environment: profiles, prefect.toml."""
    home = prefect_home()
    profiles = os.environ.get("PREFECT_PROFILES_PATH")
    return [
        Path(profiles).expanduser() if profiles else home / "profiles.toml",
        Path("prefect.toml"),
        Path(".env"),
        Path("pyproject.toml"),
    ]


def may_set_api_url(path: Path) -> bool:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return False
    return "PREFECT_API_URL" in text or "[api]" in text or "[tool.prefect.api]" in text


MIGRATED_MARK = "presswash-prefect-migrated"
"""A file in PREFECT_HOME: the Prefect version and database revision a private server
last started on. A start of the same Prefect version on a database still at that
revision skips Alembic's upgrade check, which finds nothing to do but costs about 7%
of the server's start-up (importing Alembic and reading every migration script)."""


def default_database() -> Path | None:
    """Prefect's SQLite file when the database is Prefect's default; None when any
    setting may choose another (then every start checks its migrations)."""
    prefixes = ("PREFECT_SERVER_DATABASE_", "PREFECT_API_DATABASE_")
    if any(key.startswith(prefixes) for key in os.environ):
        return None
    if any(map(may_set_database, prefect_config_files())):
        return None
    return prefect_home() / "prefect.db"


def may_set_database(path: Path) -> bool:
    try:
        text = path.read_text(errors="replace").lower()
    except OSError:
        return False
    if path.name == "pyproject.toml" and "tool.prefect" not in text:
        return False
    return "database" in text


def migration_mark(database: Path) -> str | None:
    """`prefect <version> revision <alembic revision>` of `database`; None if unknown."""
    import sqlite3
    from importlib.metadata import PackageNotFoundError, version

    try:
        con = sqlite3.connect(f"{database.resolve().as_uri()}?mode=ro", uri=True)
        try:
            rows = con.execute("SELECT version_num FROM alembic_version").fetchall()
        finally:
            con.close()
        return f"prefect {version('prefect')} revision {rows[0][0]}" if len(rows) == 1 else None
    except (sqlite3.Error, OSError, PackageNotFoundError):
        return None


def already_migrated(database: Path) -> bool:
    """Whether a private server of this Prefect version found `database` at its
    current revision: nothing for Alembic to do."""
    if not database.exists():
        return False
    try:
        remembered = (database.parent / MIGRATED_MARK).read_text().strip()
    except OSError:
        return False
    return remembered == migration_mark(database)


def remember_migrated(database: Path) -> None:
    """After a start that checked the migrations: note where they left `database`."""
    mark = migration_mark(database)
    if mark is None:
        return
    target = database.parent / MIGRATED_MARK
    partial = target.with_name(f"{MIGRATED_MARK}.{os.getpid()}")
    try:
        partial.write_text(mark + "\n")
        os.replace(partial, target)
    except OSError:
        partial.unlink(missing_ok=True)  # a read-only home: every start checks


@contextmanager
def prefect_api(
    *,
    scheduling: bool = False,
    ui: bool = False,
    meanwhile: Callable[[], object] | None = None,
) -> Iterator[str]:
    """Point Prefect at an API for the duration: the user's, else a private server child.

    Yields the API URL once it answers. On exit the private server is stopped (and it
    dies with us in any case).

    Args:
        scheduling: the private server runs the scheduler (for `serve`).
        ui: the private server serves Prefect's UI, and Prefect prints links to it.
        meanwhile: called while the private server starts (say, importing the
            pipeline), so the two overlap on two cores.
    """
    if user_url := configured_api_url():
        if not api_is_healthy(user_url, timeout=5.0):
            raise ServerUnreachable(f"PREFECT_API_URL {user_url} does not answer")
        if meanwhile:
            meanwhile()
        yield user_url
        return
    server = start_server(scheduling=scheduling, ui=ui)
    try:
        with api_url_set(server.api_url, ui_url=server.ui_url if ui else None):
            if meanwhile:
                meanwhile()
            server.wait_ready()
            if server.migrates is not None:
                remember_migrated(server.migrates)
            if scheduling:
                yield server.api_url
            else:
                with no_heartbeats():
                    yield server.api_url
    finally:
        server.stop()


@contextmanager
def no_heartbeats() -> Iterator[None]:
    """Flow runs in this process send no heartbeats (for a one-run private server).

    Heartbeats let a server notice a flow run that died; a one-run server dies with
    its run and runs no service that reads them. Sending them costs every run up to a
    second at its end: Prefect joins the heartbeat thread, which sleeps in 1 s steps.
    A user's own server (`PREFECT_API_URL`) keeps Prefect's default.
    """
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    with temporary_settings({PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        yield


@contextmanager
def api_url_set(api_url: str, *, ui_url: str | None) -> Iterator[None]:
    """Set PREFECT_API_URL (and the UI link Prefect prints) for this process.

    Through the environment when Prefect is not imported yet; through Prefect's
    temporary settings when it is. With no UI, the UI URL points nowhere useful, so
    Prefect is told there is none and prints no link.
    """
    saved = {k: os.environ.get(k) for k in ("PREFECT_API_URL", "PREFECT_UI_URL")}
    os.environ["PREFECT_API_URL"] = api_url
    os.environ["PREFECT_UI_URL"] = ui_url or ""
    try:
        if "prefect" in sys.modules:
            from prefect.settings import PREFECT_API_URL, PREFECT_UI_URL, temporary_settings

            with temporary_settings({PREFECT_API_URL: api_url, PREFECT_UI_URL: ui_url or ""}):
                yield
        else:
            yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value



@contextmanager
def api_shared_with_workers() -> Iterator[None]:
    """Put the API URL Prefect uses in the environment while worker processes start.

    Worker processes read their settings from the environment; a URL set only in this
    process's Prefect settings (a test harness, a caller's `temporary_settings`), or no
    URL at all (Prefect's ephemeral mode, `run_pipeline` called from Python), would leave
    each worker to start a temporary server of its own: ~5 s of imports in the worker
    and a second server busy beside the run (12 s of CPU in a 90 s one-worker run of
    1,500 documents, py-spy), which outlives it. With no URL, this process's temporary
    server is started here, the one Prefect's client would start for the flow anyway,
    and the workers share it.
    """
    if os.environ.get("PREFECT_API_URL") or "prefect" not in sys.modules:
        yield
        return
    from prefect.settings import PREFECT_API_URL, PREFECT_SERVER_EPHEMERAL_ENABLED

    url = PREFECT_API_URL.value()
    if not url and PREFECT_SERVER_EPHEMERAL_ENABLED.value():
        url = _ephemeral_api_url()
    if not url:
        yield
        return
    os.environ["PREFECT_API_URL"] = url
    try:
        yield
    finally:
        os.environ.pop("PREFECT_API_URL", None)


def _ephemeral_api_url() -> str:
    """The API URL of this process's temporary Prefect server, started if need be: the
    same instance `prefect.client.orchestration.get_client` uses in ephemeral mode."""
    from prefect.server.api.server import SubprocessASGIServer

    server = SubprocessASGIServer()
    server.start()
    return server.api_url

"""Scheduled runs over an inbox folder, served by Prefect.

"Only new files" needs no bookkeeping of its own: documents are keyed by the sha256
of their bytes, so a scheduled run over the whole inbox skips every file already
loaded (without cleaning it again) and processes only what arrived since.

Prefect's temporary (ephemeral) server does not run its scheduler, so unless the user
points PREFECT_API_URL at a server of their own, `serve` starts a local Prefect server
on a free loopback port for as long as it serves, and stops it on exit.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from warehouse import PresswashError, resolve_db

SERVER_STARTUP_SECONDS = 120.0
"""A first start migrates Prefect's SQLite database, which takes ~20 s on this class
of machine; allow for a slow disk."""

SCHEDULING_SERVICES = ("SCHEDULER", "LATE_RUNS")
"""What a server needs beyond the quiet defaults to turn a cron schedule into runs."""


class ServerDidNotStart(PresswashError):
    """The local Prefect server for `serve` did not answer in time."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def local_prefect_server() -> Iterator[str]:
    """Run `prefect server start` on loopback; yields its API URL, stops it on exit."""
    port = free_port()
    env = {**os.environ, "PREFECT_UI_ENABLED": "false"}
    env.pop("PREFECT_API_URL", None)
    for service in SCHEDULING_SERVICES:
        env[f"PREFECT_SERVER_SERVICES_{service}_ENABLED"] = "true"
    proc = subprocess.Popen(
        [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
         "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    api = f"http://127.0.0.1:{port}/api"
    try:
        deadline = time.monotonic() + SERVER_STARTUP_SECONDS
        while True:
            if proc.poll() is not None:
                raise ServerDidNotStart(f"local Prefect server exited with {proc.returncode}")
            try:
                if httpx.get(f"{api}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise ServerDidNotStart(
                    f"local Prefect server did not answer within {SERVER_STARTUP_SECONDS:.0f}s"
                )
            time.sleep(0.5)
        yield api
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def serve(
    inbox: str | Path, *, cron: str, db: str | Path | None = None, follow_symlinks: bool = False
) -> None:
    """Block, running the pipeline over `inbox` on the `cron` schedule until interrupted.

    Links in the inbox that lead out of it are `outside_input` rejects unless
    `follow_symlinks`: whoever can drop a file there must not make it read others.
    """
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from flows.pipeline import pipeline

    parameters = {
        "paths": [str(Path(inbox).resolve())],
        "db": str(resolve_db(db).resolve()),
        "follow_symlinks": follow_symlinks,
    }
    if PREFECT_API_URL.value():
        pipeline.serve(name="presswash-inbox", cron=cron, parameters=parameters)
        return
    with local_prefect_server() as api, temporary_settings({PREFECT_API_URL: api}):
        pipeline.serve(name="presswash-inbox", cron=cron, parameters=parameters)

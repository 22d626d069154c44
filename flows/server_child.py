"""The local Prefect server's entry point: arm the death signal, then run uvicorn.

`python -m flows.server_child PARENT_PID UVICORN_ARGS...`. The kernel sends this process
SIGKILL when its parent dies (`PR_SET_PDEATHSIG`, kept across the uvicorn start), so
a presswash killed by any means takes its server with it. It is armed here rather
than in a `preexec_fn`, which is unsafe in a parent with threads; a parent that died
before it was armed is caught by comparing the parent pid.

Starting the server is mostly importing Prefect's server (several thousand pydantic
and SQLAlchemy classes), during which Python's cyclic garbage collector runs over and
over to find no garbage: it is paused until the app is built (`create_app`), and what
was built is moved out of its reach (`gc.freeze`). That is ~15% of the start-up's CPU.

FastAPI (0.137 and later) builds an included router's routes (their pydantic models) the
first time a request is matched against that router, and it tries the routers in the
order they were included: the first request of a run (`/admin/version`) built nearly
all of Prefect's 30 routers, ~190 routes and a second or two of CPU, before the run
could start. The routers a run uses are moved to the front (`run_routers_first`), so
the others are built only if something asks for them (the UI, a user).
"""

import ctypes
import gc
import os
import runpy
import signal
import sys
from collections.abc import Sequence
from typing import Any

PR_SET_PDEATHSIG = 1

PREFECT_APP = "prefect.server.api.server:create_app"
"""What uvicorn serves; `create_app` below builds it with the collector paused."""


RUN_ROUTERS = ("/admin", "/csrf-token", "/flows", "/flow_runs", "/artifacts", "/events")
"""The API routers a flow run calls (version check, flow and run records, states, the
run's artifact, the events socket), by their prefixes under `/api`."""


def create_app() -> Any:
    """uvicorn's app factory: Prefect's server app, then the collector back on."""
    from prefect.server.api.server import create_app as prefect_app

    try:
        app = prefect_app()
        api = getattr(app, "api_app", None)  # Prefect's REST API, mounted at /api
        if api is not None:
            run_routers_first(api.router.routes, RUN_ROUTERS)
        return app
    finally:
        gc.freeze()
        gc.enable()


def run_routers_first(routes: list[Any], prefixes: Sequence[str]) -> None:
    """Reorder `routes` in place: plain routes, then the included routers under
    `prefixes`, then the other included routers, each group in its own order.

    Prefect's routers have distinct prefixes, so which one matches a path does not
    depend on their order; only how many FastAPI builds before it finds the match.
    FastAPI before 0.137 copies routes when a router is included (no `original_router`):
    then every route is plain and nothing moves.
    """
    wanted = set(prefixes)

    def group(route: Any) -> int:
        router = getattr(route, "original_router", None)
        if router is None:
            return 0
        return 1 if getattr(router, "prefix", None) in wanted else 2

    routes[:] = sorted(routes, key=group)


def main() -> None:
    gc.disable()
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != int(sys.argv[1]):
        os._exit(0)
    sys.argv = ["uvicorn", *sys.argv[2:]]
    runpy.run_module("uvicorn", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()

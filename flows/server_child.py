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
"""

import ctypes
import gc
import os
import runpy
import signal
import sys
from typing import Any

PR_SET_PDEATHSIG = 1

PREFECT_APP = "prefect.server.api.server:create_app"
"""What uvicorn serves; `create_app` below builds it with the collector paused."""


def create_app() -> Any:
    """uvicorn's app factory: Prefect's server app, then the collector back on."""
    from prefect.server.api.server import create_app as prefect_app

    try:
        return prefect_app()
    finally:
        gc.freeze()
        gc.enable()


def main() -> None:
    gc.disable()
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != int(sys.argv[1]):
        os._exit(0)
    sys.argv = ["uvicorn", *sys.argv[2:]]
    runpy.run_module("uvicorn", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()

"""The local Prefect server's entry point: arm the death signal, then run uvicorn.

`python -m flows.server_child PARENT_PID UVICORN_ARGS...`. The kernel sends this process
SIGKILL when its parent dies (`PR_SET_PDEATHSIG`, kept across the uvicorn start), so
a presswash killed by any means takes its server with it. It is armed here rather
than in a `preexec_fn`, which is unsafe in a parent with threads; a parent that died
before it was armed is caught by comparing the parent pid.
"""

import ctypes
import os
import runpy
import signal
import sys

PR_SET_PDEATHSIG = 1


def main() -> None:
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != int(sys.argv[1]):
        os._exit(0)
    sys.argv = ["uvicorn", *sys.argv[2:]]
    runpy.run_module("uvicorn", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()

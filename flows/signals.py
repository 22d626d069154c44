"""SIGINT and SIGTERM: how a run stops when asked.

The first SIGINT or SIGTERM raises `Interrupted` in the main thread: at once in our
code (or while it waits on a task), or, if it arrived inside Prefect's engine setting
up or recording a task run, as soon as the engine is out of it (raising there breaks
Prefect's own crash handling). A batch inside its transaction rolls back
(`warehouse.db.transaction` undoes it on any exception), and the flow records the
run as `interrupted` on its way out. The process then prints one line and exits at
once (`os._exit`), without waiting for worker threads or processes still busy on a
batch nobody will load.

Two things bound the time it takes however the unwinding goes: a watchdog that ends
the process `GRACE_SECONDS` after the first signal, and a second signal, which ends
it immediately. Either way the one line is printed exactly once. The run is recorded
by whoever comes first (`record_once`): the flow on its way out, or, if the flow has
not begun to `RECORD_AFTER_SECONDS` after the signal (a loaded machine, a long
statement or Prefect's crash handling can hold the main thread for seconds), the
watchdog, on a connection of its own; either waits for the other's record to finish
before it goes on, so the record is neither lost with a closing connection nor
denied by the line. A run cut short by a second signal (or whose record could not be
written by the deadline) stays `running` in `runs`, and the next run marks it
`interrupted` (see `warehouse.load.start_run`); the warehouse is safe as after a
SIGKILL.

Prefect installs its own SIGTERM handler while a flow runs; the flow body installs
ours again (`interruptible`), so SIGTERM means the same thing everywhere.
"""

from __future__ import annotations

import _thread
import importlib.util
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

GRACE_SECONDS = 4.25
"""From the first signal to a forced exit, inside the 5 s promise: recording the run
and stopping the local server take well under a second on a quiet machine, seconds on
a loaded one."""

RECORD_AFTER_SECONDS = 1.0
"""If the flow has not begun to record its run this long after the first signal, the
watchdog records it (one UPDATE), leaving it the rest of the grace to get through."""

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)

REDELIVER_SECONDS = 0.05
"""How often a signal that arrived inside Prefect's machinery is tried again."""

PACKAGES = ("flows", "cleaners", "warehouse", "schemas")


class Interrupted(BaseException):
    """A stop signal arrived. A BaseException, so that no `except Exception` and no
    task retry swallows it."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum

    @property
    def name(self) -> str:
        return signal.Signals(self.signum).name

    @property
    def exit_code(self) -> int:
        return 128 + self.signum


@dataclass(slots=True)
class StopState:
    """What the process knows about its stop: the first signal, the run it cut short."""

    signum: int | None = None
    command: str | None = None
    run_id: str | None = None
    recorder: Callable[[], None] | None = None
    """Records the run as interrupted from any thread (the watchdog's)."""
    recording: bool = False
    """Someone claimed the record of the run (`claim_record`)."""
    record_done: threading.Event = field(default_factory=threading.Event)
    """Set once the run is recorded as interrupted."""
    deadline: float | None = None
    """`time.monotonic()` at which the watchdog ends the process."""
    said: bool = False
    pending: bool = False
    """The signal arrived inside Prefect's machinery; raise it once out of it."""
    redelivering: bool = False
    shields: int = 0
    """Inside `shielded`: a stop signal waits (pending) instead of raising."""
    watching_parent: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)
    watchdog: threading.Thread | None = None

    def line(self) -> str:
        name = signal.Signals(self.signum or signal.SIGINT).name
        if self.run_id and self.record_done.is_set():
            return f"interrupted by {name}: run {self.run_id} stopped and recorded as interrupted"
        if self.run_id:
            return (
                f"interrupted by {name}: run {self.run_id} stopped; "
                "the next run records it as interrupted"
            )
        if self.command == "run":
            return f"interrupted by {name} before the run started; nothing was written"
        if self.command == "serve":
            return f"stopped serving ({name})"
        return f"interrupted by {name}"


_STATE = StopState()


def note_run(run_id: str, recorder: Callable[[], None] | None = None) -> None:
    """Tell the stop line which run is in progress (call once it is in `runs`).

    Args:
        recorder: records the run as interrupted on a connection of its own, from any
            thread; the watchdog calls it if the flow has not recorded the run in time.
    """
    _STATE.run_id = run_id
    _STATE.recorder = recorder
    with _STATE.lock:  # a new run (one process may run many): nothing recorded yet
        _STATE.recording = False
        _STATE.record_done = threading.Event()


def claim_record() -> bool:
    """Whether the caller is the one to record the run as interrupted: the flow on
    its way out or the watchdog, whichever comes first, and only once."""
    with _STATE.lock:
        if _STATE.recording:
            return False
        _STATE.recording = True
        return True


def record_once(record: Callable[[], None]) -> None:
    """Record the run as interrupted with `record`, unless another thread has claimed
    that already; then wait (to the deadline) until its record is over, so that the
    caller neither closes the connection under it nor prints the line before it. If
    the other's record fails, its claim is let go and this one tries.

    Once the run is recorded, its cleaning workers are stopped: nothing they still
    return will be loaded.
    """
    while not claim_record():
        if wait_for_record():
            return
    try:
        record()
    except BaseException:
        with _STATE.lock:
            _STATE.recording = False
        raise
    _STATE.record_done.set()
    stop_worker_processes()


def wait_for_record() -> bool:
    """Wait while a record of the run is under way, at most to the deadline: False if
    its claim was let go unrecorded (the caller may try), else True."""
    deadline = _STATE.deadline
    if deadline is None:  # no stop signal: no watchdog records, nothing to wait for
        return True
    while _STATE.recording and not _STATE.record_done.is_set():
        if time.monotonic() >= deadline:
            return True
        _STATE.record_done.wait(0.02)
    return _STATE.record_done.is_set() or _STATE.recording


def _record_from_watchdog() -> None:
    """The flow has not begun to record its run: do it here, on a thread of its own
    (the watchdog goes on to end the process at the deadline whatever happens)."""
    recorder = _STATE.recorder
    if recorder is None or _STATE.recording:
        return

    def record() -> None:
        with suppress(Exception):  # failed (another process holds the file): the flow may try
            record_once(recorder)

    threading.Thread(target=record, name="presswash-record-stop", daemon=True).start()


def say_once(out: Callable[[str], None] | None = None) -> None:
    """Print the stop line, unless it was printed already (by the watchdog, say); a
    record of the run under way is waited for (to the deadline), so the line is true."""
    wait_for_record()
    with _STATE.lock:
        if _STATE.said:
            return
        _STATE.said = True
    (out or _stderr)(_STATE.line())


def _stderr(message: str) -> None:
    with suppress(OSError, ValueError):
        print(message, file=sys.stderr, flush=True)


def stop_worker_processes() -> None:
    """SIGKILL the cleaning workers of a `presswash run` (its multiprocessing children).

    Once a run is stopping they are busy with batches nobody will load; the pool's own
    shutdown would wait for each to finish its batch (seconds on a busy machine), and a
    worker left to notice by itself that we are gone holds our stderr open meanwhile.
    Only for the `run` command: in someone else's program, the processes are theirs.
    """
    if _STATE.command != "run":
        return
    import multiprocessing

    for child in multiprocessing.active_children():
        with suppress(OSError, ValueError, AttributeError):
            child.kill()


def exit_now(code: int) -> None:
    """Leave without running atexit hooks or joining worker threads."""
    stop_worker_processes()
    for stream in (sys.stdout, sys.stderr):
        with suppress(OSError, ValueError):
            stream.flush()
    os._exit(code)


def _start_watchdog(grace: float) -> None:
    """From the first stop signal: record the run if the flow has not begun to by
    `RECORD_AFTER_SECONDS`, and end the process `grace` seconds after the signal."""
    deadline = _STATE.deadline = time.monotonic() + grace

    def watch() -> None:
        _STATE.record_done.wait(min(RECORD_AFTER_SECONDS, grace))
        _record_from_watchdog()
        time.sleep(max(deadline - time.monotonic(), 0.0))
        say_once()
        exit_now(128 + (_STATE.signum or signal.SIGINT))

    _STATE.watchdog = threading.Thread(target=watch, name="presswash-stop-watchdog", daemon=True)
    _STATE.watchdog.start()


PROJECT_ROOT = Path(__file__).resolve().parent.parent
OUR_PACKAGES = tuple(str(PROJECT_ROOT / pkg) + os.sep for pkg in PACKAGES)
PREFECT_ROOT = str(Path(prefect_spec.origin).parent) + os.sep if (
    prefect_spec := importlib.util.find_spec("prefect")
) and prefect_spec.origin else None
PREFECT_WAITS = ("futures.py",)
"""Prefect code that only waits (on a task's future): safe to interrupt."""


def safe_to_raise(frame: FrameType | None) -> bool:
    """Whether raising here unwinds cleanly: in our code, not in Prefect's machinery.

    Prefect's engines handle an exception from a flow or task body, but one raised
    while they set up or record a run can break them (a crash handler that finds no
    task run, say). The innermost frame that is either ours or Prefect's decides;
    library and standard-library frames in between (DuckDB, numpy, a lock wait) are
    looked through.
    """
    while frame is not None:
        path = frame.f_code.co_filename
        if PREFECT_ROOT and path.startswith(PREFECT_ROOT):
            # an import being run has no state to break, and the process is leaving
            return path.endswith(PREFECT_WAITS) or frame.f_code.co_name == "<module>"
        if path.startswith(OUR_PACKAGES):
            return True
        frame = frame.f_back
    return True


def _redeliver() -> None:
    """Deliver the pending signal again shortly, to be raised once it is safe."""
    def again() -> None:
        if _STATE.pending and _STATE.signum is not None:
            _STATE.redelivering = True
            _thread.interrupt_main(_STATE.signum)

    timer = threading.Timer(REDELIVER_SECONDS, again)
    timer.daemon = True
    timer.start()


def _on_signal(signum: int, frame: FrameType | None) -> None:
    if _STATE.redelivering:
        _STATE.redelivering = False
    elif _STATE.signum is not None:  # a second signal: stop now
        say_once()
        exit_now(128 + _STATE.signum)
    else:
        _STATE.signum = signum
        _start_watchdog(GRACE_SECONDS)
    if _STATE.shields or not safe_to_raise(frame):
        _STATE.pending = True
        _redeliver()
        return
    _STATE.pending = False
    raise Interrupted(_STATE.signum)


def stop_requested() -> bool:
    """Whether a stop signal has arrived (raised already, or still pending)."""
    return _STATE.signum is not None


def the_stop() -> Interrupted:
    """The `Interrupted` for the signal that arrived, to raise now (nothing pending
    raises it a second time)."""
    _STATE.pending = False
    return Interrupted(_STATE.signum or signal.SIGINT)


@contextmanager
def shielded() -> Iterator[None]:
    """Stop signals wait while inside (a few statements that record the run)."""
    _STATE.shields += 1
    try:
        yield
    finally:
        _STATE.shields -= 1


@contextmanager
def interruptible() -> Iterator[None]:
    """While inside, SIGINT and SIGTERM raise `Interrupted` (main thread only; a no-op
    elsewhere). Restores the previous handlers on exit."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.signal(sig, _on_signal) for sig in STOP_SIGNALS}
    exit_with_parent()
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@contextmanager
def stop_on_signals(
    out: Callable[[str], None] | None = None, *, command: str | None = None
) -> Iterator[None]:
    """The whole of a command: a stop signal ends it with one line and exit 128+signal.

    Args:
        out: prints the line (default: stderr).
        command: what is being stopped; "run" says whether the run had started.
    """
    if command:
        _STATE.command = command
    with interruptible():
        try:
            yield
        except Interrupted as exc:
            _STATE.signum = _STATE.signum or exc.signum
            say_once(out)
            exit_now(exc.exit_code)


def ignore_interrupts() -> None:
    """For worker processes: Ctrl-C reaches the whole terminal process group, and
    stopping is the parent's decision (it exits and the pool goes with it)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)



SERVE_GRACE_SECONDS = 20.0
"""From the first stop signal to a forced exit of `serve`: time for Prefect's runner to
stop a flow run in progress (which records itself as interrupted) and shut down."""

EXIT_WITH_PARENT = "PRESSWASH_EXIT_WITH_PARENT"
"""Set by `serve` for the flow-run processes Prefect starts: each stops (as on SIGTERM)
if `serve` dies, instead of running on without it."""

PARENT_POLL_SECONDS = 0.5


def serve_stop_requested(signum: int) -> None:
    """A stop signal reached `serve`: the first starts the clock, a second ends it now."""
    if _STATE.signum is not None:
        say_once()
        exit_now(128 + _STATE.signum)
    _STATE.signum = signum
    _start_watchdog(SERVE_GRACE_SECONDS)


def _on_serve_signal(signum: int, frame: FrameType | None) -> None:
    serve_stop_requested(signum)
    raise KeyboardInterrupt  # what Prefect's serve loop stops on


@contextmanager
def serving(out: Callable[[str], None] | None = None) -> Iterator[None]:
    """The whole of `serve`: SIGINT or SIGTERM stops it, a second one at once.

    Prefect's runner replaces the SIGTERM handler while it polls with a graceful stop
    of its own, which must call `serve_stop_requested` (see `flows.schedule`); either
    way one line is printed and `serve` exits.
    """
    _STATE.command = "serve"
    os.environ[EXIT_WITH_PARENT] = "1"
    previous = {sig: signal.signal(sig, _on_serve_signal) for sig in STOP_SIGNALS}
    try:
        yield
    except (KeyboardInterrupt, SystemExit, Interrupted):
        pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if _STATE.signum is not None:
        say_once(out)
        exit_now(128 + _STATE.signum)


def exit_with_parent() -> None:
    """Send ourselves SIGTERM when the parent process dies (if `serve` asked for it)."""
    if not os.environ.get(EXIT_WITH_PARENT) or _STATE.watching_parent:
        return
    _STATE.watching_parent = True
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_POLL_SECONDS)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="presswash-parent-watch", daemon=True).start()

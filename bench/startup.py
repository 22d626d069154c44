"""Start-up figures (issue 11): how long each command takes in a fresh process.

Measures, each as the median of `--repeat` fresh processes with the spread (min-max):

- `sql`, `export`, `clusters` and `--help` on a seeded warehouse, and which of the
  heavy packages (prefect, numba, pyarrow, rich) each one imports;
- a no-op `presswash run` on the seeds (the warehouse already holds them), cold: each
  run starts Prefect's temporary server;
- the same with `PREFECT_API_URL` pointing at a `prefect server start` this script
  starts (in a temporary PREFECT_HOME) and stops again.

The machine is shared and noisy, so `python -c pass` and `import duckdb` are timed in
the same rounds, interleaved with the commands, as a yardstick: compare ratios.

    python bench/startup.py                  # everything, 5 rounds
    python bench/startup.py --skip-server    # no `prefect server start`
    python bench/startup.py --repeat 3 --skip-run
    python bench/startup.py --skip-reading   # only the no-op runs

Each table is followed by the load average (1, 5, 15 min) when it was finished: on a
shared machine that says how much the figures mean.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRESSWASH = [sys.executable, "-c", "from flows.cli import main; main()"]
HEAVY = ("prefect", "numba", "pyarrow", "rich", "pandas")

SERVER_START_TIMEOUT = 180.0
"""Seconds to wait for `prefect server start` to answer its health check."""


def env_for(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(
        PYTHONPATH=str(ROOT),
        PREFECT_HOME=str(home),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        DO_NOT_TRACK="1",
        **extra,
    )
    return env


CPU: dict[tuple[str, ...], list[float]] = {}
"""CPU seconds (user + system) of each timed command's process tree, by command."""


def timed(args: Sequence[str], env: dict[str, str]) -> float:
    """Wall seconds of one fresh process; its CPU seconds go to `CPU`.

    On a loaded machine wall time mostly measures the queue for a core; CPU time is
    close to what the same command takes on an idle one.
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(
        args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=ROOT, check=False
    )
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args[3:])} failed:\n{done.stderr.decode()[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    CPU.setdefault(tuple(args), []).append(cpu)
    return elapsed


def imports_of(args: Sequence[str], env: dict[str, str]) -> list[str]:
    """Which heavy top-level packages a command imports (`python -X importtime`)."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", *args[1:]],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=ROOT, text=True,
        check=False,
    )
    loaded = set()
    for line in done.stderr.splitlines():
        if line.startswith("import time:"):
            name = line.rsplit("|", 1)[-1].strip()
            loaded.add(name.split(".")[0])
    return sorted(loaded & set(HEAVY))


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f} ({os.cpu_count()} cores)"


def spread(samples: list[float]) -> str:
    return (
        f"{statistics.median(samples):.2f} s ({min(samples):.2f}-{max(samples):.2f})"
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def prefect_server(home: Path) -> Iterator[str]:
    """A `prefect server start` in its own session, stopped (with its children) after."""
    port = free_port()
    prefect = Path(sys.executable).with_name("prefect")
    cmd = [str(prefect) if prefect.exists() else "prefect", "server", "start",
           "--host", "127.0.0.1", "--port", str(port)]
    log = (home / "server.log").open("wb")
    server = subprocess.Popen(
        cmd, env=env_for(home), stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    url = f"http://127.0.0.1:{port}/api"
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while True:
            if server.poll() is not None:
                raise SystemExit(f"prefect server exited: {(home / 'server.log').read_text()}")
            try:
                with urllib.request.urlopen(f"{url}/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("prefect server did not answer in time")
            time.sleep(0.5)
        yield url
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        log.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--skip-run", action="store_true", help="only the reading commands")
    parser.add_argument("--skip-server", action="store_true", help="no warm-server run")
    parser.add_argument(
        "--skip-reading", action="store_true", help="only the no-op runs, not sql/export/..."
    )
    opts = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="presswash-startup-"))
    try:
        home = work / "prefect-home"
        home.mkdir()
        db = work / "presswash.duckdb"
        env = env_for(home)
        print(f"seeding {db} ...", file=sys.stderr)
        timed([*PRESSWASH, "run", "--db", str(db)], env)  # fills it: later runs are no-ops
        print(f"start: {load()}")
        if not opts.skip_reading:
            reading(opts, db, env)
        if not opts.skip_run:
            runs(opts, db, env, home)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def reading(opts: argparse.Namespace, db: Path, env: dict[str, str]) -> None:
    """The reading commands, interleaved with the yardsticks."""
    commands: dict[str, list[str]] = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "python -c 'import duckdb'": [sys.executable, "-c", "import duckdb"],
        "presswash --help": [*PRESSWASH, "--help"],
        "presswash sql": [*PRESSWASH, "sql", "select count(*) from articles", "--db", str(db)],
        "presswash export": [*PRESSWASH, "export", "--db", str(db)],
        "presswash clusters": [*PRESSWASH, "clusters", "--db", str(db)],
    }
    samples: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(opts.repeat):  # interleaved, so a slow spell hits every command
        for name, args in commands.items():
            samples[name].append(timed(args, env))
    heavy_names = ", ".join(HEAVY)
    print(
        "| command | wall, median (min-max) | CPU, median (min-max) "
        f"| imports of {heavy_names} |"
    )
    print("|---|---|---|---|")
    for name, args in commands.items():
        heavy = imports_of(args, env) if name.startswith("presswash") else []
        cpu = spread(CPU[tuple(args)])
        print(f"| `{name}` | {spread(samples[name])} | {cpu} | {', '.join(heavy) or 'none'} |")
    base = statistics.median(samples["python -c pass"])
    print(f"\nn={opts.repeat}; ratios to `python -c pass` ({base:.2f} s): " + ", ".join(
        f"{name.removeprefix('presswash ')} {statistics.median(s) / base:.1f}x"
        for name, s in samples.items() if name.startswith("presswash")
    ))
    print(load())


def runs(opts: argparse.Namespace, db: Path, env: dict[str, str], home: Path) -> None:
    """No-op runs: cold, then with PREFECT_API_URL set to a running server."""
    run = [*PRESSWASH, "run", "--db", str(db)]
    cold = [timed(run, env) for _ in range(opts.repeat)]
    print(f"\n| no-op `presswash run` on the seeds, n={opts.repeat} | wall | CPU of the run |")
    print("|---|---|---|")
    print(f"| cold (temporary Prefect server each run) | {spread(cold)} | "
          f"{spread(CPU[tuple(run)])} |")
    if not opts.skip_server:
        CPU.pop(tuple(run))
        with prefect_server(home) as url:
            warm_env = env_for(home, PREFECT_API_URL=url)
            warm = [timed(run, warm_env) for _ in range(opts.repeat)]
        print(f"| `PREFECT_API_URL` set to a running `prefect server start` | {spread(warm)} | "
              f"{spread(CPU[tuple(run)])} |")
    print(load())


if __name__ == "__main__":
    main()

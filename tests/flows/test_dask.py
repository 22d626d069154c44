"""A run on a Dask cluster: the same tables as a plain run, and nothing left behind.

The cluster is a `distributed.LocalCluster` of 2 worker processes. Its workers read
their inputs by path (no document's bytes in the task graph), run every clean task, and
start no Prefect server of their own: a task arrives with the flow's Prefect settings
(its API URL), and a worker without them would start a temporary server as its child,
which the test would find. (Which API the task runs were reported to is not read back:
presswash's quiet defaults turn off the server's task-run recorder, so no server
stores them.) The cluster leaves no process once it is closed.

The suite runs the seeds and the 60 bundled test pages (`tests/data/extraction`). The
same test over more pages, say the 254 pages of the extraction benchmark's dev split,
is `PRESSWASH_DASK_PAGES=/path/to/dev pytest tests/flows/test_dask.py` (see the README,
"Running on a Dask cluster", for the figures of that run).
"""

from __future__ import annotations

import os
import time
import warnings
from pathlib import Path

import pytest

from tests.conftest import SEEDS
from tests.flows.test_pipeline import tables

PAGES = Path(__file__).resolve().parents[1] / "data" / "extraction"
PAGES_VARIABLE = "PRESSWASH_DASK_PAGES"
BATCH = 20
"""Files per clean task: the suite's 65 files make 4 tasks, two for each worker."""


def page_folders() -> list[Path]:
    root = Path(os.environ.get(PAGES_VARIABLE) or PAGES)
    if not (root / "html").is_dir():
        pytest.skip(f"no html/ and text/ page folders under {root}")
    return [root / "text", root / "html"]


def children() -> set[int]:
    import psutil

    return {p.pid for p in psutil.Process().children(recursive=True) if not resource_tracker(p)}


def resource_tracker(process: object) -> bool:
    """multiprocessing's resource tracker: one per parent process, it leaves with it."""
    try:
        return "multiprocessing.resource_tracker" in " ".join(process.cmdline())  # type: ignore[attr-defined]
    except Exception:  # gone meanwhile
        return True


def test_a_dask_cluster_gives_the_same_tables_as_a_plain_run(
    prefect_server: None, tmp_path: Path
) -> None:
    import psutil
    from distributed import Client, LocalCluster, get_task_stream

    from flows.pipeline import pipeline, run_pipeline

    inputs = [SEEDS, *page_folders()]
    n_files = sum(1 for folder in inputs for p in folder.iterdir() if p.is_file())
    plain = pipeline(inputs, db=tmp_path / "plain.duckdb", batch_size=BATCH)

    before = children()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with (
            LocalCluster(
                n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
            ) as cluster,
            Client(cluster) as client,
        ):
            with get_task_stream(client) as stream:
                on_dask = run_pipeline(
                    inputs, db=tmp_path / "dask.duckdb",
                    dask_address=cluster.scheduler_address, batch_size=BATCH,
                )
            workers = set(cluster.scheduler_info["workers"])
            # what each worker process started: no Prefect server (nor anything else)
            started = client.run(
                lambda: [" ".join(p.cmdline()) for p in psutil.Process().children(recursive=True)]
            )
    assert len(started) == 2 and all(cmds == [] for cmds in started.values()), started
    # one task per batch of files and worker (each batch is split between the two
    # workers; the only tasks the flow submits), all on the cluster
    assert len(stream.data) == 2 * -(-n_files // BATCH)
    assert {task["worker"] for task in stream.data} <= workers
    assert not [w for w in caught if "large graph" in str(w.message).lower()]
    deadline = time.monotonic() + 30
    while left := children() - before:
        assert time.monotonic() < deadline, f"the cluster left processes behind: {left}"
        time.sleep(0.2)

    assert on_dask.articles == plain.articles > 0
    assert on_dask.rejects_by_reason == plain.rejects_by_reason
    assert tables(tmp_path / "dask.duckdb") == tables(tmp_path / "plain.duckdb")


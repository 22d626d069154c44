"""The presswash flow: ingest -> clean -> load per batch, then site templates and dedup.

The flow body is wiring only; each step is a task over a batch (see `flows.tasks`).
A batch is loaded in one transaction, so a run killed at any point leaves whole batches
behind, and the next run skips what is already loaded and completes the rest.

No `from __future__ import annotations` here: Prefect validates flow parameters from
the annotations at run time, and a served flow cannot resolve postponed ones.
"""


import time
import uuid
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from prefect import flow
from prefect.runtime import flow_run
from prefect.task_runners import ProcessPoolTaskRunner, TaskRunner, ThreadPoolTaskRunner

from flows import tasks
from flows.artifacts import publish_run
from flows.progress import Listener, current_listener, listening, report_progress
from flows.readers.limits import MAX_BYTES
from flows.schedule import split_settled
from flows.server import api_shared_with_workers
from flows.signals import Interrupted, interruptible, note_recorded, note_run
from schemas import Batch, LoadCounts, RawDocument, Reject, RunSummary
from warehouse import PresswashError, Warehouse, resolve_db, run_lock
from warehouse.db import RUN_WAIT_SECONDS
from warehouse.load import finish_run, start_run

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
"""The bundled sample input, used when `run` gets no paths."""

DEFAULT_BATCH_SIZE = 500
"""Files per read batch and documents per load: big enough that task overhead (~20 ms)
is noise, small enough that a killed run loses little work."""

MIN_PARALLEL_DOCUMENTS = 50
"""A batch with fewer new documents is cleaned in the flow's process: a worker process
first spends 3-5 s of CPU importing Prefect and the cleaners, more than it would save."""

DEFAULT_MAX_BYTES = MAX_BYTES



def new_run_id() -> str:
    """Sortable and unique: UTC time, then a random suffix."""
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:8]


def chunks(items: Sequence[Path], size: int) -> Iterator[Sequence[Path]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@flow(name="presswash", task_runner=ThreadPoolTaskRunner(max_workers=1), log_prints=False)  # type: ignore[arg-type]
def pipeline(
    paths: Sequence[str | Path] = (),
    db: str | Path | None = None,
    workers: int = 1,
    batch_size: int = DEFAULT_BATCH_SIZE,
    max_bytes: int = DEFAULT_MAX_BYTES,
    wait: float = RUN_WAIT_SECONDS,
    settle: float = 0.0,
    follow_symlinks: bool = False,
) -> RunSummary:
    """Run the whole pipeline over `paths` (the bundled seeds when empty) into `db`.

    Args:
        paths: files, directories, archives, WARC or JSONL dumps.
        db: the DuckDB file; None means `$PRESSWASH_DB` or `warehouse/presswash.duckdb`.
        workers: parallel cleaning processes (cleaning is CPU-bound Python).
        batch_size: files per read task and documents per load transaction.
        max_bytes: inputs above this are rejected as `too_large`.
        wait: seconds to wait for that other run before giving up (`DatabaseLocked`).
        settle: read only files unchanged for this many seconds (`serve`); the others
            wait for the next run and are counted as `waiting`.
        follow_symlinks: follow links that lead out of the input folders (else they
            are `outside_input` rejects).
    """
    listener = current_listener()
    started = listener.started if listener and listener.started else time.monotonic()
    db_path = str(resolve_db(db))
    inputs = [str(p) for p in paths] or [str(SEEDS)]
    run_id = new_run_id()
    with (
        interruptible(),
        run_lock(db_path, timeout=wait, on_wait=listener.on_wait if listener else None),
    ):
        params = {"paths": inputs, "workers": workers, "batch_size": batch_size}
        with Warehouse(db_path) as wh:
            start_run(wh.con, run_id, str(flow_run.get_id() or ""), params)
        note_run(run_id)
        try:
            summary = _run(
                inputs, db_path, run_id, workers, batch_size, max_bytes, listener, settle,
                follow_symlinks=follow_symlinks,
            )
        except Interrupted:
            with Warehouse(db_path) as wh:
                finish_run(wh.con, run_id, "interrupted", {})
            note_recorded()
            raise
        except BaseException:
            with Warehouse(db_path) as wh:
                finish_run(wh.con, run_id, "failed", {})
            raise
        summary = replace(summary, seconds=round(time.monotonic() - started, 2))
        with Warehouse(db_path) as wh:
            finish_run(wh.con, run_id, "completed", summary_counts(summary))
        publish_run(db_path, summary)
    return summary


def run_pipeline(
    paths: Sequence[str | Path] = (),
    *,
    db: str | Path | None = None,
    workers: int = 1,
    dask_address: str | None = None,
    listener: Listener | None = None,
    **options: Any,
) -> RunSummary:
    """Run `pipeline` with the task runner the options ask for.

    `workers > 1` cleans batches in a process pool (cleaning is CPU-bound Python, so
    threads would not help); `dask_address` sends tasks to a running Dask cluster.
    """
    runner: TaskRunner[Any]
    if dask_address:
        try:
            from prefect_dask import DaskTaskRunner
        except ImportError:
            raise PresswashError(
                "--dask-address needs prefect-dask: pip install 'presswash[dask]'"
            ) from None
        runner = DaskTaskRunner(address=dask_address)
        workers = max(workers, 2)
    elif workers > 1:
        runner = ProcessPoolTaskRunner(max_workers=workers)
    else:
        runner = ThreadPoolTaskRunner(max_workers=1)
    with listening(listener), api_shared_with_workers():
        return pipeline.with_options(task_runner=runner)(  # type: ignore[arg-type]
            list(paths), db=db, workers=workers, **options
        )


def _run(
    inputs: list[str],
    db: str,
    run_id: str,
    workers: int,
    batch_size: int,
    max_bytes: int,
    listener: Listener | None,
    settle: float = 0.0,
    follow_symlinks: bool = False,
) -> RunSummary:
    files, missing = tasks.discover_inputs(inputs, follow_symlinks)
    files, waiting = split_settled(files, settle)
    tally = Tally(files_seen=len(files) + len(missing), waiting=len(waiting))
    tally.add(tasks.load_batch(db, run_id, Batch(rejects=missing)), Batch(rejects=missing))
    for done, file_batch in enumerate(chunks(files, batch_size), start=1):
        units, skipped = tasks.read_batch(file_batch, max_bytes)
        known = tasks.known_ids(db, [u.doc_id for u in units if isinstance(u, RawDocument)])
        for batch in _clean_parts(units, known, batch_size, workers):
            tally.add(tasks.load_batch(db, run_id, batch), batch)
        tally.skipped += skipped
        report_progress(listener, min(done * batch_size, len(files)), len(files))
    tasks.apply_site_templates(db, run_id)
    clusters = tasks.dedup_all(db)
    return tally.summary(run_id, clusters)


def _clean_parts(
    units: list[RawDocument | Reject], known: set[str], batch_size: int, workers: int
) -> Iterator[Batch]:
    """Clean one read batch; with `workers` > 1, its new documents in parallel parts.

    Only documents that need cleaning travel to the worker processes: rejects and
    documents already in the warehouse are passed through here, and a batch with few
    new documents is cleaned here without starting the pool at all.
    """
    fresh: list[RawDocument | Reject] = []
    rest: list[RawDocument | Reject] = []
    for unit in units:
        new = isinstance(unit, RawDocument) and unit.doc_id not in known
        (fresh if new else rest).append(unit)
    if workers <= 1 or len(fresh) < MIN_PARALLEL_DOCUMENTS:
        for i in range(0, len(units), batch_size):
            yield tasks.clean_batch(units[i : i + batch_size], known)
        return
    size = -(-len(fresh) // workers)
    futures = [
        tasks.clean_batch.submit(fresh[i : i + size], known) for i in range(0, len(fresh), size)
    ]
    if rest:
        yield tasks.clean_batch(rest, known)
    yield from (future.result() for future in futures)


@dataclass(slots=True)
class Tally:
    """Counts accumulated over a run's batches; they must add up to the inputs seen."""

    files_seen: int = 0
    documents: int = 0
    new_documents: int = 0
    known_documents: int = 0
    articles: int = 0
    skipped: int = 0
    waiting: int = 0
    rejects: Counter[str] = field(default_factory=Counter)

    def add(self, counts: LoadCounts, batch: Batch) -> None:
        self.documents += len(batch.documents)
        self.new_documents += counts.new_documents
        self.known_documents += len(batch.documents) - counts.new_documents
        self.articles += counts.articles
        self.rejects.update(r.reason for r in batch.rejects)

    def summary(self, run_id: str, clusters: dict[str, int]) -> RunSummary:
        return RunSummary(
            run_id=run_id,
            files_seen=self.files_seen,
            inputs=self.documents + sum(self.rejects.values()),
            new_documents=self.new_documents,
            known_documents=self.known_documents,
            exact_duplicates=clusters.get("exact_duplicates", 0),
            rejected=sum(self.rejects.values()),
            articles=self.articles,
            near_clusters=clusters.get("near_clusters", 0),
            story_clusters=clusters.get("story_clusters", 0),
            skipped=self.skipped,
            waiting=self.waiting,
            rejects_by_reason=dict(sorted(self.rejects.items())),
        )


def summary_counts(summary: RunSummary) -> dict[str, object]:
    """The summary as the JSON stored in `runs.counts`."""
    return {k: v for k, v in asdict(summary).items() if k not in ("run_id", "status")}

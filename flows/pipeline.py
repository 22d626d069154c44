"""The presswash flow: ingest -> clean -> load -> site templates -> dedup, per batch.

The flow body is wiring only; each step is a task over a batch (see `flows.tasks`).
A batch is loaded in one transaction, so a run killed at any point leaves whole batches
behind, and the next run skips what is already loaded and completes the rest.

No `from __future__ import annotations` here: Prefect validates flow parameters from
the annotations at run time, and a served flow cannot resolve postponed ones.
"""


import os
import time
import uuid
from collections import Counter, deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from prefect import flow
from prefect.context import FlowRunContext
from prefect.futures import PrefectFuture
from prefect.runtime import flow_run
from prefect.task_runners import ProcessPoolTaskRunner, TaskRunner, ThreadPoolTaskRunner
from prefect.utilities.annotations import quote

from flows import tasks
from flows.artifacts import publish_run
from flows.dask_cluster import dask_threads
from flows.progress import Listener, current_listener, listening, report_progress
from flows.readers.base import Tally
from flows.readers.limits import MAX_BYTES
from flows.readers.spans import Span, divide, plan_batches
from flows.schedule import split_settled
from flows.server import api_shared_with_workers
from flows.signals import (
    Interrupted,
    claim_record,
    interruptible,
    note_run,
    record_once,
    shielded,
    stop_requested,
    the_stop,
    wait_for_record,
)
from schemas import Batch, RunSummary
from warehouse import PresswashError, resolve_db, run_lock
from warehouse.db import RUN_WAIT_SECONDS
from warehouse.held import HeldWarehouse
from warehouse.load import Packed, finish_run, start_run

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
"""The bundled sample input, used when `run` gets no paths."""

DEFAULT_BATCH_SIZE = 500
"""Units per clean task and per load transaction (a file, or a row of a big Parquet
file or a line of a big JSONL file, which are cut into pieces: `flows.readers.spans`):
big enough that task overhead (~20 ms) is noise, small enough that a killed run loses
little work and a batch's memory stays small (also at most `spans.BATCH_BYTES` of
input)."""

MIN_PARALLEL_BATCHES = 3
MIN_PARALLEL_BYTES = 128 * 2**20
"""Fewer batches and bytes than these are cleaned in the flow's process. A worker first
spends ~2 s starting and ~1 s loading the cleaners' tables, and pays that back only by
cleaning the next batch while the flow loads one, or by cleaning big files side by side.
Measured (bench/README.md, session 20; the benchmark's mixed pages, ~93 KB a file), a run
in the flow's process against one and two workers: 100 files 2.1 / 5.6 / 5.6 s, 600 files
(2 batches) 9.2 / 11.7 / 10.6 s, 1,200 files (3 batches) 17.3 / 17.7 / 13.7 s."""

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
        workers: parallel cleaning processes (cleaning is CPU-bound Python); they are
            used when the flow runs with a process pool or on Dask (`run_pipeline`).
        batch_size: units per clean task and per load transaction: a file, or a row of
            a Parquet file or a line of a plain JSONL file, which are cut into pieces
            (one batch can end inside a file; see `flows.readers.spans`).
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
        HeldWarehouse(db_path) as held,
    ):
        params = {"paths": inputs, "workers": workers, "batch_size": batch_size}
        start_run(held.wh.con, run_id, str(flow_run.get_id() or ""), params)
        note_run(run_id, lambda: record_stop_elsewhere(held, run_id))
        try:
            summary = _run(
                inputs, held, run_id, workers, batch_size, max_bytes, listener, settle,
                follow_symlinks=follow_symlinks,
            )
        except BaseException as exc:
            stop = record_end(held, run_id, exc)
            if stop is None:
                raise
            raise stop from None
        summary = replace(summary, seconds=round(time.monotonic() - started, 2))
        with shielded():  # a stop signal now finds the run done, and says so after
            if not claim_record():  # the stop watchdog is recording it as interrupted
                wait_for_record()
                raise the_stop()
            finish_run(held.wh.con, run_id, "completed", summary_counts(summary))
            publish_run(held.wh, summary)
    return summary


def record_end(held: HeldWarehouse, run_id: str, exc: BaseException) -> Interrupted | None:
    """Record a run that ended on `exc`: the `Interrupted` to raise instead if a stop
    signal arrived, else None (`exc` goes on).

    A run is `interrupted` when a stop signal arrived, whatever the exception that
    reached here first: a terminal's Ctrl-C also reaches the cleaning workers, so the
    flow may see a broken pool before its own `Interrupted`. Signals wait while the
    run is recorded (`shielded`), so the record itself is never cut short.
    """
    with shielded():
        held.abandon_transaction()
        if not isinstance(exc, Interrupted) and not stop_requested():
            finish_run(held.wh.con, run_id, "failed", {})
            return None
        record_once(lambda: finish_run(held.wh.con, run_id, "interrupted", {}))
        return the_stop()


def record_stop_elsewhere(held: HeldWarehouse, run_id: str) -> None:
    """Record the run as interrupted from another thread (the stop watchdog, when the
    flow's own way out takes too long), on a connection of its own."""
    cursor = held.side_cursor()
    try:
        finish_run(cursor, run_id, "interrupted", {})
    finally:
        cursor.close()


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

    Cleaning runs in `workers` processes of a pool (cleaning is CPU-bound Python, so
    threads would not help) while the flow's process loads what they return; with
    `dask_address` it runs on the workers of a running Dask cluster instead.
    """
    runner: TaskRunner[Any]
    if dask_address:
        try:
            from prefect_dask import DaskTaskRunner
        except ImportError:
            raise PresswashError(
                "--dask-address needs prefect-dask: pip install 'presswash[dask]'"
            ) from None
        workers = max(workers, dask_threads(dask_address))
        runner = DaskTaskRunner(address=dask_address)
    else:
        # an interrupted pool leaves its semaphores to multiprocessing's resource tracker,
        # a child that would warn about them on stderr after our one `interrupted` line;
        # the tracker reclaims them either way
        os.environ["PYTHONWARNINGS"] = ",".join(
            w for w in (os.environ.get("PYTHONWARNINGS"), "ignore:resource_tracker:UserWarning")
            if w
        )
        runner = ProcessPoolTaskRunner(
            max_workers=max(workers, 1),
            initializer=tasks.worker_started,
            initargs=(os.getpid(),),
        )
    with listening(listener), api_shared_with_workers():
        return pipeline.with_options(task_runner=runner)(  # type: ignore[arg-type]
            list(paths), db=db, workers=workers, **options
        )


def _run(
    inputs: list[str],
    held: HeldWarehouse,
    run_id: str,
    workers: int,
    batch_size: int,
    max_bytes: int,
    listener: Listener | None,
    settle: float = 0.0,
    follow_symlinks: bool = False,
) -> RunSummary:
    clock = time.monotonic()
    files, missing = tasks.discover_inputs(inputs, follow_symlinks)
    files, waiting = split_settled(files, settle)
    tally = Tally(files=len(files) + len(missing), waiting=len(waiting))
    unreadable = Batch(rejects=missing)
    tally.loaded(unreadable, tasks.load_batch(held, run_id, quote(unreadable)))
    work = plan_batches(files, batch_size)
    parallel = workers if _uses_workers(work, files) else 0
    if parallel and isinstance(_task_runner(), ProcessPoolTaskRunner):  # not Dask's workers
        held.share_cores(parallel)
    done = 0
    stages = {"ingest": 0.0, "templates": 0.0, "dedup": 0.0}
    sites: set[str] = set()
    templates = tasks.cleaning_templates(held, sites) if work else {}
    newest = lambda: templates  # noqa: E731  (late binding: the newest templates)
    for cleaned, n_files in _cleaned(held, work, max_bytes, parallel, newest):
        batch = cleaned.batch
        tally.loaded(batch, tasks.load_batch(held, run_id, quote(batch), quote(cleaned.packed)))
        tally.skipped.update(cleaned.skipped)
        done += n_files
        report_progress(listener, done, len(files))
        _finish_loaded(held, run_id, stages)
        sites.update(a.site for a in batch.articles if a.site)
        templates = tasks.cleaning_templates(held, quote(sites))  # a new dict: sent ones stay
    if not work:  # nothing new: finish what a killed run may have left
        _finish_loaded(held, run_id, stages)
    with _timed(stages, "dedup"):
        clusters = tasks.count_clusters(held)
    stages["ingest"] = time.monotonic() - clock - stages["templates"] - stages["dedup"]
    return replace(
        tally.summary(run_id, clusters),
        stage_seconds={k: round(v, 2) for k, v in stages.items()},
    )


def _finish_loaded(held: HeldWarehouse, run_id: str, stages: dict[str, float]) -> None:
    """Site templates, then dedup, for everything loaded so far.

    Run after each batch's load, while the workers clean the next batches: done once
    after the last batch, both stages kept a one-worker run's worker idle for their
    whole length (templates 3.3 s and dedup 1.3 s of a 62 s run of 1,500 files; per
    batch, 3.2 s and 1.9 s in all, overlapped: the run took 58 s). Both stages work
    from what is pending in the warehouse, so doing them per batch gives the same tables
    as doing them once (the same as splitting the inputs into runs; see `flows.dedup`
    and `flows.stages.apply_templates`); seconds add up into `stages`.
    """
    with _timed(stages, "templates"):
        tasks.apply_site_templates(held, run_id)
    with _timed(stages, "dedup"):
        tasks.dedup_pending(held)


@contextmanager
def _timed(stages: dict[str, float], stage: str) -> Iterator[None]:
    """Add the seconds of the block to `stages[stage]`."""
    clock = time.monotonic()
    try:
        yield
    finally:
        stages[stage] += time.monotonic() - clock


def _cleaned(
    held: HeldWarehouse,
    work: list[list[Span]],
    max_bytes: int,
    parallel: int,
    templates: Callable[[], Mapping[str, frozenset[str]]],
) -> Iterator[tuple[tasks.CleanedBatch, int]]:
    """Clean each batch of pieces, in order: (the cleaned batch, files it finished).

    Each batch is cleaned with the site templates `templates()` gives when it is sent
    (`tasks.cleaning_templates`, refreshed by the flow after each batch's template check).

    With `parallel` workers, each batch is split between them, so they finish it
    together and the flow can load it at once (whole batches, one per worker, left one
    worker idle for the last of them: 1,500 files on two workers took 44 s that way,
    40 s split), and up to `parallel + 1` clean tasks are in flight, so every worker has
    its next part queued while the flow loads the batch before. Without (0), each batch
    is cleaned here, between loads.
    """
    if not parallel:
        for chunk in work:
            held.idle()
            known = tasks.known_at(held, quote(chunk))
            blob = tasks.clean_files(quote(chunk), max_bytes, quote(known), quote(templates()))
            yield tasks.unpack_cleaned(blob), _files_ended(chunk)
        return
    pending: deque[tuple[int, list[PrefectFuture[bytes]]]] = deque()
    in_flight = 0
    queue = iter(work)
    while True:
        while in_flight < parallel + 1 and (chunk := next(queue, None)) is not None:
            known = tasks.known_at(held, quote(chunk))
            sent = templates()
            futures = [
                # not quoted: Dask's runner passes a `quote` on to the task as it is
                tasks.clean_files.submit(part, max_bytes, known, sent)
                for part in divide(chunk, parallel)
            ]
            pending.append((_files_ended(chunk), futures))
            in_flight += len(futures)
        if not pending:
            return
        n_files, futures = pending.popleft()
        held.idle()  # between two loads: a reader may have the file
        results = [tasks.unpack_cleaned(f.result()) for f in futures]
        in_flight -= len(futures)
        yield merge_cleaned(results), n_files


def _files_ended(chunk: Sequence[Span]) -> int:
    """Files a batch finishes (a file cut in pieces is done with its last piece)."""
    return sum(span.ends_file for span in chunk)


def merge_cleaned(parts: Sequence[tasks.CleanedBatch]) -> tasks.CleanedBatch:
    """One cleaned batch from the parts of a chunk, in order; a document cleaned in two
    parts (the same bytes in two files) keeps its first article and that article's
    removed lines, as one clean would."""
    if len(parts) == 1:
        return parts[0]
    out = Batch()
    removed: list[pa.Table] = []
    skipped: Counter[str] = Counter()
    seen: set[str] = set()
    for part in parts:
        batch = part.batch
        out.documents.extend(batch.documents)
        out.rejects.extend(batch.rejects)
        new = {a.doc_id for a in batch.articles} - seen
        out.articles.extend(a for a in batch.articles if a.doc_id in new)
        out.signatures.extend(s for s in batch.signatures if s.doc_id in new)
        rows = part.packed.removed
        kept = pc.is_in(rows.column("doc_id"), pa.array(sorted(new), pa.string()))
        removed.append(rows.filter(kept))
        skipped.update(part.skipped)
        seen |= new
    payloads = pa.concat_tables([p.packed.payloads for p in parts])
    return tasks.CleanedBatch(out, Packed(payloads, pa.concat_tables(removed)), skipped)


def _uses_workers(work: Sequence[Sequence[Span]], files: Sequence[Path]) -> bool:
    """Whether to clean on workers: always on Dask (asked for by name); in a process
    pool only when the inputs are worth starting it; never with threads."""
    runner = _task_runner()
    if runner is None or isinstance(runner, ThreadPoolTaskRunner):
        return False
    if isinstance(runner, ProcessPoolTaskRunner):
        return len(work) >= MIN_PARALLEL_BATCHES or _total_bytes(files) >= MIN_PARALLEL_BYTES
    return True


def _task_runner() -> TaskRunner[Any] | None:
    context = FlowRunContext.get()
    return context.task_runner if context is not None else None


def _total_bytes(files: Sequence[Path]) -> int:
    size = 0
    for path in files:
        try:
            size += os.stat(path).st_size
        except OSError:
            continue
    return size


def summary_counts(summary: RunSummary) -> dict[str, object]:
    """The summary as the JSON stored in `runs.counts`."""
    return {k: v for k, v in asdict(summary).items() if k not in ("run_id", "status")}

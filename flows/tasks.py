"""Prefect tasks: thin wrappers, each calling one function on a whole batch.

Only the tasks that touch files or the database retry; cleaning is deterministic, so a
retry would only fail the same way again.

Every task has `cache_policy=NO_CACHE`: Prefect's default policy hashes a task's inputs
(a whole batch of documents) to make a cache key that nothing here ever reads. A task
that takes a batch gets it wrapped in `quote()` by the flow, so Prefect does not walk it
looking for futures either (the two were a fifth of a run's time at 2,000 documents).

`clean_files` is the one task that runs on workers: it takes file *paths* (whole files,
or a Parquet file's rows or a JSONL file's lines by range: `flows.readers.spans.Span`)
and reads them where it runs (shared storage on a Dask cluster), so no document's bytes
travel in the task graph, only the cleaned batch coming back. It comes back as one
pickled blob (`pack_cleaned`): Prefect's future callbacks unpickle a task's result on
their own, and a batch's object graph (frozen slotted dataclasses, each unpickled through
`_dataclass_setstate`) unpickled twice was ~6% of a one-worker run; a `bytes` costs them
nothing, and the flow unpickles it once (`unpack_cleaned`).
"""

from __future__ import annotations

import os
import pickle
import signal
import threading
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import pyarrow as pa
from prefect import task
from prefect.cache_policies import NO_CACHE

from flows import dedup, stages
from flows.readers.spans import Span
from schemas import Batch, LoadCounts, Reject
from warehouse import dedup as warehouse_dedup
from warehouse import templates as templates_db
from warehouse.held import HeldWarehouse
from warehouse.load import Packed, pack_batch

IO_RETRIES = 2
IO_RETRY_DELAY_SECONDS = 1

PARENT_CHECK_SECONDS = 1.0
"""How often a pool worker checks that the flow's process is still there."""


def worker_started(parent: int) -> None:
    """Initializer of each worker process of the pool: exit once the flow's process is
    gone. A run killed with SIGKILL runs no cleanup, and an idle worker would otherwise
    wait on its queue for good."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="presswash-parent-watch", daemon=True).start()
    # a terminal's Ctrl-C reaches the whole process group: the flow's process decides
    # what an interrupt means (roll back, record, one line) and stops the pool itself
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@task(name="discover", cache_policy=NO_CACHE)
def discover_inputs(
    paths: Sequence[str], follow_symlinks: bool = False
) -> tuple[list[Path], list[Reject]]:
    return stages.discover(paths, follow_symlinks=follow_symlinks)


@task(name="known", cache_policy=NO_CACHE, retries=IO_RETRIES,
      retry_delay_seconds=IO_RETRY_DELAY_SECONDS)
def known_at(held: HeldWarehouse, spans: Sequence[Span]) -> set[str]:
    """Documents the warehouse already holds from these pieces: their cleaning is skipped."""
    return held.wh.known_at_sources([uri for span in spans for uri in span.sources()])


@task(name="templates", cache_policy=NO_CACHE, retries=IO_RETRIES,
      retry_delay_seconds=IO_RETRY_DELAY_SECONDS)
def cleaning_templates(held: HeldWarehouse, sites: set[str]) -> dict[str, frozenset[str]]:
    """Site templates to clean new text pages with (see `warehouse.templates`)."""
    return templates_db.cleaning_templates(held.wh.con, sites)


def pack_cleaned(batch: Batch, skipped: Counter[str]) -> bytes:
    """A clean task's result as one blob, so Prefect passes it on without looking inside.

    The batch's bulky parts, the documents' raw inputs (each text only where the
    warehouse cannot derive it) and the removed lines, travel as Arrow IPC buffers
    (`warehouse.load.pack_batch`) that the flow reads without a copy: unpickled, every
    page was two fresh Python objects of its size and ~90 removed-line records, all
    copied into Arrow again by the load (~4 s of the flow's process for 1,500 files on
    two workers, py-spy). The rest is pickled.
    """
    rest, packed = pack_batch(batch)
    head = pickle.dumps((rest, skipped), protocol=pickle.HIGHEST_PROTOCOL)
    parts = [head, _ipc(packed.payloads), _ipc(packed.removed)]
    sizes = b"".join(len(p).to_bytes(8, "little") for p in parts)
    return sizes + b"".join(parts)


def unpack_cleaned(blob: bytes) -> CleanedBatch:
    """A `clean_files` result: the batch without its bulky parts, those parts (read in
    place from `blob`), and the units skipped."""
    view = memoryview(blob)
    sizes = [int.from_bytes(view[i : i + 8], "little") for i in (0, 8, 16)]
    starts = [24, 24 + sizes[0], 24 + sizes[0] + sizes[1]]
    head, payloads, removed = (view[a : a + n] for a, n in zip(starts, sizes, strict=True))
    batch, skipped = pickle.loads(head)  # our own task's output, never outside data
    return CleanedBatch(batch, Packed(_table(payloads), _table(removed)), skipped)


def _ipc(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def _table(data: memoryview) -> pa.Table:
    return pa.ipc.open_stream(pa.py_buffer(data)).read_all()


@dataclass(slots=True)
class CleanedBatch:
    """A cleaned batch as the flow loads it: `batch` without its bulky parts, which
    `packed` holds (see `pack_cleaned`)."""

    batch: Batch
    packed: Packed
    skipped: Counter[str]


@task(name="clean", cache_policy=NO_CACHE)
def clean_files(
    spans: Sequence[Span],
    max_bytes: int,
    known: set[str],
    templates: Mapping[str, frozenset[str]] | None = None,
) -> bytes:
    """Read, clean and sign these files or pieces where the task runs; returns the
    loadable batch and the units the readers skipped by design, by kind (`warc:request`),
    packed as one blob (`unpack_cleaned`).

    Documents in `known` are not cleaned, and travel back without their payload: the
    warehouse has it already and keeps the stored copy. Text pages of a site in
    `templates` are cleaned with its template (`stages.clean_units`).
    """
    units, skipped = stages.read_files(spans, max_bytes=max_bytes)
    batch = stages.clean_units(units, known, templates)
    batch.documents = [
        replace(d, raw_bytes=b"", raw_text="") if d.doc_id in known else d
        for d in batch.documents
    ]
    return pack_cleaned(batch, skipped)


@task(name="load", cache_policy=NO_CACHE, retries=IO_RETRIES,
      retry_delay_seconds=IO_RETRY_DELAY_SECONDS)
def load_batch(
    held: HeldWarehouse, run_id: str, batch: Batch, packed: Packed | None = None
) -> LoadCounts:
    return held.wh.load_batch(run_id, batch, packed)


@task(name="site-templates", cache_policy=NO_CACHE, retries=IO_RETRIES,
      retry_delay_seconds=IO_RETRY_DELAY_SECONDS)
def apply_site_templates(held: HeldWarehouse, run_id: str) -> int:
    """Finish every pending template check: this run's documents and any a killed run left.

    `run_id` names the run doing the work; the checks themselves are not tied to it.
    """
    return stages.apply_templates(held.wh)


@task(name="dedup", cache_policy=NO_CACHE, retries=IO_RETRIES,
      retry_delay_seconds=IO_RETRY_DELAY_SECONDS)
def dedup_pending(held: HeldWarehouse) -> None:
    """Cluster the articles no run has clustered yet (incremental; see `flows.dedup`)."""
    dedup.cluster_pending(held.wh.con)


@task(name="cluster-counts", cache_policy=NO_CACHE, retries=IO_RETRIES,
      retry_delay_seconds=IO_RETRY_DELAY_SECONDS)
def count_clusters(held: HeldWarehouse) -> dict[str, int]:
    """The warehouse's near-duplicate and story cluster counts, for the run's summary."""
    return warehouse_dedup.cluster_counts(held.wh.con)

"""Prefect tasks: thin wrappers, each calling one function on a whole batch.

Only the tasks that touch files or the database retry; cleaning is deterministic, so a
retry would only fail the same way again.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from prefect import task

from flows import dedup, stages
from schemas import Batch, LoadCounts, RawDocument, Reject
from warehouse import Warehouse

IO_RETRIES = 2
IO_RETRY_DELAY_SECONDS = 1


@task(name="discover")
def discover_inputs(paths: Sequence[str]) -> tuple[list[Path], list[Reject]]:
    return stages.discover(paths)


@task(name="read", retries=IO_RETRIES, retry_delay_seconds=IO_RETRY_DELAY_SECONDS)
def read_batch(files: Sequence[Path], max_bytes: int) -> tuple[list[RawDocument | Reject], int]:
    return stages.read_files(files, max_bytes=max_bytes)


@task(name="known", retries=IO_RETRIES, retry_delay_seconds=IO_RETRY_DELAY_SECONDS)
def known_ids(db: str, doc_ids: Sequence[str]) -> set[str]:
    with Warehouse(db) as wh:
        return wh.known_documents(doc_ids)


@task(name="clean")
def clean_batch(units: Sequence[RawDocument | Reject], known: set[str]) -> Batch:
    return stages.clean_units(units, known)


@task(name="load", retries=IO_RETRIES, retry_delay_seconds=IO_RETRY_DELAY_SECONDS)
def load_batch(db: str, run_id: str, batch: Batch) -> LoadCounts:
    with Warehouse(db) as wh:
        return wh.load_batch(run_id, batch)


@task(name="site-templates", retries=IO_RETRIES, retry_delay_seconds=IO_RETRY_DELAY_SECONDS)
def apply_site_templates(db: str, run_id: str) -> int:
    """Finish every pending template check: this run's documents and any a killed run left.

    `run_id` names the run doing the work; the checks themselves are not tied to it.
    """
    with Warehouse(db) as wh:
        return stages.apply_templates(wh)


@task(name="dedup", retries=IO_RETRIES, retry_delay_seconds=IO_RETRY_DELAY_SECONDS)
def dedup_all(db: str) -> dict[str, int]:
    """Cluster the articles no run has clustered yet (incremental; see `flows.dedup`)."""
    with Warehouse(db) as wh:
        return dedup.dedup_new(wh.con)

"""Record types and the warehouse DDL. Imports nothing of ours."""

from schemas.records import (
    REJECT_REASONS,
    REMOVAL_REASONS,
    Article,
    Batch,
    Cleaned,
    ClusterRow,
    ContainerFormat,
    LoadCounts,
    Markup,
    PageKeys,
    RawDocument,
    Reject,
    Removed,
    RunSummary,
    Signature,
)

__all__ = [
    "REJECT_REASONS",
    "REMOVAL_REASONS",
    "Article",
    "Batch",
    "Cleaned",
    "ClusterRow",
    "ContainerFormat",
    "LoadCounts",
    "Markup",
    "PageKeys",
    "RawDocument",
    "Reject",
    "Removed",
    "RunSummary",
    "Signature",
]

"""Record types, one per pipeline stage.

Each record is a frozen, slotted dataclass whose fields match the DuckDB columns of
the table it lands in (see `schemas/sql/`). They carry no behaviour beyond small
derived properties, so every stage can be tested with plain literals.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

DERIVED = {"column": "derived"}
"""Field metadata: the table derives this column itself (a generated column), so the loader
never writes it. `warehouse.records` maps every other field to the column of its name."""

TIMESTAMP = {"column": "timestamp"}
"""Field metadata: an ISO 8601 string in the record, a TIMESTAMP (naive UTC) in the table."""

NOT_EXPORTED = {"column": "internal"}
"""Field metadata: stored, but not part of `presswash export` (bookkeeping, not content)."""

Markup = Literal["html", "text"]
"""What the cleaner sees: an HTML page or a plain-text dump of one."""

ContainerFormat = Literal["html", "text", "warc", "wet", "jsonl", "parquet"]
"""`documents.format`: where the document came from (a WARC record is still `warc`, a
Common Crawl WET conversion record `wet`, a Parquet row `parquet`)."""

REMOVAL_REASONS: tuple[str, ...] = (
    "navigation",
    "recent_stories",
    "footer",
    "related",
    "share",
    "subscribe",
    "comments",
    "advertising",
    "metadata",
    "site_template",
    "duplicate_title",
    "boilerplate",
)
"""The `removed_lines.reason` vocabulary. `metadata` marks bylines and datelines moved
into the record's fields; `boilerplate` is the classifier's verdict when no pattern
names a more specific reason."""

REJECT_REASONS: tuple[str, ...] = (
    "not_found",
    "unreadable",
    "empty",
    "binary",
    "too_large",
    "undecodable",
    "parse_error",
    "truncated",
    "unsafe_path",
    "archive_bomb",
    "outside_input",
    "no_content",
)
"""The `rejects.reason` vocabulary: each names an expected, per-input failure."""


@dataclass(slots=True, frozen=True)
class RawDocument:
    """One input unit, read and decoded, before cleaning.

    `doc_id` is the sha256 hex of `raw_bytes`, so the same bytes are the same document
    wherever and whenever they arrive.
    """

    doc_id: str
    source_uri: str
    format: ContainerFormat
    markup: Markup
    raw_bytes: bytes
    raw_text: str = field(metadata=DERIVED)
    """Derived by the `documents` table from `raw_bytes` (see `schemas/sql/005_*`)."""
    encoding: str
    url: str | None = None
    site: str | None = None
    """The site key (`cleaners.metadata.site_key`): the host of `url`, else of the site
    name the input supplied, else None."""
    site_name: str | None = None
    """The site's name as the input supplied it (a JSONL/Parquet `site` field), as given."""
    title: str | None = None
    """As the input supplied it (a JSONL field), never the cleaner's guess."""
    published_at: str | None = None
    """As the input supplied it (JSONL `date`, WARC-Date), unparsed."""
    language: str | None = None
    """The input's own language label, if it has one (a WET record's
    `WARC-Identified-Content-Language`, ISO 639-3); the cleaner detects its own."""


@dataclass(slots=True, frozen=True)
class Removed:
    """One line the cleaner took out, and why (a `removed_lines` row without its doc)."""

    line_no: int
    text: str
    reason: str


@dataclass(slots=True, frozen=True)
class Cleaned:
    """What a cleaner returns: the article body, its metadata, and every removal."""

    text: str
    title: str | None = None
    author: str | None = None
    published_at: str | None = None
    site: str | None = None
    """The site key (`cleaners.metadata.site_key`): the URL's host, a name only without one."""
    site_name: str | None = None
    """The site's display name as the page gives it (og:site_name, a title suffix, ...)."""
    url: str | None = None
    language: str | None = None
    removed: tuple[Removed, ...] = ()
    cleaner: str = ""
    notes: tuple[str, ...] = field(default=())
    """Decisions a person may want to know about (e.g. an over-pruning guard firing)."""


@dataclass(slots=True, frozen=True, kw_only=True)
class Article:
    """An accepted, cleaned document: one `articles` row, fields in column order."""

    doc_id: str
    title: str | None = None
    author: str | None = None
    published_at: str | None = field(default=None, metadata=TIMESTAMP)
    site: str | None = None
    """The site key, what `group by site` and site templates go by (`site_key`)."""
    url: str | None = None
    language: str | None = None
    text: str
    n_words: int = 0
    cleaner: str = field(default="", metadata=NOT_EXPORTED)
    removed_lines: int = field(default=0, metadata=NOT_EXPORTED)
    site_name: str | None = None
    """The site's display name: the input's own (JSONL/Parquet `site`), else the page's.
    Last: schema version 12 added the column."""


@dataclass(slots=True, frozen=True)
class Reject:
    """An input that did not become a document, with a reason from `REJECT_REASONS`.

    `content_sha256` lets a re-run recognise a reject it has already recorded, so
    running twice over the same bad input adds nothing.
    """

    source_uri: str
    reason: str
    detail: str
    raw_bytes: bytes | None = None
    content_sha256: str = ""


@dataclass(slots=True, frozen=True)
class ClusterRow:
    """One `clusters` row: where a document sits at both duplicate levels."""

    doc_id: str
    exact_group: str
    near_cluster: str
    story_cluster: str
    is_canonical: bool
    similarity: float


@dataclass(slots=True, frozen=True)
class RunSummary:
    """What a run did; printed as the CLI's summary table and stored in `runs.counts`."""

    run_id: str
    files_seen: int = 0
    inputs: int = 0
    new_documents: int = 0
    known_documents: int = 0
    exact_duplicates: int = 0
    rejected: int = 0
    articles: int = 0
    near_clusters: int = 0
    story_clusters: int = 0
    skipped: int = 0
    seconds: float = 0.0
    rejects_by_reason: dict[str, int] = field(default_factory=dict)
    status: str = "completed"
    stage_seconds: dict[str, float] = field(default_factory=dict)
    """Wall seconds of the run's stages (ingest = read, clean and load; templates; dedup)."""
    waiting: int = 0
    """Inbox files still changing (not settled), left for the next run."""


@dataclass(slots=True, frozen=True)
class Signature:
    """A stored MinHash signature, so later runs never recompute it."""

    doc_id: str
    minhash: bytes
    n_shingles: int
    scheme: str
    """Shingling and hashing settings: a signature made under another scheme is stale."""


@dataclass(slots=True)
class Batch:
    """What one load writes, in one transaction.

    `documents` holds every unit that decoded, new or already known (a known one still
    records its `source_uri` in `sources`); `articles`, `removed` and `signatures` only
    exist for documents cleaned in this batch.
    """

    documents: list[RawDocument] = field(default_factory=list)
    articles: list[Article] = field(default_factory=list)
    removed: list[tuple[str, Removed]] = field(default_factory=list)
    signatures: list[Signature] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    page_keys: list[PageKeys] = field(default_factory=list)
    """Of the text pages cleaned here whose article has a site: what the site-template
    check needs (`flows.stages.apply_templates`)."""


@dataclass(slots=True, frozen=True)
class PageKeys:
    """A text page's line-key hashes, found where it was cleaned, for its template check.

    `line_hashes`: `cleaners.templates.key_hashes` of its short line keys. `applied`: those
    of the keys of its site's template that it was cleaned with and holds (empty: cleaned
    without one). The check then re-cleans it only if its site's template, as it stands
    once the check runs, holds other of its keys.
    """

    doc_id: str
    line_hashes: tuple[int, ...]
    applied: tuple[int, ...] = ()


@dataclass(slots=True, frozen=True)
class LoadCounts:
    """What a load changed: new rows, and what was already there."""

    new_documents: int = 0
    known_documents: int = 0
    articles: int = 0
    rejects: int = 0
    new_rejects: int = 0

"""What every reader shares: where a unit came from, the tally, the reading context,
and how a unit becomes a `RawDocument` or a `Reject`.

A reader is `reader(stream, source, ctx) -> Iterator[RawDocument | Reject]`. The
context carries the dispatcher (`ctx.read`), so a container reads what it holds by
format without importing `flows.readers.dispatch`.
"""

from __future__ import annotations

import hashlib
import os
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import BinaryIO, Protocol

from cleaners.decode import Failure, check_nesting, decode
from cleaners.metadata import site_key
from flows.readers.limits import MAX_DETAIL_CHARS, Budget, Limits, nesting_refusal
from schemas import Batch, ContainerFormat, LoadCounts, Markup, RawDocument, Reject, RunSummary
from schemas.timestamps import iso_timestamp

__all__ = [
    "Context",
    "Reader",
    "Record",
    "Source",
    "Tally",
    "document",
    "one_line",
    "os_detail",
    "path_uri",
    "reject",
    "str_or_none",
    "truncation_detail",
]

Record = RawDocument | Reject


@dataclass(slots=True, frozen=True)
class Source:
    """Where a unit came from: its `source_uri`, and the name whose extension hints
    the format (a file's or an archive member's base name)."""

    uri: str
    name: str = ""

    @classmethod
    def of_path(cls, path: Path) -> Source:
        """The source of a file on disk: its path as discovered, escaped if need be."""
        return cls(path_uri(path), path.name)

    def member(self, name: str) -> Source:
        """The source of an archive member: `archive.zip!path/in/archive`."""
        return Source(f"{self.uri}!{path_uri(name)}", name)

    def fragment(self, fragment: str) -> Source:
        """The source of one unit in a stream: `dump.jsonl#L3`, `crawl.warc#urn:...`."""
        return Source(f"{self.uri}#{fragment}", self.name)


@dataclass(slots=True)
class Tally:
    """The one set of running counts, so a run's summary adds up:
    units = documents + rejects + skipped.

    The readers update one as they yield records (`read_file(..., tally=)`): `skipped`
    keys say what was passed over by design, e.g. `warc:request`, `warc:non-html`,
    `jsonl:blank`, `tar:symlink`, `wet:warcinfo`. The pipeline keeps one for the whole
    run: it counts every `loaded` batch's documents and rejects (the readers', the
    cleaners' `no_content`, discovery's), adds the readers' skipped counts, and turns
    it into the run's `summary`.
    """

    files: int = 0
    documents: int = 0
    rejects: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)
    new_documents: int = 0
    """Documents the warehouse did not hold before (the rest were known)."""
    articles: int = 0
    waiting: int = 0
    """Inbox files still changing (`serve`), left for the next run."""

    @property
    def units(self) -> int:
        """Every unit seen: accepted, rejected or skipped."""
        return self.documents + self.rejected + sum(self.skipped.values())

    @property
    def rejected(self) -> int:
        """How many rejects were yielded."""
        return sum(self.rejects.values())

    def count(self, record: Record) -> None:
        """Count one record: a document, or a reject under its reason."""
        if isinstance(record, Reject):
            self.rejects[record.reason] += 1
        else:
            self.documents += 1

    def loaded(self, batch: Batch, counts: LoadCounts) -> None:
        """Count a batch the warehouse has just loaded, with what the load changed."""
        records: list[RawDocument | Reject] = [*batch.documents, *batch.rejects]
        for record in records:
            self.count(record)
        self.new_documents += counts.new_documents
        self.articles += counts.articles

    def summary(self, run_id: str, clusters: dict[str, int]) -> RunSummary:
        """The run's summary from these counts and the dedup stage's cluster counts."""
        return RunSummary(
            run_id=run_id,
            files_seen=self.files,
            inputs=self.documents + self.rejected,
            new_documents=self.new_documents,
            known_documents=self.documents - self.new_documents,
            exact_duplicates=clusters.get("exact_duplicates", 0),
            rejected=self.rejected,
            articles=self.articles,
            near_clusters=clusters.get("near_clusters", 0),
            story_clusters=clusters.get("story_clusters", 0),
            skipped=sum(self.skipped.values()),
            waiting=self.waiting,
            rejects_by_reason=dict(sorted(self.rejects.items())),
        )


class Unpacked(Protocol):
    """The nearest enclosing decompressed stream, as readers see it (`streams.Guarded`)."""

    count: int
    truncated: bool
    error: str

    def damage(self) -> str | None: ...

    def resume(self) -> int | None: ...


Reader = Callable[[BinaryIO, Source, "Context"], Iterator[Record]]


@dataclass(slots=True, frozen=True)
class Context:
    """What every reader needs: limits, the tally, the shared budget, nesting depth,
    and `read`, the dispatcher that reads a stream by its sniffed format."""

    limits: Limits
    tally: Tally
    budget: Budget
    read: Reader
    depth: int = 0
    packed: Unpacked | None = None
    """The nearest enclosing unpacked stream: readers ask it whether data was cut off."""

    def deeper(self, packed: Unpacked | None = None) -> Context:
        """The context for the content of a container, unpacked by `packed` if given.

        Tar members pass None: tarfile itself raises when a member's data is short.
        """
        return replace(self, depth=self.depth + 1, packed=packed)

    @property
    def truncated(self) -> bool:
        """Whether the enclosing compressed stream ended early."""
        return self.packed is not None and self.packed.truncated

    @property
    def damaged(self) -> bool:
        """Whether the enclosing compressed stream stopped at corrupt data: what was read
        before it is not a whole unit, and the container reports the damage."""
        return self.packed is not None and self.packed.damage() is not None

    def too_deep(self, source: Source) -> Reject | None:
        """The nesting guard, as a reject for `source`, when this context is too deep."""
        detail = nesting_refusal(self.depth, self.limits)
        return None if detail is None else reject(source, "archive_bomb", detail, None)


def document(
    data: bytes,
    source: Source,
    ctx: Context,
    *,
    container: ContainerFormat,
    markup: Markup,
    declared: str | None = None,
    url: str | None = None,
    title: str | None = None,
    published_at: str | None = None,
    site_name: str | None = None,
    language: str | None = None,
    text: str | None = None,
    encoding: str | None = None,
) -> Record:
    """Decode (unless `text` is given) and check one unit, then build its record.

    `site` is the one site key, `cleaners.metadata.site_key`: the host of `url`, else of
    the `site_name` the input supplies (a JSONL/Parquet `site` field, kept as given in
    `site_name`); `published_at` (a WARC-Date, a `date` field) is read by the one timestamp
    parser, `schemas.timestamps.iso_timestamp`: UTC, or None when it is not a date.
    """
    if text is None or encoding is None:
        decoded = decode(data, declared=declared)
        if isinstance(decoded, Failure):
            return reject(source, decoded.reason, decoded.detail, data, ctx)
        text, encoding = decoded
    if markup == "html":
        too_deep = check_nesting(text)
        if too_deep is not None:
            return reject(source, too_deep.reason, too_deep.detail, data, ctx)
    return RawDocument(
        doc_id=hashlib.sha256(data).hexdigest(),
        source_uri=source.uri,
        format=container,
        markup=markup,
        raw_bytes=data,
        raw_text=text,
        encoding=encoding,
        url=url,
        site=site_key(url, site_name),
        site_name=site_name,
        title=title,
        published_at=iso_timestamp(published_at),
        language=language,
    )


def reject(
    source: Source, reason: str, detail: str, data: bytes | None, ctx: Context | None = None
) -> Reject:
    """A Reject keeping the bytes when they are under the size limit."""
    detail = one_line(detail)
    if data is None:
        return Reject(source.uri, reason, detail)
    keep = ctx is None or len(data) <= ctx.limits.max_bytes
    return Reject(
        source.uri, reason, detail, data if keep else None, hashlib.sha256(data).hexdigest()
    )


def path_uri(path: str | os.PathLike[str]) -> str:
    """A file or member name as text that can be stored: unchanged when it is valid
    Unicode, else its undecodable bytes escaped as `\\xNN` (`caf\\xe9.txt`).

    POSIX names are bytes; Python hands undecodable ones over as lone surrogates, which
    no UTF-8 database column accepts.
    """
    text = os.fspath(path)
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        pass
    try:
        raw = text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a surrogate that is not an escaped byte
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return raw.decode("utf-8", "backslashreplace")


def one_line(text: str) -> str:
    """Collapse a message (a library's multi-line error, say) to one short line."""
    line = " ".join(text.split())
    return line if len(line) <= MAX_DETAIL_CHARS else line[: MAX_DETAIL_CHARS - 1] + "…"


def os_detail(exc: OSError) -> str:
    """One line for an OS error: its message without the repeated file name."""
    return one_line(exc.strerror or str(exc) or type(exc).__name__)


def truncation_detail(ctx: Context) -> str:
    """One line describing where the enclosing compressed stream ended early."""
    packed = ctx.packed
    count = packed.count if packed else 0
    error = (packed.error if packed else "") or "stream ended early"
    return f"compressed stream cut off after {count} unpacked bytes ({error})"


def str_or_none(value: object) -> str | None:
    """Keep a metadata value only if it is a non-empty string."""
    return value.strip() or None if isinstance(value, str) else None

"""Input readers: find input files, open them, and turn each unit into a record.

One file may hold many units (WARC records, JSONL lines, archive members); every unit
comes out as exactly one `RawDocument` or one `Reject`, or is *skipped and counted*
in a `Tally` (WARC request/metadata records, non-HTML responses, blank JSONL lines,
tar links): these are not input documents, but they still add up in the summary:

    tally.units == tally.documents + sum(tally.rejects.values()) + sum(tally.skipped.values())

Formats are recognised by content (`cleaners.decode.sniff_format`); compression and
archives nest (`.warc.gz`, `.jsonl.gz`, `.tar.gz`, a zip inside a tar). Limits are
enforced while reading, so a bomb or a huge member is refused before it fills memory.

`source_uri` addressing:

- a file: the path as discovered (`seeds/000_x.txt`, relative if given relative);
- compression is transparent: `page.html.gz`, `dump.jsonl.gz#L3`;
- archive members: `archive.zip!path/in/archive` (nesting: `a.tar!b.zip!c.html`);
- WARC records: `crawl.warc.gz#urn:uuid:...` (the WARC-Record-ID without `<>`),
  or `#offset-N` when a record has no id;
- JSONL lines: `dump.jsonl#L7` (1-based);
- damage after the last good unit of a container: `container#offset-N` (bytes into the
  decompressed stream) or `dump.jsonl#L9` for JSONL.

Expected failures are `Reject`s (reasons from `schemas.REJECT_REASONS`); anything else
is a bug and raises, with a note naming the input.
"""

from __future__ import annotations

import bz2
import hashlib
import io
import itertools
import json
import lzma
import os
import stat
import struct
import tarfile
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import IO, Any, BinaryIO
from urllib.parse import urlsplit

from cleaners.decode import (
    SNIFF_BYTES,
    Failure,
    binary_kind,
    check_nesting,
    decode,
    sniff_format,
)
from schemas import RawDocument, Reject

__all__ = [
    "MAX_BYTES",
    "READERS",
    "Limits",
    "Source",
    "Tally",
    "discover",
    "iter_inputs",
    "read_file",
    "read_stream",
]

Record = RawDocument | Reject
Decompressor = Any  # zlib/bz2/lzma decompressor objects share no typed base
Reader = Callable[[BinaryIO, "Source", "_Context"], Iterator[Record]]

MAX_BYTES = 20 * 2**20
"""Largest single unit (page, WARC payload, JSONL line, member): no article is 20 MB."""

MAX_UNPACKED_BYTES = 2 * 2**30
"""Total bytes one input file may unpack to: far above real dumps, far below a disk."""

MAX_RATIO = 200
"""Unpacked/packed ratio past which we call it a bomb: text gzips ~5-10x, HTML ~20x."""

RATIO_GRACE_BYTES = 2**20
"""Ratios are only judged past 1 MiB unpacked: tiny, repetitive files compress absurdly."""

MAX_MEMBERS = 100_000
"""Archive members per file: more is a member-count bomb, not a news dump."""

MAX_NESTING = 4
"""Containers inside containers (`a.tar.gz!b.zip!c.warc.gz`): deeper is a quine trick."""

MAX_HASH_BYTES = 2**30
"""We stream-hash a too-large file for its reject's `content_sha256` up to this size."""

MAX_DETAIL_CHARS = 300
"""A reject's detail is one human-readable line, not a dump of the input."""

CHUNK_BYTES = 2**16
"""Read and buffer size for streams: small enough that limits bite early."""

COMPRESSIONS: dict[str, tuple[bytes, Callable[[], Decompressor]]] = {
    "gzip": (b"\x1f\x8b", lambda: zlib.decompressobj(16 + zlib.MAX_WBITS)),
    "bzip2": (b"BZh", bz2.BZ2Decompressor),
    "xz": (b"\xfd7zXZ\x00", lzma.LZMADecompressor),
}
"""Single-stream compressions (magic, decompressor factory); multi-member streams are
read through, their content is sniffed and read like a file."""

CONTAINERS = frozenset({"warc", "jsonl", "zip", "tar", *COMPRESSIONS})
"""Formats that hold other units: the per-unit size limit applies inside, not to them."""

HTML_CONTENT_TYPES = ("text/html", "application/xhtml+xml")
TEXT_CONTENT_TYPES = ("text/plain",)

_ZIP_DAMAGE = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    OSError,
    EOFError,
    ValueError,
    struct.error,
)
"""What `zipfile` raises on a damaged central directory or member header."""

_DAMAGE = (EOFError, OSError, zlib.error, lzma.LZMAError, tarfile.TarError, zipfile.BadZipFile)
"""What decompressors and archive libraries raise on damaged input."""


@dataclass(slots=True, frozen=True)
class Limits:
    """The safety limits for one run; the defaults are the named constants above."""

    max_bytes: int = MAX_BYTES
    max_unpacked_bytes: int = MAX_UNPACKED_BYTES
    max_ratio: float = MAX_RATIO
    ratio_grace_bytes: int = RATIO_GRACE_BYTES
    max_members: int = MAX_MEMBERS
    max_nesting: int = MAX_NESTING


@dataclass(slots=True, frozen=True)
class Source:
    """Where a unit came from: its `source_uri`, and the name whose extension hints
    the format (a file's or an archive member's base name)."""

    uri: str
    name: str = ""

    def member(self, name: str) -> Source:
        """The source of an archive member: `archive.zip!path/in/archive`."""
        return Source(f"{self.uri}!{name}", name)

    def fragment(self, fragment: str) -> Source:
        """The source of one unit in a stream: `dump.jsonl#L3`, `crawl.warc#urn:...`."""
        return Source(f"{self.uri}#{fragment}", self.name)


@dataclass(slots=True)
class Tally:
    """Running counts, so a run's summary adds up: units = documents + rejects + skipped.

    Pass one to `iter_inputs`/`read_file`; it is updated as records are yielded.
    `skipped` keys say what was passed over, e.g. `warc:request`, `warc:non-html`,
    `jsonl:blank`, `tar:symlink`.
    """

    files: int = 0
    documents: int = 0
    rejects: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)

    @property
    def units(self) -> int:
        """Every unit seen: accepted, rejected or skipped."""
        return self.documents + self.rejected + sum(self.skipped.values())

    @property
    def rejected(self) -> int:
        """How many rejects were yielded."""
        return sum(self.rejects.values())


@dataclass(slots=True)
class _Budget:
    """Bytes unpacked so far from one input file, across every nesting level."""

    limit: int
    used: int = 0


@dataclass(slots=True, frozen=True)
class _Context:
    """What every reader needs: limits, the tally, the shared budget, nesting depth."""

    limits: Limits
    tally: Tally
    budget: _Budget
    depth: int = 0
    packed: _Guarded | None = None
    """The nearest enclosing unpacked stream: readers ask it whether data was cut off."""

    def deeper(self, packed: _Guarded | None = None) -> _Context:
        """The context for the content of a container, unpacked by `packed` if given.

        Tar members pass None: tarfile itself raises when a member's data is short.
        """
        return replace(self, depth=self.depth + 1, packed=packed)

    @property
    def truncated(self) -> bool:
        """Whether the enclosing compressed stream ended early."""
        return self.packed is not None and self.packed.truncated


class _Refused(Exception):
    """Raised inside a guarded stream (a limit, corrupt data); caught at the container
    boundary and turned into a Reject there."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


# --------------------------------------------------------------------------- discovery


def discover(paths: Sequence[str | Path]) -> tuple[list[Path], list[Reject]]:
    """Expand input paths into files, recursively and in sorted (deterministic) order.

    Directories are walked depth-first by name; symlinks are followed, but a directory
    that is its own ancestor (a symlink loop) is rejected instead of walked forever.
    Each path appears once even if named twice.

    Args:
        paths: files and directories, as given by the user.

    Returns:
        `(files, rejects)`: readable regular files, and a `Reject` for each missing path
        (`not_found`), loop, unreadable directory or special file (`unreadable`).
    """
    files: list[Path] = []
    rejects: list[Reject] = []
    seen: set[str] = set()
    for raw in paths:
        for item in _walk(Path(raw)):
            key = item.source_uri if isinstance(item, Reject) else str(item)
            if key in seen:
                continue
            seen.add(key)
            (rejects if isinstance(item, Reject) else files).append(item)  # type: ignore[arg-type]
    return files, rejects


def _walk(root: Path) -> Iterator[Path | Reject]:
    """Yield the files under `root` depth-first by name, or a Reject for what cannot be
    walked. Iterative, so a very deep tree cannot exhaust Python's recursion limit."""
    stack: list[tuple[Path, frozenset[tuple[int, int]]]] = [(root, frozenset())]
    while stack:
        path, ancestors = stack.pop()
        entry = _stat_entry(path)
        if not isinstance(entry, tuple):
            yield entry
            continue
        key = entry
        if key in ancestors:
            yield Reject(str(path), "unreadable", "symlink loop: directory is its own ancestor")
            continue
        try:
            with os.scandir(path) as entries:
                names = sorted(entry.name for entry in entries)
        except OSError as exc:
            yield Reject(str(path), "unreadable", f"cannot list directory: {_os_detail(exc)}")
            continue
        inside = ancestors | {key}
        stack.extend((path / name, inside) for name in reversed(names))


def _stat_entry(path: Path) -> Path | Reject | tuple[int, int]:
    """A regular file as itself, a directory as its (device, inode), else a Reject."""
    try:
        info = path.stat()
    except FileNotFoundError:
        dangling = path.is_symlink()
        detail = f"dangling symlink to {os.readlink(path)}" if dangling else "no such file"
        return Reject(str(path), "not_found", detail)
    except OSError as exc:  # ELOOP, EACCES on a parent, ENAMETOOLONG
        return Reject(str(path), "unreadable", _os_detail(exc))
    if stat.S_ISREG(info.st_mode):
        return path
    if stat.S_ISDIR(info.st_mode):
        return (info.st_dev, info.st_ino)
    return Reject(str(path), "unreadable", f"not a regular file ({_file_kind(info.st_mode)})")


def _file_kind(mode: int) -> str:
    """Name a non-regular file type for a reject's detail."""
    kinds = (
        (stat.S_ISDIR, "directory"),
        (stat.S_ISFIFO, "fifo"),
        (stat.S_ISSOCK, "socket"),
        (stat.S_ISCHR, "char device"),
        (stat.S_ISBLK, "block device"),
    )
    return next((name for test, name in kinds if test(mode)), "unknown type")


def _os_detail(exc: OSError) -> str:
    """One line for an OS error: its message without the repeated file name."""
    return _one_line(exc.strerror or str(exc) or type(exc).__name__)


# --------------------------------------------------------------------------- entry points


def iter_inputs(
    paths: Sequence[str | Path],
    *,
    max_bytes: int = MAX_BYTES,
    limits: Limits | None = None,
    tally: Tally | None = None,
) -> Iterator[Record]:
    """Discover and read every input: one RawDocument or Reject per unit, in order.

    Args:
        paths: files and directories.
        max_bytes: the per-unit size limit (ignored when `limits` is given).
        limits: all safety limits; defaults to `Limits(max_bytes=max_bytes)`.
        tally: updated with files, documents, rejects by reason, and skipped units.
    """
    tally = tally if tally is not None else Tally()
    files, rejects = discover(paths)
    yield from _counted(rejects, tally)
    for path in files:
        yield from read_file(path, max_bytes=max_bytes, limits=limits, tally=tally)


def read_file(
    path: Path,
    *,
    max_bytes: int = MAX_BYTES,
    limits: Limits | None = None,
    tally: Tally | None = None,
) -> Iterator[Record]:
    """Read one file into its units. Never raises for a bad or vanished file.

    A page over the size limit is rejected from `stat` alone (plus a streamed hash),
    never loaded. Containers (WARC, JSONL, archives) are streamed: the limit applies
    to each unit inside them.

    Args:
        path: a file, usually from `discover`.
        max_bytes: the per-unit size limit (ignored when `limits` is given).
        limits: all safety limits.
        tally: updated as records are yielded.
    """
    tally = tally if tally is not None else Tally()
    limits = limits or Limits(max_bytes=max_bytes)
    tally.files += 1
    ctx = _Context(limits, tally, _Budget(limits.max_unpacked_bytes))
    yield from _counted(_read_path(path, ctx), tally)


def read_stream(
    stream: BinaryIO, uri: str, *, limits: Limits | None = None, tally: Tally | None = None
) -> Iterator[Record]:
    """Read units from an open binary stream (e.g. an upload), as `read_file` would.

    Args:
        stream: readable binary stream, positioned at its start.
        uri: the `source_uri` to give its units.
        limits: all safety limits.
        tally: updated as records are yielded.
    """
    tally = tally if tally is not None else Tally()
    limits = limits or Limits()
    ctx = _Context(limits, tally, _Budget(limits.max_unpacked_bytes))
    yield from _counted(_read_any(stream, Source(uri, PurePosixPath(uri).name), ctx), tally)


def _counted(records: Iterable[Record], tally: Tally) -> Iterator[Record]:
    """Pass records through, counting documents and rejects by reason.

    A reject whose URI was already used for this input (a damaged WARC repeating a
    record id, two failures at one offset) gets a `~2`, `~3` suffix: `rejects` is keyed
    by (source_uri, run_id), so two rejects must never share a URI.
    """
    used: Counter[str] = Counter()
    for record in records:
        if isinstance(record, Reject):
            used[record.source_uri] += 1
            if used[record.source_uri] > 1:
                record = replace(
                    record, source_uri=f"{record.source_uri}~{used[record.source_uri]}"
                )
            tally.rejects[record.reason] += 1
        else:
            tally.documents += 1
        yield record


def _read_path(path: Path, ctx: _Context) -> Iterator[Record]:
    """Open a file, refuse it early if too large, else read it by its sniffed format."""
    source = Source(str(path), path.name)
    try:
        handle = _open_regular(path)
    except FileNotFoundError:
        yield Reject(source.uri, "not_found", "vanished after discovery")
        return
    except OSError as exc:
        yield Reject(source.uri, "unreadable", _os_detail(exc))
        return
    with handle:
        try:
            size = os.fstat(handle.fileno()).st_size
            head = handle.read(SNIFF_BYTES)
            fmt = sniff_format(head, path.name)
            if fmt not in CONTAINERS and size > ctx.limits.max_bytes:
                yield _too_large_file(handle, source, size, ctx.limits.max_bytes)
                return
            handle.seek(0)
            yield from _annotated(READERS[fmt](handle, source, ctx), source)
        except _Refused as exc:  # a container below did not claim it: report it here
            yield Reject(source.uri, exc.reason, exc.detail)
        except OSError as exc:  # EIO and friends, while reading a file on disk
            yield Reject(source.uri, "unreadable", f"read error: {_os_detail(exc)}")


def _open_regular(path: Path) -> BinaryIO:
    """Open a regular file for reading; refuse FIFOs and devices without blocking on them.

    A plain `open()` of a FIFO waits for a writer forever, so open non-blocking, check
    the type on the descriptor, then switch blocking back on.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise IsADirectoryError(0, f"not a regular file ({_file_kind(mode)})")
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _read_any(stream: BinaryIO, source: Source, ctx: _Context) -> Iterator[Record]:
    """Sniff a non-seekable stream's head, then hand it to the reader for its format."""
    head = _read_up_to(stream, SNIFF_BYTES)
    fmt = sniff_format(head, source.name)
    yield from READERS[fmt](_Prefixed.wrap(head, stream), source, ctx)


def _annotated(records: Iterator[Record], source: Source) -> Iterator[Record]:
    """Add the input's name to any unexpected exception, then let it fail loudly."""
    try:
        yield from records
    except Exception as exc:
        exc.add_note(f"presswash: while reading {source.uri}")
        raise


def _too_large_file(handle: BinaryIO, source: Source, size: int, limit: int) -> Reject:
    """Reject a file over the limit without keeping it in memory (stream-hash it)."""
    digest = ""
    if size <= MAX_HASH_BYTES:
        handle.seek(0)
        hasher = hashlib.sha256()
        while chunk := handle.read(CHUNK_BYTES):
            hasher.update(chunk)
        digest = hasher.hexdigest()
    return Reject(source.uri, "too_large", f"{size} bytes > limit {limit}", None, digest)


# --------------------------------------------------------------------------- pages


def read_page(stream: BinaryIO, source: Source, ctx: _Context) -> Iterator[Record]:
    """Read one HTML page or text dump (the whole stream is one unit)."""
    data = _read_up_to(stream, ctx.limits.max_bytes + 1)
    if len(data) > ctx.limits.max_bytes:
        yield _reject(source, "too_large", f"more than {ctx.limits.max_bytes} bytes", None)
        return
    if ctx.truncated:
        yield _reject(source, "truncated", _truncation_detail(ctx), data, ctx)
        return
    fmt = sniff_format(data, source.name)
    if fmt not in ("html", "text"):
        yield from READERS[fmt](io.BytesIO(data), source, ctx)
        return
    yield _document(data, source, ctx, container=fmt, markup=fmt)


def read_empty(stream: BinaryIO, source: Source, ctx: _Context) -> Iterator[Record]:
    """Reject an empty or whitespace-only unit."""
    data = _read_up_to(stream, ctx.limits.max_bytes + 1)
    if ctx.truncated:
        yield _reject(source, "truncated", _truncation_detail(ctx), data, ctx)
        return
    detail = f"{len(data)} bytes of whitespace" if data else "0 bytes"
    yield _reject(source, "empty", detail, data, ctx)


def read_binary(stream: BinaryIO, source: Source, ctx: _Context) -> Iterator[Record]:
    """Reject a non-text unit (PDF, PNG, ELF, ...) whatever its name says."""
    data = _read_up_to(stream, ctx.limits.max_bytes + 1)
    if ctx.truncated:
        yield _reject(source, "truncated", _truncation_detail(ctx), data, ctx)
        return
    kind = binary_kind(data) or "unknown binary"
    yield _reject(source, "binary", f"{kind} content in {source.name or 'input'}", data, ctx)


def _document(
    data: bytes,
    source: Source,
    ctx: _Context,
    *,
    container: str,
    markup: str,
    declared: str | None = None,
    url: str | None = None,
    title: str | None = None,
    published_at: str | None = None,
    site: str | None = None,
    text: str | None = None,
    encoding: str | None = None,
) -> Record:
    """Decode (unless `text` is given) and check one unit, then build its record."""
    if text is None or encoding is None:
        decoded = decode(data, declared=declared)
        if isinstance(decoded, Failure):
            return _reject(source, decoded.reason, decoded.detail, data, ctx)
        text, encoding = decoded
    if markup == "html":
        too_deep = check_nesting(text)
        if too_deep is not None:
            return _reject(source, too_deep.reason, too_deep.detail, data, ctx)
    return RawDocument(
        doc_id=hashlib.sha256(data).hexdigest(),
        source_uri=source.uri,
        format=container,  # type: ignore[arg-type]
        markup=markup,  # type: ignore[arg-type]
        raw_bytes=data,
        raw_text=text,
        encoding=encoding,
        url=url,
        site=site or _hostname(url),
        title=title,
        published_at=published_at,
    )


def _reject(
    source: Source, reason: str, detail: str, data: bytes | None, ctx: _Context | None = None
) -> Reject:
    """A Reject keeping the bytes when they are under the size limit."""
    detail = _one_line(detail)
    if data is None:
        return Reject(source.uri, reason, detail)
    keep = ctx is None or len(data) <= ctx.limits.max_bytes
    return Reject(
        source.uri, reason, detail, data if keep else None, hashlib.sha256(data).hexdigest()
    )


def _one_line(text: str) -> str:
    """Collapse a message (a library's multi-line error, say) to one short line."""
    line = " ".join(text.split())
    return line if len(line) <= MAX_DETAIL_CHARS else line[: MAX_DETAIL_CHARS - 1] + "…"


def _hostname(url: str | None) -> str | None:
    """The lower-case host of a URL, or None."""
    if not url:
        return None
    try:
        return urlsplit(url).hostname or None
    except ValueError:
        return None


# --------------------------------------------------------------------------- JSONL


def read_jsonl(stream: BinaryIO, source: Source, ctx: _Context) -> Iterator[Record]:
    """Read scraper JSONL: one object per line with `url` and `html` or `text`.

    Optional `title`, `date`, `site`. A bad line is a Reject at `file#L<n>` and reading
    goes on; blank lines are skipped and counted (`jsonl:blank`).
    """
    lines: IO[bytes] = stream if hasattr(stream, "readline") else io.BufferedReader(_Plain(stream))
    limit = ctx.limits.max_bytes
    for lineno in itertools.count(1):
        line = lines.readline(limit + 1)
        if not line:
            return
        where = source.fragment(f"L{lineno}")
        if len(line) > limit and not line.endswith(b"\n"):
            _skip_line(lines)
            yield _reject(where, "too_large", f"line {lineno}: more than {limit} bytes", None)
            continue
        if not line.endswith(b"\n") and ctx.truncated:
            detail = f"line {lineno} cut off: {_truncation_detail(ctx)}"
            yield _reject(where, "truncated", detail, line, ctx)
            return
        body = line.rstrip(b"\r\n")
        if not body.strip():
            ctx.tally.skipped["jsonl:blank"] += 1
            continue
        yield _jsonl_record(body, where, lineno, ctx)


def _skip_line(lines: IO[bytes]) -> None:
    """Consume the rest of an over-long line in bounded chunks."""
    while chunk := lines.readline(CHUNK_BYTES):
        if chunk.endswith(b"\n"):
            return


def _jsonl_record(body: bytes, source: Source, lineno: int, ctx: _Context) -> Record:
    """Turn one JSONL line into a document, or a parse_error naming what is wrong."""
    decoded = decode(body)
    if isinstance(decoded, Failure):
        return _reject(source, decoded.reason, f"line {lineno}: {decoded.detail}", body, ctx)
    line_text, encoding = decoded
    try:
        obj = json.loads(line_text)
    except ValueError as exc:
        return _reject(source, "parse_error", f"line {lineno}: invalid JSON: {exc}", body, ctx)
    problem = _jsonl_problem(obj)
    if problem:
        return _reject(source, "parse_error", f"line {lineno}: {problem}", body, ctx)
    fields = {key: obj.get(key) for key in ("html", "text")}
    markup = next((k for k, v in fields.items() if isinstance(v, str) and v.strip()), None)
    if markup is None:
        return _reject(source, "empty", f"line {lineno}: blank 'html'/'text'", body, ctx)
    content = fields[markup]
    return _document(
        body,
        source,
        ctx,
        container="jsonl",
        markup=markup,
        url=_str_or_none(obj.get("url")),
        title=_str_or_none(obj.get("title")),
        published_at=_str_or_none(obj.get("date")),
        site=_str_or_none(obj.get("site")),
        text=content,
        encoding=encoding,
    )


def _jsonl_problem(obj: object) -> str | None:
    """Say why a parsed line is not a scraper record, or None if it is one."""
    if not isinstance(obj, dict):
        return f"expected a JSON object, got {type(obj).__name__}"
    if not isinstance(obj.get("html"), str) and not isinstance(obj.get("text"), str):
        return "no string 'html' or 'text' field"
    if obj.get("url") is not None and not isinstance(obj.get("url"), str):
        return "'url' is not a string"
    return None


def _str_or_none(value: object) -> str | None:
    """Keep a metadata value only if it is a non-empty string."""
    return value.strip() or None if isinstance(value, str) else None


# --------------------------------------------------------------------------- WARC


def read_warc(stream: BinaryIO, source: Source, ctx: _Context) -> Iterator[Record]:
    """Read a WARC: HTTP responses (and resources) with HTML/text bodies become documents.

    Other record types are skipped and counted as `warc:<type>`; responses that are not
    2xx or not HTML/text as `warc:status` / `warc:non-html`. A record cut short is
    `truncated`, unparseable bytes `parse_error`; records before the damage are kept.
    """
    from fastwarc.warc import ArchiveIterator  # import here: only WARC inputs pay for it

    forward = stream if _is_seekable(stream) else _Forward(stream)
    last_offset = 0
    try:
        records = ArchiveIterator(forward, parse_http=True, auto_decode="none", stream_detect=False)
        for record in records:
            last_offset = record.stream_pos
            yield from _warc_record(record, source, ctx)
    except _Refused:
        raise
    except BaseException as exc:  # fastwarc panics are BaseException (pyo3 PanicException)
        if not isinstance(exc, _DAMAGE) and type(exc).__name__ != "PanicException":
            raise
        where = source.fragment(f"offset-{last_offset}")
        yield _reject(
            where, "parse_error", f"unreadable WARC after offset {last_offset}: {exc}", None
        )
        return


def _warc_record(rec: Any, source: Source, ctx: _Context) -> Iterator[Record]:
    """One WARC record (`fastwarc.warc.WarcRecord`): a document, a reject, or a skip."""
    record_id = (rec.record_id or "").strip("<> ")
    where = source.fragment(record_id or f"offset-{rec.stream_pos}")
    problem = _warc_incomplete(rec)
    if problem is not None:
        yield _reject(where, "truncated", problem, None)
        return
    kind = _warc_kind(rec)
    if kind is not None:  # not a document: still read to its end, to notice truncation
        consumed = rec.reader.consume()
        if consumed < rec.content_length:
            detail = f"{kind} record cut at {consumed} of {rec.content_length} bytes"
            yield _reject(where, "truncated", detail, None)
        else:
            ctx.tally.skipped[kind] += 1
        return
    if rec.content_length > ctx.limits.max_bytes:
        detail = f"payload of {rec.content_length} bytes > limit {ctx.limits.max_bytes}"
        yield _reject(where, "too_large", detail, None)
        return
    body = rec.reader.read()
    if len(body) < rec.content_length:
        detail = f"payload cut at {len(body)} of {rec.content_length} bytes"
        yield _reject(where, "truncated", detail, body, ctx)
        return
    if rec.is_http and rec.http_headers.status_code is None:
        yield _reject(where, "parse_error", "response without an HTTP status line", body, ctx)
        return
    payload = _http_payload(body, rec.http_headers if rec.is_http else None, ctx)
    if isinstance(payload, Failure):
        yield _reject(where, payload.reason, payload.detail, body, ctx)
        return
    charset = rec.http_charset if rec.is_http else None
    yield from _warc_document(payload, where, ctx, rec.headers, charset, _content_type(rec))


def _warc_kind(rec: Any) -> str | None:
    """The skip counter for a record that is not a document, or None for a candidate.

    Documents are 2xx HTTP responses and resource records whose content type is HTML
    or plain text (or missing: then the payload is sniffed).
    """
    from fastwarc.warc import WarcRecordType

    if rec.record_type not in (WarcRecordType.response, WarcRecordType.resource):
        return f"warc:{rec.record_type}"
    status = rec.http_headers.status_code if rec.is_http else 200
    if status is not None and not 200 <= status < 300:
        return "warc:status"
    content_type = _content_type(rec)
    if content_type and not content_type.startswith(HTML_CONTENT_TYPES + TEXT_CONTENT_TYPES):
        return "warc:non-html"
    return None


def _content_type(rec: Any) -> str:
    """The payload's media type: from the HTTP headers, else the WARC header."""
    if rec.is_http:
        return str(rec.http_content_type or "").lower()
    return str(rec.headers.get("Content-Type") or "").split(";")[0].strip().lower()


def _warc_incomplete(rec: Any) -> str | None:
    """Say why a WARC record's header block is incomplete, or None if it is whole."""
    if not rec.record_id or not rec.record_id.endswith(">"):
        return "record header cut off or missing WARC-Record-ID"
    if rec.headers.get("Content-Length") is None:
        return "record header cut off: no Content-Length"
    return None


def _warc_document(
    payload: bytes,
    where: Source,
    ctx: _Context,
    headers: Any,
    charset: str | None,
    content_type: str,
) -> Iterator[Record]:
    """Build the document for one WARC payload, sniffing markup when untyped."""
    sniffed = sniff_format(payload, "")
    if sniffed == "empty":
        yield _reject(where, "empty", "empty HTTP payload", payload, ctx)
        return
    if sniffed == "binary" or (not content_type and sniffed not in ("html", "text")):
        kind = binary_kind(payload) or sniffed
        yield _reject(where, "binary", f"{kind} payload labelled '{content_type}'", payload, ctx)
        return
    is_html = content_type.startswith(HTML_CONTENT_TYPES) or sniffed == "html"
    url = headers.get("WARC-Target-URI") or None
    yield _document(
        payload,
        where,
        ctx,
        container="warc",
        markup="html" if is_html else "text",
        declared=charset,
        url=url,
        published_at=headers.get("WARC-Date") or None,
    )


def _http_payload(body: bytes, http_headers: Any, ctx: _Context) -> bytes | Failure:
    """Undo HTTP transfer and content encodings (chunked, gzip, deflate, br)."""
    if http_headers is None:
        return body
    transfer = (http_headers.get("Transfer-Encoding") or "").lower()
    if "chunked" in transfer:
        body = _dechunk(body)
    encoding = (http_headers.get("Content-Encoding") or "").strip().lower()
    if encoding in ("", "identity"):
        return body
    return _content_decode(body, encoding, ctx.limits.max_bytes)


def _dechunk(body: bytes) -> bytes:
    """Decode HTTP chunked transfer encoding; leave the body alone if it is not chunked."""
    out, pos = bytearray(), 0
    while pos < len(body):
        end = body.find(b"\r\n", pos)
        size_text = body[pos:end].split(b";")[0].strip() if end >= 0 else b""
        try:
            size = int(size_text, 16)
        except ValueError:
            return body  # mislabelled: many crawlers store the de-chunked body
        if size == 0:
            break
        out += body[end + 2 : end + 2 + size]
        pos = end + 2 + size + 2
    return bytes(out)


def _content_decode(body: bytes, encoding: str, limit: int) -> bytes | Failure:
    """Decompress a Content-Encoding, refusing output over `limit` (a bomb)."""
    if encoding in ("gzip", "x-gzip", "deflate"):
        wbits = 47 if encoding != "deflate" else (15 if body[:1] == b"\x78" else -15)
        try:
            inflater = zlib.decompressobj(wbits)
            out = inflater.decompress(body, limit + 1)
        except zlib.error as exc:
            return Failure("parse_error", f"bad {encoding} content encoding: {exc}")
    elif encoding == "br":
        try:
            import brotli

            out = brotli.Decompressor().process(body, output_buffer_limit=limit + 1)
        except ImportError:
            return Failure("parse_error", "brotli content encoding, brotli not installed")
        except (brotli.error, TypeError) as exc:
            return Failure("parse_error", f"bad br content encoding: {exc}")
    else:
        return Failure("parse_error", f"unsupported Content-Encoding '{encoding}'")
    if len(out) > limit:
        return Failure("too_large", f"{encoding} payload unpacks past the {limit}-byte limit")
    return out


# --------------------------------------------------------------------------- compression


def read_compressed(stream: BinaryIO, source: Source, ctx: _Context) -> Iterator[Record]:
    """Decompress gzip/bzip2/xz and read the content by its own format, same URI.

    Limits (total bytes, ratio) are enforced while reading. A stream cut short keeps
    the units before the damage and adds one `truncated` reject for the rest.
    """
    fmt = sniff_format(_Prefixed.peek(stream, SNIFF_BYTES), source.name)
    if ctx.depth >= ctx.limits.max_nesting:
        yield _reject(source, "archive_bomb", f"nested deeper than {ctx.limits.max_nesting}", None)
        return
    packed = _Inflater(stream, fmt)
    guarded = _Guarded(packed, source, ctx, packed_bytes=lambda: packed.count)
    inner = Source(source.uri, _strip_suffix(source.name))
    unpacked = io.BufferedReader(guarded, CHUNK_BYTES)
    damaged = yielded = False
    try:
        for record in _read_any(unpacked, inner, ctx.deeper(guarded)):
            damaged |= isinstance(record, Reject) and record.reason in ("truncated", "parse_error")
            yielded = True
            yield record
    except _Refused as exc:
        yield _reject(_rest_of(source, guarded, yielded), exc.reason, exc.detail, None)
        return
    if guarded.truncated and not damaged:
        detail = _truncation_detail(ctx.deeper(guarded))
        yield _reject(_rest_of(source, guarded, yielded), "truncated", detail, None)


def _rest_of(source: Source, guarded: _Guarded, yielded: bool) -> Source:
    """Where to file damage: the stream itself, or `#offset-N` after units were read."""
    return source.fragment(f"offset-{guarded.count}") if yielded else source


def _strip_suffix(name: str) -> str:
    """`page.html.gz` -> `page.html`, so the inner name still hints the format."""
    stem, dot, ext = name.rpartition(".")
    compressed = ext.lower() in ("gz", "tgz", "bz2", "xz", "txz", "tbz2")
    if ext.lower() in ("tgz", "txz", "tbz2"):
        return f"{stem}.tar"
    return stem if dot and compressed else name


# --------------------------------------------------------------------------- archives


def read_zip(stream: BinaryIO, source: Source, ctx: _Context) -> Iterator[Record]:
    """Read each zip member as its own input, at `archive.zip!member`.

    Members are never extracted to disk. `..`/absolute names are `unsafe_path`;
    declared sizes and ratios are checked before reading, actual ones while reading.
    """
    if ctx.depth >= ctx.limits.max_nesting:
        yield _reject(source, "archive_bomb", f"nested deeper than {ctx.limits.max_nesting}", None)
        return
    seekable = stream if _is_seekable(stream) else _spool(stream, ctx.limits.max_bytes)
    if seekable is None:
        yield _reject(source, "too_large", f"nested zip over {ctx.limits.max_bytes} bytes", None)
        return
    try:
        archive = zipfile.ZipFile(seekable)  # type: ignore[arg-type]
        members = archive.infolist()
    except (*_ZIP_DAMAGE, NotImplementedError) as exc:
        yield _reject(source, "parse_error", f"unreadable zip: {exc}", None)
        return
    with archive:
        if len(members) > ctx.limits.max_members:
            detail = f"{len(members)} members > limit {ctx.limits.max_members}"
            yield _reject(source, "archive_bomb", detail, None)
            return
        files = [info for info in members if not info.is_dir()]
        links = [info for info in files if stat.S_ISLNK(info.external_attr >> 16)]
        if links:  # a link's "content" is its target path: never followed, not a page
            ctx.tally.skipped["zip:symlink"] += len(links)
            files = [info for info in files if info not in links]
        for index, info in enumerate(files):
            stop = yield from _zip_member(archive, info, source, ctx)
            if stop:  # account for every member we will not read
                detail = f"not read: archive passed its {ctx.budget.limit}-byte unpacked total"
                for rest in files[index + 1 :]:
                    yield _reject(source.member(rest.filename), "archive_bomb", detail, None)
                return


def _zip_member(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, source: Source, ctx: _Context
) -> Generator[Record, None, bool]:
    """Read one zip member; return True when the whole archive must stop (a bomb)."""
    member = source.member(info.filename)
    refusal = _member_refusal(info.filename) or _zip_refusal(info, ctx)
    if refusal is not None:
        yield _reject(member, refusal.reason, refusal.detail, None)
        return refusal.reason == "archive_bomb" and "total" in refusal.detail
    try:
        raw = archive.open(info)
    except (*_DAMAGE, NotImplementedError, RuntimeError, ValueError) as exc:
        yield _reject(member, "parse_error", f"cannot open member: {exc}", None)
        return False
    with raw:
        guarded = _Guarded(raw, member, ctx, packed_bytes=lambda: info.compress_size)
        try:
            unpacked = io.BufferedReader(guarded, CHUNK_BYTES)
            yield from _read_any(unpacked, member, ctx.deeper(guarded))
        except _Refused as exc:
            yield _reject(member, exc.reason, exc.detail, None)
            return ctx.budget.used > ctx.budget.limit
        except (*_DAMAGE, NotImplementedError, RuntimeError, ValueError) as exc:
            yield _reject(member, "parse_error", f"damaged member: {exc}", None)
    return False


def _zip_refusal(info: zipfile.ZipInfo, ctx: _Context) -> Failure | None:
    """Refuse a zip member from its header alone: encrypted, too large, a bomb."""
    limits = ctx.limits
    if info.flag_bits & 0x1:
        return Failure("unreadable", "encrypted zip member")
    ratio = info.file_size / max(info.compress_size, 1)
    if info.file_size > limits.ratio_grace_bytes and ratio > limits.max_ratio:
        return Failure("archive_bomb", f"compression ratio {ratio:.1f} > {limits.max_ratio:g}")
    if info.file_size > limits.max_bytes:
        return Failure("too_large", f"{info.file_size} bytes > limit {limits.max_bytes}")
    if ctx.budget.used + info.file_size > ctx.budget.limit:
        return Failure("archive_bomb", f"total unpacked size would pass {ctx.budget.limit} bytes")
    return None


def _member_refusal(name: str) -> Failure | None:
    """Refuse archive member names that could escape the archive (`..`, absolute)."""
    normalized = name.replace("\\", "/")
    parts = PurePosixPath(normalized).parts
    if normalized.startswith("/") or (len(name) > 1 and name[1] == ":") or ".." in parts:
        return Failure("unsafe_path", f"member name escapes the archive: {name!r}")
    if "\x00" in name:
        return Failure("unsafe_path", f"member name contains NUL: {name!r}")
    return None


def read_tar(stream: BinaryIO, source: Source, ctx: _Context) -> Iterator[Record]:
    """Read each regular tar member as its own input, streaming (no seeks, no extraction).

    Links and devices are skipped and counted (`tar:symlink`, ...); unsafe names are
    `unsafe_path`; a tar cut short keeps the members before the damage.
    """
    if ctx.depth >= ctx.limits.max_nesting:
        yield _reject(source, "archive_bomb", f"nested deeper than {ctx.limits.max_nesting}", None)
        return
    count = 0
    offset = 0
    try:
        with tarfile.open(fileobj=stream, mode="r|") as archive:
            for info in archive:
                offset = info.offset
                count += 1
                if count > ctx.limits.max_members:
                    detail = f"more than {ctx.limits.max_members} members"
                    yield _reject(source.fragment(f"offset-{offset}"), "archive_bomb", detail, None)
                    return
                stop = yield from _tar_member(archive, info, source, ctx)
                if stop:
                    return
    except _Refused as exc:
        yield _reject(source.fragment(f"offset-{offset}"), exc.reason, exc.detail, None)
    except (*_DAMAGE, ValueError) as exc:
        reason = "truncated" if _is_truncation(exc, ctx) else "parse_error"
        detail = f"tar damaged after offset {offset}: {exc}"
        yield _reject(source.fragment(f"offset-{offset}"), reason, detail, None)


def _tar_member(
    archive: tarfile.TarFile, info: tarfile.TarInfo, source: Source, ctx: _Context
) -> Generator[Record, None, bool]:
    """One tar member: read regular files, skip and count everything else.

    Returns True when the archive cannot be read further (a damaged stream).
    """
    if info.isdir():
        return False
    member = source.member(info.name)
    refusal = _member_refusal(info.name)
    if refusal is not None:
        yield _reject(member, refusal.reason, refusal.detail, None)
        return False
    if not info.isfile():
        kind = "symlink" if info.issym() else "hardlink" if info.islnk() else "special"
        ctx.tally.skipped[f"tar:{kind}"] += 1
        return False
    if info.size > ctx.limits.max_bytes:
        detail = f"{info.size} bytes > limit {ctx.limits.max_bytes}"
        yield _reject(member, "too_large", detail, None)
        return False
    handle = archive.extractfile(info)
    if handle is None:  # pragma: no cover - isfile() members always have data
        return False
    unseekable = io.BufferedReader(_Plain(handle), CHUNK_BYTES)
    try:
        yield from _read_any(unseekable, member, ctx.deeper())
    except (*_DAMAGE, ValueError) as exc:
        reason = "truncated" if _is_truncation(exc, ctx) else "parse_error"
        yield _reject(member, reason, f"damaged member: {exc}", None)
        return True
    return False


def _is_truncation(exc: BaseException, ctx: _Context) -> bool:
    """Whether an archive error means "the data ended early" rather than "garbage"."""
    text = str(exc).lower()
    return ctx.truncated or "unexpected end" in text or "eof" in text


# --------------------------------------------------------------------------- streams


class _Forward(io.RawIOBase):
    """A forward-only stream that can say where it is: fastwarc asks `tell()` first."""

    def __init__(self, inner: IO[bytes]) -> None:
        self.inner = inner
        self.position = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        target = offset if whence == io.SEEK_SET else self.position + offset
        if whence not in (io.SEEK_SET, io.SEEK_CUR) or target != self.position:
            raise io.UnsupportedOperation("forward-only stream")
        return self.position

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        data = self.inner.read(len(buffer))
        buffer[: len(data)] = data
        self.position += len(data)
        return len(data)


class _Plain(io.RawIOBase):
    """A forward-only view of a stream (tar members claim to seek but cannot, in a pipe)."""

    def __init__(self, inner: IO[bytes]) -> None:
        self.inner = inner

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        data = self.inner.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


class _Inflater(io.RawIOBase):
    """Decompress gzip/bzip2/xz incrementally, member after member.

    Unlike `gzip.GzipFile`, which drops the data it already inflated when the input
    ends early, this hands out every byte it can and then sets `truncated`. Corrupt
    data raises `_Refused('parse_error')`; all-zero padding after the last member is
    ignored, other trailing bytes are corrupt data.
    """

    def __init__(self, inner: IO[bytes], fmt: str) -> None:
        self.inner = inner
        self.magic, self.factory = COMPRESSIONS[fmt]
        self.fmt = fmt
        self.decompressor = self.factory()
        self.pending = b""
        self.count = 0
        self.truncated = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        try:
            while True:
                if self.decompressor.eof and not self._next_member():
                    return 0
                out = self._step(len(buffer))
                if out is None:
                    self.truncated = True
                    return 0
                if out:
                    buffer[: len(out)] = out
                    return len(out)
        except (zlib.error, lzma.LZMAError, OSError, EOFError, ValueError) as exc:
            detail = f"corrupt {self.fmt} data after {self.count} packed bytes: {exc}"
            raise _Refused("parse_error", detail) from exc

    def _input(self) -> bytes:
        """Carried-over bytes first, then the next packed chunk."""
        if self.pending:
            data, self.pending = self.pending, b""
            return data
        data = self.inner.read(CHUNK_BYTES)
        self.count += len(data)
        return data

    def _step(self, size: int) -> bytes | None:
        """Inflate up to `size` bytes; None when the input ends mid-member."""
        if self.fmt == "gzip":
            data = self._input()
            if not data:
                return None
            out: bytes = self.decompressor.decompress(data, size)
            # at a member's end the rest is in `unused_data`; `unconsumed_tail` can be stale
            self.pending = b"" if self.decompressor.eof else self.decompressor.unconsumed_tail
            return out
        data = self._input() if self.decompressor.needs_input else b""
        if not data and self.decompressor.needs_input:
            return None
        out = self.decompressor.decompress(data, max_length=size)
        return out

    def _next_member(self) -> bool:
        """After a member ends: start the next one, or say the stream is done."""
        self.pending = self.decompressor.unused_data + self.pending
        while not self.pending or not self.pending.strip(b"\0"):
            self.pending = self._input() if not self.pending else b""
            if not self.pending:
                more = self.inner.read(CHUNK_BYTES)
                self.count += len(more)
                if not more:
                    return False
                self.pending = more
        if not self.pending.startswith(self.magic[: len(self.pending)]):
            raise _Refused("parse_error", f"garbage after {self.fmt} data at {self.count}")
        self.decompressor = self.factory()
        return True


class _Guarded(io.RawIOBase):
    """An unpacked stream that enforces size/ratio limits and notes truncation.

    A decompressor's "ended early" error becomes `truncated = True` and a clean EOF, so
    the readers above keep every unit before the damage; limit breaches raise
    `_Refused` up to the container that owns the stream.
    """

    def __init__(
        self,
        inner: IO[bytes] | io.RawIOBase,
        source: Source,
        ctx: _Context,
        *,
        packed_bytes: Callable[[], int] | None,
    ) -> None:
        self.inner = inner
        self.source = source
        self.ctx = ctx
        self.packed_bytes = packed_bytes
        self.count = 0
        self.truncated = False
        self.error = ""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if self.truncated:
            return 0
        try:
            data = self.inner.read(len(buffer))
        except EOFError as exc:
            self.truncated, self.error = True, str(exc) or "unexpected end of stream"
            return 0
        except (OSError, zlib.error, lzma.LZMAError, zipfile.BadZipFile) as exc:
            raise _Refused(
                "parse_error", f"corrupt stream after {self.count} bytes: {exc}"
            ) from exc
        if not data and getattr(self.inner, "truncated", False):
            self.truncated, self.error = True, "input ended inside a compressed member"
            return 0
        size = len(data)
        buffer[:size] = data
        self.count += size
        self._charge(size)
        return size

    def _charge(self, size: int) -> None:
        """Count unpacked bytes against the budget and the ratio limit."""
        limits, budget = self.ctx.limits, self.ctx.budget
        budget.used += size
        if budget.used > budget.limit:
            raise _Refused("archive_bomb", f"unpacked more than {budget.limit} bytes in total")
        if self.packed_bytes is None or self.count <= limits.ratio_grace_bytes:
            return
        ratio = self.count / max(self.packed_bytes(), 1)
        if ratio > limits.max_ratio:
            raise _Refused("archive_bomb", f"compression ratio {ratio:.1f} > {limits.max_ratio:g}")


class _Prefixed(io.RawIOBase):
    """A stream whose first bytes were already read (to sniff), glued back in front."""

    def __init__(self, head: bytes, inner: IO[bytes]) -> None:
        self.head = head
        self.inner = inner

    @classmethod
    def wrap(cls, head: bytes, inner: BinaryIO) -> BinaryIO:
        """A buffered stream that replays `head` then continues with `inner`."""
        if _is_seekable(inner):
            inner.seek(-len(head), io.SEEK_CUR)
            return inner
        return io.BufferedReader(cls(head, inner), CHUNK_BYTES)  # type: ignore[return-value]

    @staticmethod
    def peek(stream: BinaryIO, size: int) -> bytes:
        """Read the head of `stream` and put it back (seek, or a buffered peek)."""
        if _is_seekable(stream):
            head = stream.read(size)
            stream.seek(-len(head), io.SEEK_CUR)
            return head
        peek = getattr(stream, "peek", None)
        return peek(size)[:size] if peek else b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if self.head:
            size = min(len(buffer), len(self.head))
            buffer[:size] = self.head[:size]
            self.head = self.head[size:]
            return size
        data = self.inner.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def _is_seekable(stream: object) -> bool:
    """Whether a stream can seek (files on disk, BytesIO), without raising."""
    try:
        return bool(stream.seekable())  # type: ignore[attr-defined]
    except (AttributeError, OSError, ValueError):
        return False


def _spool(stream: BinaryIO, limit: int) -> BinaryIO | None:
    """Copy a non-seekable stream into memory, or None if it is over `limit`."""
    data = _read_up_to(stream, limit + 1)
    return None if len(data) > limit else io.BytesIO(data)


def _read_up_to(stream: BinaryIO, size: int) -> bytes:
    """Read until `size` bytes or EOF (a single `read` may return less)."""
    parts: list[bytes] = []
    remaining = size
    while remaining > 0:
        chunk = stream.read(min(remaining, CHUNK_BYTES))
        if not chunk:
            break
        parts.append(chunk)
        remaining -= len(chunk)
    return b"".join(parts)


def _truncation_detail(ctx: _Context) -> str:
    """One line describing where the enclosing compressed stream ended early."""
    packed = ctx.packed
    count = packed.count if packed else 0
    error = (packed.error if packed else "") or "stream ended early"
    return f"compressed stream cut off after {count} unpacked bytes ({error})"


READERS: dict[str, Reader] = {
    "html": read_page,
    "text": read_page,
    "empty": read_empty,
    "binary": read_binary,
    "warc": read_warc,
    "jsonl": read_jsonl,
    "gzip": read_compressed,
    "bzip2": read_compressed,
    "xz": read_compressed,
    "zip": read_zip,
    "tar": read_tar,
}
"""Format (from `sniff_format`) -> reader(stream, source, context)."""

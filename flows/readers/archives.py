"""Containers of other inputs: single-stream compressions (gzip, bzip2, xz, zstd), zip
and tar. What a container holds is read by its own format through `ctx.read`, at
`archive.zip!member` (nesting: `a.tar!b.zip!c.html`); compression keeps the URI.

Members are never extracted to disk; `..`/absolute names are `unsafe_path`; sizes and
ratios are checked from headers before reading and from bytes while reading.
"""

from __future__ import annotations

import io
import lzma
import stat
import struct
import tarfile
import zipfile
import zlib
from collections.abc import Generator, Iterator
from pathlib import PurePosixPath
from typing import BinaryIO

from cleaners.decode import Failure
from flows.readers.base import Context, Record, Source, reject, truncation_detail
from flows.readers.limits import CHUNK_BYTES, Refused
from flows.readers.sniff import SNIFF_BYTES, inner_name, sniff_format
from flows.readers.streams import Guarded, Inflater, Plain, Prefixed, is_seekable, spool
from schemas import Reject

__all__ = ["read_compressed", "read_tar", "read_zip"]

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


def read_compressed(stream: BinaryIO, source: Source, ctx: Context) -> Iterator[Record]:
    """Decompress gzip/bzip2/xz/zstd and read the content by its own format, same URI.

    Limits (total bytes, ratio) are enforced while reading. A stream cut short keeps
    the units before the damage and adds one `truncated` reject for the rest. Corrupt
    data the content's reader could not resume after (only WARC's can) is one
    `parse_error`; if it came before any WARC record could be read, reading resumes
    here at the next intact member when that one starts a WARC record.
    """
    fmt = sniff_format(Prefixed.peek(stream, SNIFF_BYTES), source.name)
    packed = Inflater(stream, fmt)
    guarded = Guarded(packed, ctx, packed_bytes=lambda: packed.count)
    inner = Source(source.uri, inner_name(source.name))
    unpacked = io.BufferedReader(guarded, CHUNK_BYTES)
    damaged = yielded = False
    while True:
        try:
            for record in ctx.read(unpacked, inner, ctx.deeper(guarded)):
                damaged |= isinstance(record, Reject) and record.reason in (
                    "truncated",
                    "parse_error",
                )
                yielded = True
                yield record
        except Refused as exc:
            yield reject(_rest_of(source, guarded, yielded), exc.reason, exc.detail, None)
            return
        damage = guarded.damage()
        if not damage or damaged:
            break
        where = _rest_of(source, guarded, yielded)
        resumed = guarded.resume()
        if resumed is None or sniff_format(unpacked.peek(SNIFF_BYTES)) not in ("warc", "wet"):
            yield reject(where, "parse_error", f"{damage}; nothing after it was read", None)
            return
        detail = f"{damage}; resumed at the next intact member (packed byte {resumed})"
        yield reject(where, "parse_error", detail, None)
        damaged = yielded = True
    if guarded.truncated and not damaged:
        detail = truncation_detail(ctx.deeper(guarded))
        yield reject(_rest_of(source, guarded, yielded), "truncated", detail, None)


def _rest_of(source: Source, guarded: Guarded, yielded: bool) -> Source:
    """Where to file damage: the stream itself, or `#offset-N` after units were read."""
    return source.fragment(f"offset-{guarded.count}") if yielded else source



def read_zip(stream: BinaryIO, source: Source, ctx: Context) -> Iterator[Record]:
    """Read each zip member as its own input, at `archive.zip!member`.

    Members are never extracted to disk. `..`/absolute names are `unsafe_path`;
    declared sizes and ratios are checked before reading, actual ones while reading.
    """
    seekable = stream if is_seekable(stream) else spool(stream, ctx.limits.max_bytes)
    if seekable is None:
        yield reject(source, "too_large", f"nested zip over {ctx.limits.max_bytes} bytes", None)
        return
    try:
        archive = zipfile.ZipFile(seekable)
        members = archive.infolist()
    except (*_ZIP_DAMAGE, NotImplementedError) as exc:
        yield reject(source, "parse_error", f"unreadable zip: {exc}", None)
        return
    with archive:
        if len(members) > ctx.limits.max_members:
            detail = f"{len(members)} members > limit {ctx.limits.max_members}"
            yield reject(source, "archive_bomb", detail, None)
            return
        # not `ZipInfo.is_dir()`: it indexes the name, and a damaged entry's name is empty
        files = [info for info in members if not info.filename.endswith("/")]
        links = [info for info in files if stat.S_ISLNK(info.external_attr >> 16)]
        if links:  # a link's "content" is its target path: never followed, not a page
            ctx.tally.skipped["zip:symlink"] += len(links)
            files = [info for info in files if info not in links]
        for index, info in enumerate(files):
            stop = yield from _zip_member(archive, info, source, ctx)
            if stop:  # account for every member we will not read
                detail = f"not read: archive passed its {ctx.budget.limit}-byte unpacked total"
                for rest in files[index + 1 :]:
                    yield reject(source.member(rest.filename), "archive_bomb", detail, None)
                return


def _zip_member(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, source: Source, ctx: Context
) -> Generator[Record, None, bool]:
    """Read one zip member; return True when the whole archive must stop (a bomb)."""
    member = source.member(info.filename)
    refusal = _member_refusal(info.filename) or _zip_refusal(info, ctx)
    if refusal is not None:
        yield reject(member, refusal.reason, refusal.detail, None)
        return refusal.reason == "archive_bomb" and "total" in refusal.detail
    try:
        raw = archive.open(info)
    except (*_DAMAGE, NotImplementedError, RuntimeError, ValueError) as exc:
        yield reject(member, "parse_error", f"cannot open member: {exc}", None)
        return False
    with raw:
        guarded = Guarded(raw, ctx, packed_bytes=lambda: info.compress_size)
        try:
            unpacked = io.BufferedReader(guarded, CHUNK_BYTES)
            yield from ctx.read(unpacked, member, ctx.deeper(guarded))
        except Refused as exc:
            yield reject(member, exc.reason, exc.detail, None)
            return ctx.budget.used > ctx.budget.limit
        except (*_DAMAGE, NotImplementedError, RuntimeError, ValueError) as exc:
            yield reject(member, "parse_error", f"damaged member: {exc}", None)
    return False


def _zip_refusal(info: zipfile.ZipInfo, ctx: Context) -> Failure | None:
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
    """Refuse archive member names that could escape the archive (`..`, absolute), or
    name nothing (a damaged entry)."""
    if not name:
        return Failure("parse_error", "member has no name (damaged archive entry)")
    normalized = name.replace("\\", "/")
    parts = PurePosixPath(normalized).parts
    if normalized.startswith("/") or (len(name) > 1 and name[1] == ":") or ".." in parts:
        return Failure("unsafe_path", f"member name escapes the archive: {name!r}")
    if "\x00" in name:
        return Failure("unsafe_path", f"member name contains NUL: {name!r}")
    return None


def read_tar(stream: BinaryIO, source: Source, ctx: Context) -> Iterator[Record]:
    """Read each regular tar member as its own input, streaming (no seeks, no extraction).

    Links and devices are skipped and counted (`tar:symlink`, ...); unsafe names are
    `unsafe_path`; a tar cut short keeps the members before the damage.
    """
    count = 0
    offset = 0
    try:
        with tarfile.open(fileobj=stream, mode="r|") as archive:
            for info in archive:
                offset = info.offset
                count += 1
                if count > ctx.limits.max_members:
                    detail = f"more than {ctx.limits.max_members} members"
                    yield reject(source.fragment(f"offset-{offset}"), "archive_bomb", detail, None)
                    return
                stop = yield from _tar_member(archive, info, source, ctx)
                if stop:
                    return
    except Refused as exc:
        yield reject(source.fragment(f"offset-{offset}"), exc.reason, exc.detail, None)
    except (*_DAMAGE, ValueError) as exc:
        reason = "truncated" if _is_truncation(exc, ctx) else "parse_error"
        detail = f"tar damaged after offset {offset}: {exc}"
        yield reject(source.fragment(f"offset-{offset}"), reason, detail, None)


def _tar_member(
    archive: tarfile.TarFile, info: tarfile.TarInfo, source: Source, ctx: Context
) -> Generator[Record, None, bool]:
    """One tar member: read regular files, skip and count everything else.

    Returns True when the archive cannot be read further (a damaged stream).
    """
    if info.isdir():
        return False
    member = source.member(info.name)
    refusal = _member_refusal(info.name)
    if refusal is not None:
        yield reject(member, refusal.reason, refusal.detail, None)
        return False
    if not info.isfile():
        kind = "symlink" if info.issym() else "hardlink" if info.islnk() else "special"
        ctx.tally.skipped[f"tar:{kind}"] += 1
        return False
    if info.size > ctx.limits.max_bytes:
        detail = f"{info.size} bytes > limit {ctx.limits.max_bytes}"
        yield reject(member, "too_large", detail, None)
        return False
    handle = archive.extractfile(info)
    if handle is None:  # pragma: no cover - isfile() members always have data
        return False
    unseekable = io.BufferedReader(Plain(handle), CHUNK_BYTES)
    try:
        yield from ctx.read(unseekable, member, ctx.deeper())
    except (*_DAMAGE, ValueError) as exc:
        reason = "truncated" if _is_truncation(exc, ctx) else "parse_error"
        yield reject(member, reason, f"damaged member: {exc}", None)
        return True
    return False


def _is_truncation(exc: BaseException, ctx: Context) -> bool:
    """Whether an archive error means "the data ended early" rather than "garbage"."""
    text = str(exc).lower()
    ended = "unexpected end" in text or "eof" in text
    return ctx.truncated or (ended and not ctx.damaged)

"""One page per stream: an HTML page or a text dump, or the reject for an empty or
binary one."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from typing import BinaryIO

from flows.readers.base import Context, Record, Source, document, reject, truncation_detail
from flows.readers.sniff import binary_kind, sniff_format
from flows.readers.streams import read_up_to
from schemas import Markup

__all__ = ["read_binary", "read_empty", "read_page"]


def read_page(stream: BinaryIO, source: Source, ctx: Context) -> Iterator[Record]:
    """Read one HTML page or text dump (the whole stream is one unit)."""
    data = read_up_to(stream, ctx.limits.max_bytes + 1)
    if ctx.damaged:  # part of a page: the compressed container reports the damage
        return
    if len(data) > ctx.limits.max_bytes:
        yield reject(source, "too_large", f"more than {ctx.limits.max_bytes} bytes", None)
        return
    if ctx.truncated:
        yield reject(source, "truncated", truncation_detail(ctx), data, ctx)
        return
    fmt = sniff_format(data, source.name)
    if fmt not in ("html", "text"):  # the head looked like a page, the whole does not
        yield from ctx.read(io.BytesIO(data), source, ctx)
        return
    markup: Markup = "html" if fmt == "html" else "text"
    yield document(data, source, ctx, container=markup, markup=markup)


def _read_rejected(
    stream: BinaryIO, source: Source, ctx: Context
) -> tuple[bytes, Record | None, bool]:
    """The unit's bytes for a reject, or the reject or silence its stream already earned:
    (data, truncation reject or None, whether the stream was damaged)."""
    data = read_up_to(stream, ctx.limits.max_bytes + 1)
    if ctx.damaged:
        return data, None, True
    if ctx.truncated:
        return data, reject(source, "truncated", truncation_detail(ctx), data, ctx), False
    return data, None, False


def _reject_whole(
    stream: BinaryIO, source: Source, ctx: Context, reason: str, describe: Callable[[bytes], str]
) -> Iterator[Record]:
    """Read the unit, then reject it for `reason` (unless the stream was cut or damaged:
    then that is what is reported)."""
    data, cut, damaged = _read_rejected(stream, source, ctx)
    if cut is not None:
        yield cut
    if damaged or cut is not None:
        return
    yield reject(source, reason, describe(data), data, ctx)


def read_empty(stream: BinaryIO, source: Source, ctx: Context) -> Iterator[Record]:
    """Reject an empty or whitespace-only unit."""
    yield from _reject_whole(stream, source, ctx, "empty",
                             lambda data: f"{len(data)} bytes of whitespace" if data else "0 bytes")


def read_binary(stream: BinaryIO, source: Source, ctx: Context) -> Iterator[Record]:
    """Reject a non-text unit (PDF, PNG, ELF, ...) whatever its name says."""
    yield from _reject_whole(
        stream, source, ctx, "binary",
        lambda data: f"{binary_kind(data) or 'unknown binary'} content in {source.name or 'input'}",
    )

"""Stream adapters: decompression member after member, limits while reading, and
views that let forward-only streams be sniffed and parsed.

`Inflater` unpacks gzip/bzip2/xz/zstd; `Guarded` sits on any unpacked stream and
enforces the size, ratio and total-budget limits; `Prefixed` glues a sniffed head back.
"""

from __future__ import annotations

import bz2
import io
import lzma
import zipfile
import zlib
from collections.abc import Callable
from typing import IO, Any, BinaryIO

import zstandard

from flows.readers.base import Context
from flows.readers.limits import CHUNK_BYTES, Refused
from flows.readers.sniff import COMPRESSION_MAGIC

__all__ = [
    "Forward",
    "Guarded",
    "Inflater",
    "Plain",
    "Prefixed",
    "is_seekable",
    "read_up_to",
    "spool",
]

ZSTD_INPUT_BYTES = 1024
"""Packed bytes fed to zstd per step: its decompressor has no output cap, and one zstd
block expands at most 32768x, so a step never makes more than 32 MiB before the limits
in `Guarded` look at it."""

DAMAGE: tuple[type[BaseException], ...] = (
    zlib.error,
    lzma.LZMAError,
    zstandard.ZstdError,
    OSError,
    EOFError,
    ValueError,
)
"""What the decompressors raise on corrupt data."""
DAMAGED_OR_REFUSED: tuple[type[BaseException], ...] = (*DAMAGE, Refused)


def _zstd() -> Any:
    return zstandard.ZstdDecompressor().decompressobj()


DECOMPRESSORS: dict[str, Callable[[], Any]] = {
    "gzip": lambda: zlib.decompressobj(16 + zlib.MAX_WBITS),
    "bzip2": bz2.BZ2Decompressor,
    "xz": lzma.LZMADecompressor,
    "zstd": _zstd,
}
"""Decompressor factory per compression; the magic bytes are `sniff.COMPRESSION_MAGIC`."""


class Inflater(io.RawIOBase):
    """Decompress gzip/bzip2/xz/zstd incrementally, member after member.

    Unlike `gzip.GzipFile`, which drops the data it already inflated when the input
    ends early, this hands out every byte it can and then sets `truncated`. Corrupt
    data (all-zero padding after the last member is fine, other trailing bytes are not)
    sets `damage` and ends the stream there: a reader that can find its units again
    (WARC's) calls `resume()` to go on at the next member that decompresses; otherwise
    `archives.read_compressed` reports the damage as one `parse_error`.
    """

    def __init__(self, inner: IO[bytes], fmt: str) -> None:
        self.inner = inner
        self.fmt = fmt
        self.magic = COMPRESSION_MAGIC[fmt]
        self.factory = DECOMPRESSORS[fmt]
        self.decompressor = self.factory()
        self.pending = b""
        self.ready = b""
        self.count = 0
        self.truncated = False
        self.damage: str | None = None
        self.member_start = 0
        self.fed = (0, b"")
        """The packed offset and bytes of the last input handed to the decompressor."""
        self.rewind: tuple[int, bytes] | None = None
        """At damage: a packed offset and the unread bytes from there, to search again."""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if self.damage:
            return 0
        try:
            while not self.ready:
                if self.decompressor.eof and not self._next_member():
                    return 0
                out = self._step(len(buffer))
                if out is None:
                    self.truncated = True
                    return 0
                self.ready = out
        except DAMAGED_OR_REFUSED as exc:
            self.rewind = self.rewind or (self.fed[0], self.fed[1] + self.pending)
            self.damage = f"{self.fmt} member at packed byte {self.member_start} is corrupt ({exc})"
            return 0
        size = min(len(buffer), len(self.ready))
        buffer[:size] = self.ready[:size]
        self.ready = self.ready[size:]
        return size

    def _input(self, size: int = CHUNK_BYTES) -> bytes:
        """Carried-over bytes first, then the next packed chunk."""
        if self.pending:
            offset = self.count - len(self.pending)
            data, self.pending = self.pending[:size], self.pending[size:]
        else:
            offset = self.count
            data = self.inner.read(size)
            self.count += len(data)
        self.fed = (offset, data)
        return data

    def _step(self, size: int) -> bytes | None:
        """Inflate up to about `size` bytes; None when the input ends mid-member."""
        if self.fmt == "gzip":
            data = self._input()
            if not data:
                return None
            out: bytes = self.decompressor.decompress(data, size)
            # at a member's end the rest is in `unused_data`; `unconsumed_tail` can be stale
            tail = b"" if self.decompressor.eof else self.decompressor.unconsumed_tail
            self.pending = tail + self.pending
            return out
        if self.fmt == "zstd":
            data = self._input(ZSTD_INPUT_BYTES)
            if not data:
                return None
            return bytes(self.decompressor.decompress(data))
        data = self._input() if self.decompressor.needs_input else b""
        if not data and self.decompressor.needs_input:
            return None
        return bytes(self.decompressor.decompress(data, max_length=size))

    def _next_member(self) -> bool:
        """After a member ends: start the next one, or say the stream is done."""
        self.pending = self.decompressor.unused_data + self.pending
        while not self.pending.strip(b"\0"):  # nothing yet, or zero padding: read on
            self.pending = self.inner.read(CHUNK_BYTES)
            self.count += len(self.pending)
            if not self.pending:
                return False
        self.member_start = self.count - len(self.pending)
        if not self.pending.startswith(self.magic[: len(self.pending)]):
            self.rewind = (self.member_start, self.pending)
            raise Refused("parse_error", f"garbage after {self.fmt} data at {self.count}")
        self.decompressor = self.factory()
        return True

    def resume(self) -> int | None:
        """After `damage`: restart at the next member that decompresses.

        Returns its packed offset, or None when no member follows (the stream ends).
        """
        offset, data = self.rewind or (self.count - len(self.pending), self.pending)
        skip = max(self.member_start + 1 - offset, 0)
        base, window = offset + skip, data[skip:]
        self.damage, self.ready, self.rewind = None, b"", None
        while True:
            found = window.find(self.magic)
            if found >= 0 and self._decompresses(window[found:]):
                self.pending = window[found:]
                self.member_start = base + found
                self.decompressor = self.factory()
                return self.member_start
            keep = found + 1 if found >= 0 else max(len(window) - len(self.magic) + 1, 0)
            more = self.inner.read(CHUNK_BYTES)
            self.count += len(more)
            if not more and found < 0:
                self.pending = b""
                self.decompressor = _Ended()
                return None
            base, window = base + keep, window[keep:] + more

    def _decompresses(self, data: bytes) -> bool:
        """Whether a member starting here looks intact (its first bytes inflate)."""
        probe = self.factory()
        try:
            if self.fmt in ("gzip",):
                probe.decompress(data[:CHUNK_BYTES], 64)
            elif self.fmt == "zstd":
                probe.decompress(data[:ZSTD_INPUT_BYTES])
            else:
                probe.decompress(data[:CHUNK_BYTES], max_length=64)
        except DAMAGE:
            return False
        return True


class _Ended:
    """A decompressor that has ended: what `Inflater` holds after the last member."""

    eof = True
    unused_data = b""


class Guarded(io.RawIOBase):
    """An unpacked stream that enforces size/ratio limits and notes truncation.

    A decompressor's "ended early" error becomes `truncated = True` and a clean EOF, so
    the readers above keep every unit before the damage; limit breaches raise
    `Refused` up to the container that owns the stream.
    """

    def __init__(
        self,
        inner: IO[bytes] | io.RawIOBase,
        ctx: Context,
        *,
        packed_bytes: Callable[[], int] | None,
    ) -> None:
        self.inner = inner
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
            raise Refused("parse_error", f"corrupt stream after {self.count} bytes: {exc}") from exc
        if not data and getattr(self.inner, "truncated", False):
            self.truncated, self.error = True, "input ended inside a compressed member"
            return 0
        size = len(data or b"")
        buffer[:size] = data or b""
        self.count += size
        self._charge(size)
        return size

    def damage(self) -> str | None:
        """Why the unpacker stopped early at a damaged member, if it did."""
        return self.inner.damage if isinstance(self.inner, Inflater) else None

    def resume(self) -> int | None:
        """Go on at the next intact member: its packed offset, or None at the end."""
        return self.inner.resume() if isinstance(self.inner, Inflater) else None

    def _charge(self, size: int) -> None:
        """Count unpacked bytes against the budget and the ratio limit."""
        limits, budget = self.ctx.limits, self.ctx.budget
        budget.used += size
        if budget.used > budget.limit:
            raise Refused("archive_bomb", f"unpacked more than {budget.limit} bytes in total")
        if self.packed_bytes is None or self.count <= limits.ratio_grace_bytes:
            return
        ratio = self.count / max(self.packed_bytes(), 1)
        if ratio > limits.max_ratio:
            raise Refused("archive_bomb", f"compression ratio {ratio:.1f} > {limits.max_ratio:g}")


class Forward(io.RawIOBase):
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


class Plain(io.RawIOBase):
    """A forward-only view of a stream (tar members claim to seek but cannot, in a pipe)."""

    def __init__(self, inner: IO[bytes]) -> None:
        self.inner = inner

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        data = self.inner.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


class Prefixed(io.RawIOBase):
    """A stream whose first bytes were already read (to sniff), glued back in front."""

    def __init__(self, head: bytes, inner: IO[bytes]) -> None:
        self.head = head
        self.inner = inner

    @classmethod
    def wrap(cls, head: bytes, inner: BinaryIO) -> BinaryIO:
        """A buffered stream that replays `head` then continues with `inner`."""
        if is_seekable(inner):
            inner.seek(-len(head), io.SEEK_CUR)
            return inner
        return io.BufferedReader(cls(head, inner), CHUNK_BYTES)

    @staticmethod
    def peek(stream: BinaryIO, size: int) -> bytes:
        """Read the head of `stream` and put it back (seek, or a buffered peek)."""
        if is_seekable(stream):
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


def is_seekable(stream: object) -> bool:
    """Whether a stream can seek (files on disk, BytesIO), without raising."""
    try:
        return bool(stream.seekable())  # type: ignore[attr-defined]
    except (AttributeError, OSError, ValueError):
        return False


def spool(stream: BinaryIO, limit: int) -> BinaryIO | None:
    """Copy a non-seekable stream into memory, or None if it is over `limit`."""
    data = read_up_to(stream, limit + 1)
    return None if len(data) > limit else io.BytesIO(data)


def read_up_to(stream: BinaryIO, size: int) -> bytes:
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

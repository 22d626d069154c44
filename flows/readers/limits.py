"""The safety limits, in one place: the per-unit size limit and the bomb limits.

Every reader and `flows.pipeline` take their defaults from here. Limits are enforced
while reading, so a bomb or a huge member is refused before it fills memory.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "CHUNK_BYTES",
    "MAX_BYTES",
    "MAX_DETAIL_CHARS",
    "MAX_HASH_BYTES",
    "MAX_MEMBERS",
    "MAX_NESTING",
    "MAX_RATIO",
    "MAX_UNPACKED_BYTES",
    "RATIO_GRACE_BYTES",
    "Budget",
    "Limits",
    "Refused",
    "nesting_refusal",
]

MAX_BYTES = 20 * 2**20
"""Largest single unit (page, WARC payload, JSONL line, Parquet cell, member): no article
is 20 MB. `presswash run --max-mb` overrides it."""

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


@dataclass(slots=True, frozen=True)
class Limits:
    """The safety limits for one run; the defaults are the named constants above."""

    max_bytes: int = MAX_BYTES
    max_unpacked_bytes: int = MAX_UNPACKED_BYTES
    max_ratio: float = MAX_RATIO
    ratio_grace_bytes: int = RATIO_GRACE_BYTES
    max_members: int = MAX_MEMBERS
    max_nesting: int = MAX_NESTING


@dataclass(slots=True)
class Budget:
    """Bytes unpacked so far from one input file, across every nesting level."""

    limit: int
    used: int = 0


class Refused(Exception):
    """Raised inside a guarded stream (a limit, corrupt data); caught at the container
    boundary and turned into a Reject there."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


def nesting_refusal(depth: int, limits: Limits) -> str | None:
    """The one nesting guard for containers: a detail when `depth` is too deep, else None."""
    if depth >= limits.max_nesting:
        return f"nested deeper than {limits.max_nesting}"
    return None

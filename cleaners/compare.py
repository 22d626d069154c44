"""What a syndicated copy added to, or dropped from, its canonical version.

Compared sentence by sentence, because outlets edit wire copy a sentence at a time:
a retitle, a dropped paragraph, an added line of background.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cleaners.dedup import normalize

_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'”’)]*\s+|\n+")


@dataclass(slots=True, frozen=True)
class Changes:
    """Sentences only the copy has (`added`) and only the canonical has (`dropped`)."""

    added: tuple[str, ...]
    dropped: tuple[str, ...]
    shared: int


def split_sentences(text: str) -> list[str]:
    """Sentences and line-separated fragments, trimmed, empty ones dropped."""
    return [s.strip() for s in _SENTENCE_END.split(text) if s and s.strip()]


def compare_texts(canonical: str, copy: str) -> Changes:
    """Sentences added and dropped by `copy`, matched after normalisation (case, quotes,
    dashes, whitespace), so typographic edits do not count as changes."""
    ours = split_sentences(canonical)
    theirs = split_sentences(copy)
    ours_keys = {normalize(s) for s in ours}
    theirs_keys = {normalize(s) for s in theirs}
    added = tuple(s for s in theirs if normalize(s) not in ours_keys)
    dropped = tuple(s for s in ours if normalize(s) not in theirs_keys)
    return Changes(added=added, dropped=dropped, shared=len(ours_keys & theirs_keys))

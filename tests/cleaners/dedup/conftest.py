"""Fixtures for the deduplicator tests: a small syndication set built from the seeds."""

from __future__ import annotations

import random

import pytest
from dedup_helpers import edited, seed_texts, trimmed, wrapped

from cleaners.dedup import DedupDoc


@pytest.fixture(scope="session")
def syndication_docs() -> tuple[list[DedupDoc], dict[str, str]]:
    """Each seed plus a wrapped, a trimmed (70%) and an edited copy; truth = seed's id.

    The seeds are five rewrites of one story, so they must NOT be near-duplicates of
    each other: the truth has one near cluster per seed.
    """
    rng = random.Random(7)
    docs: list[DedupDoc] = []
    truth: dict[str, str] = {}
    for s, text in enumerate(seed_texts()):
        variants = {
            f"s{s}": text,
            f"s{s}-wrapped": wrapped(text),
            f"s{s}-trimmed": trimmed(text, 0.7),
            f"s{s}-edited": edited(text, rng),
            f"s{s}-dup": text.replace("\n", "\n\n"),
        }
        for doc_id, body in variants.items():
            docs.append(DedupDoc(doc_id, body, None, "2023-06-08", f"2024-01-0{s + 1}T00:00:00"))
            truth[doc_id] = f"s{s}"
    return docs, truth

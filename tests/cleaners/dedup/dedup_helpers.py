"""Helpers for the deduplicator tests: the seeds and how syndicated copies are made."""

from __future__ import annotations

import random
import re
from pathlib import Path

SEEDS_DIR = Path(__file__).resolve().parents[3] / "seeds"

CHROME_HEAD = (
    "Home | World | Politics | Business | Tech | Sport | Opinion\n"
    "Subscribe to our newsletter for the day's top stories\n"
    "Trending: Markets rally as inflation cools; Storm warning for the coast\n"
)
CHROME_FOOT = (
    "Share this article on Facebook Twitter WhatsApp Email\n"
    "Related stories: City council approves new budget; Local team wins derby\n"
    "Copyright 2023 The Daily Courier. All rights reserved. Terms | Privacy | Contact us\n"
)


def seed_texts() -> list[str]:
    """The five seed dumps, in file-name order."""
    return [p.read_text(encoding="utf-8") for p in sorted(SEEDS_DIR.glob("*.txt"))]


def paragraphs(text: str) -> list[str]:
    return [p for p in re.split(r"\n\s*\n", text) if p.strip()]


def trimmed(text: str, keep: float) -> str:
    """The first `keep` share of paragraphs (a trimmed syndicated copy)."""
    paras = paragraphs(text)
    return "\n\n".join(paras[: max(1, round(len(paras) * keep))])


def edited(text: str, rng: random.Random) -> str:
    """New headline, two sentences dropped, one reworded, typographic quotes."""
    sents = re.split(r"(?<=[.!?])\s+", text)
    for _ in range(2):
        if len(sents) > 6:
            sents.pop(rng.randrange(1, len(sents)))
    i = rng.randrange(len(sents))
    sents[i] = "Officials, speaking on condition of anonymity, added that " + sents[i].lower()
    body = " ".join(sents)
    body = re.sub(r'"([^"]*)"', "\u201c\\1\u201d", body)
    return "BREAKING: A rewritten headline for this story\n\n" + body


def wrapped(text: str) -> str:
    return CHROME_HEAD + "\n" + text + "\n\n" + CHROME_FOOT

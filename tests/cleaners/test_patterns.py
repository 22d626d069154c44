"""Patterns are data keyed by the removal vocabulary, and each match keeps its reason."""

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaners.patterns import (
    _ANCHORED,
    PATTERNS,
    _anchored,
    _group,
    _impossible,
    match_lowered,
    match_reason,
)
from schemas import REMOVAL_REASONS


def test_pattern_groups_use_the_removal_vocabulary() -> None:
    assert set(PATTERNS) <= set(REMOVAL_REASONS)
    assert all(PATTERNS[reason] for reason in PATTERNS)


def test_empty_group_is_refused() -> None:
    with pytest.raises(ValueError):
        _group()


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("Recent Stories", "recent_stories"),
        ("9 hours ago", "recent_stories"),
        ("Related Topics", "related"),
        ("© 1997-2023, UrduPoint Network", "footer"),
        ("About Us", "footer"),
        ("Share on Facebook", "share"),
        ("Subscribe to Pravda.Ru Telegram channel, Facebook, Twitter, YouTube, RSS!", "subscribe"),
        ("Leave a comment", "comments"),
        ("Advertisement", "advertising"),
        ("Home > World > Europe", "navigation"),
        ("Enable Read mode", "boilerplate"),
        ("Thanks for signing up!", "subscribe"),
        ("- Order Reprints", "share"),
        ("Reprints & Permissions", "share"),
        ("Print Article", "share"),
        ("Like this story? Share it with a friend!", "share"),
        ("An error has occurred, please try again later.", "boilerplate"),
        ("Popular on IndieWire", "recent_stories"),
        ("Most read in Science", "recent_stories"),
        ("Next Up In Science & Health", "recent_stories"),
        ("Trending in Entertainment", "recent_stories"),
        ("Share this on WhatsApp", "share"),
        ("Comment on this Story", "comments"),
        ("34 responses to “Anthony Lynn: “We needed to win this game””", "comments"),
        ("Теги", "related"),
        ("Schlagwörter:", "related"),
        ("Navigation menu", "navigation"),
        ("Wikipedia articles with GND identifiers", "boilerplate"),
        ("Articles containing potentially dated statements from 2015", "boilerplate"),
        # other languages, and markup a dump kept as text
        ("Related coverage from How to Do Everything: Money:", "related"),
        ('<img src="//b.scorecardresearch.com/p?c1=2&c2=6770184&cv=2.0&cj=1" />', "boilerplate"),
        ('<div><iframe src="//www.googletagmanager.com/ns.html?id=GTM-K">', "boilerplate"),
        ("Mehr anzeigen", "navigation"),
        ("Seite 1 von 3", "navigation"),
        ("Mehr aus dem Ressort", "recent_stories"),
        ("Weitere Nachrichten", "recent_stories"),
        ("Más noticias", "recent_stories"),
        ("Ähnliche Artikel", "related"),
        ("Související", "related"),
        ("Unsere Empfehlungen", "related"),
        ("Ti potrebbe interessare", "related"),
        ("Mehr: How to retire early Early retirement Retiring early", "related"),
        ("Themen: Politik, Wirtschaft", "related"),
        ("Zum Artikel", "related"),
        ("Artikel versenden", "share"),
        ("Folgen Sie uns auf Facebook", "subscribe"),
        ("Suivez-nous sur Twitter", "subscribe"),
        ("Cookie-Einstellungen", "footer"),
        ("Новости партнеров", "advertising"),
        ("Zur Bildergalerie", "boilerplate"),
        ("Artikel vorlesen lassen", "boilerplate"),
        ("Fehler melden", "boilerplate"),
    ],
)
def test_match_reason(line: str, reason: str) -> None:
    assert match_reason(line) == reason


def test_a_localised_related_heading_opens_a_block() -> None:
    assert match_lowered("ähnliche artikel") == ("related", True)
    assert match_lowered("mehr aus politik") == ("recent_stories", True)


def test_prose_matches_nothing() -> None:
    assert (
        match_reason("The minister said on Tuesday that the talks would resume next week.") is None
    )


@pytest.mark.parametrize(
    "line",
    [
        "Popular in the 1980s, the style returned.",
        "Trending in the US is a new show about viral videos.",
        "12 comments on the bill were filed in March and most of them were rejected.",
        "Articles with errors will be corrected.",
        "Mehr als 100 Menschen wurden am Montag verletzt.",
        "Mehr aus Angst blieb er zu Hause.",
        "Themen der Woche waren Politik und Sport.",
        "Weitere Nachrichten folgen am Abend.",
        "Empfehlungen der Kommission wurden umgesetzt.",
        "Relacionados con el caso, dos detenidos.",
        "Related to this, the mayor said the bridge would reopen.",
        "Главное — не паниковать.",
        "<ul> List of <img>",
    ],
)
def test_headings_named_in_prose_are_not_chrome(line: str) -> None:
    assert match_reason(line) is None


def test_a_site_river_heading_opens_a_block() -> None:
    assert match_lowered("popular on indiewire") == ("recent_stories", True)
    assert match_lowered("теги") == ("related", True)


def test_patterns_are_compiled_case_insensitive() -> None:
    for group in PATTERNS.values():
        assert all(p.flags & re.IGNORECASE for p in group)


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("Copyright 2019 Hawaii News Now.", "footer"),
        ("This site uses cookies to improve your experience.", "footer"),
        ("Please read our comment policy before posting", "comments"),
        ("Support independent journalism today", "subscribe"),
        ("Your browser does not support the video tag.", "boilerplate"),
    ],
)
def test_floating_patterns_pass_the_trigger_gate(line: str, reason: str) -> None:
    assert match_reason(line) == reason


@pytest.mark.parametrize(
    "line",
    [
        "POST /oauth HTTP/1.1",
        "GET /storage/me/drinks/test HTTP/1.1",
        "12/05/2024",
        "news/world/europe",
    ],
)
def test_unspaced_slashes_are_not_a_breadcrumb(line: str) -> None:
    # An HTTP request line in a spec, a date or a path: "/" without spaces is not a separator.
    assert match_reason(line) != "navigation"
    assert match_reason("Home / News / World") == "navigation"


def test_metadata_patterns_need_a_lead_word() -> None:
    assert match_reason("Authorities say the cases are unrelated.") is None
    assert match_reason("By Jane Doe") == "metadata"


@pytest.mark.parametrize(
    "line",
    [
        "Home > World > Europe",
        "Home › News › Politics",
        "News | Sport | Weather",
        "a | | b",
        "Sport • Football · Live",
        "About Us | Contact Us | Financial Terms (Glossary) | FAQs | Sitemap",
        "World / Europe",
        "The minister said on Tuesday that the talks would resume next week.",
        "Copyright 2019 Hawaii News Now.",
    ],
)
def test_prefilters_change_no_verdict(line: str) -> None:
    text = " ".join(line.split()).lower()
    full = _ANCHORED.match(text)
    fast = _anchored(_impossible(text)).match(text)
    assert (full.lastgroup if full else None) == (fast.lastgroup if fast else None)


@pytest.mark.parametrize(
    "line",
    ["home > world > europe", "news | sport | weather", "a / b / c", "x • y · z", "a » b › c"],
)
def test_prefilters_need_a_separator_char(line: str) -> None:
    from cleaners.patterns import PREFILTER_CHARS, PREFILTERS

    bare = "".join(c if c not in PREFILTER_CHARS else " " for c in line)
    assert not any(p.search(bare) for p in PREFILTERS.values())
    assert any(p.search(line) for p in PREFILTERS.values())


_VOCAB = [
    "home", "share", "related", "read", "more", "by", "published", "2023", "5", "min", "ago",
    "news", "|", ">", "/", "•", "©", "comments", "(3)", ":", "the", "story", "x", "…", "é", "-",
    "privacy", "policy", "subscribe", "photo", "12:30", "#", "!", "_", "advertisement", "top",
    "tweet", "skip", "to", "main", "content", "page", "1", "of", "most", "see", "also", "follow",
    "us", "sign", "up", "leave", "a", "comment", "on", "listen", "save", "email", "print",
    "sponsored", "updated", "reading", "time", "stories", "latest", "you", "may", "like",
]  # fmt: skip


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(_VOCAB), min_size=1, max_size=6))
def test_first_character_dispatch_changes_no_verdict(words: list[str]) -> None:
    """Leaving out the patterns (and leading alternatives) a line's first character rules out
    keeps the verdict."""
    from cleaners.patterns import _anchored_for

    text = " ".join(words)
    full = _ANCHORED.match(text)
    fast = _anchored_for(text[:1], _impossible(text)).match(text)
    assert (full.lastgroup if full else None) == (fast.lastgroup if fast else None)


def test_narrowing_keeps_repeated_and_optional_groups_whole() -> None:
    from cleaners.patterns import _narrowed

    assert _narrowed(r"^(?:ab|cd)x$", "c") == r"^(?:cd)x$"
    assert _narrowed(r"^(?:ab|cd)x$", "z") is None  # nothing can start with z
    assert _narrowed(r"^(?:a|b){2,}$", "a") == r"^(?:a|b){2,}$"  # later rounds may be b
    assert _narrowed(r"^(?:a|b)?c$", "c") == r"^(?:a|b)?c$"  # the group may match nothing
    assert _narrowed(r"^(?:a(?:x|y)|b)$", "a") == r"^(?:a(?:x|y))$"


@settings(max_examples=500, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(
            [
                "a",
                "B",
                " ",
                "\t",
                "\xa0",
                "\u2003",
                "\x85",
                "\u2028",
                "é",
                "\x1c",
                "\u200b",
                "!",
            ]
        ),
        max_size=20,
    )
)
def test_normalise_line_is_split_and_join(line: str) -> None:
    """The already-normal fast path gives what collapsing and stripping whitespace gives."""
    from cleaners.patterns import normalise_line

    assert normalise_line(line) == " ".join(line.split())

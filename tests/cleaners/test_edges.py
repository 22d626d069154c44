"""Golden tests for the body's edges: leads, closings, short bodies, on small made-up pages.

Each page is written here so what it must keep is visible: the lead paragraph between the
headline and the body, a subheading and list items inside, the closing line and sign-off
after the last paragraph, and a brief of two sentences that must never come out empty.
"""

from __future__ import annotations

import dataclasses
import unicodedata

import numpy as np
import pytest

from cleaners import clean_html, clean_text
from cleaners.lines import Labels, keep_lead_after_headline, sentence_lines, tabulate
from cleaners.options import DEFAULT_OPTIONS, MAX_LINE_CHARS

LEAD = (
    "The regional water authority will raise prices by eight percent next year, its board "
    "decided on Thursday after a long and heated meeting."
)
BODY = [
    "The increase is the first in six years, and the authority said it needed the money to "
    "replace pipes that were laid more than a century ago in the old town.",
    "Several council members had asked for a smaller rise spread over three years, but the "
    "board rejected the proposal by seven votes to four after two hours of debate.",
    "Households will pay on average about forty euros more a year, according to figures the "
    "authority published on its website ahead of the meeting.",
    "Consumer groups criticised the decision and said they would ask the state regulator to "
    "review whether the authority had explained its costs in enough detail.",
]
CLOSING = "Additional reporting by Maria Keller in Hamburg."


def _article_html(lang: str = "en") -> str:
    return f"""<!doctype html><html lang="{lang}"><head><title>Water prices to rise - Daily</title>
<link rel="canonical" href="https://www.daily.example/2024/water-prices">
<meta property="og:site_name" content="The Daily"></head><body>
<nav><a href="/">Home</a> <a href="/news">News</a> <a href="/sport">Sport</a></nav>
<article><p class="kicker">Utilities</p><h1>Water prices to rise by eight percent</h1>
<p>{LEAD}</p>
<p>{BODY[0]}</p><p>{BODY[1]}</p>
<h2>What changes for households</h2>
<ul><li>Higher monthly bills from January</li><li>A new discount for pensioners</li></ul>
<p>{BODY[2]}</p><p>{BODY[3]}</p>
<p>{CLOSING}</p></article>
<footer>© 2024 The Daily. All rights reserved. <a href="/privacy">Privacy policy</a></footer>
</body></html>"""


def test_html_keeps_lead_inner_headings_and_closing() -> None:
    cleaned = clean_html(_article_html())
    for kept in (LEAD, *BODY, "What changes for households", "A new discount for pensioners"):
        assert kept in cleaned.text
    assert CLOSING in cleaned.text
    assert "All rights reserved" not in cleaned.text


def test_a_removed_html_headline_is_a_duplicate_title_not_navigation() -> None:
    # The <title> is cut short ("Water prices to rise - Daily"); the headline holds it.
    reasons = [r.reason for r in clean_html(_article_html()).removed if "Water prices" in r.text]
    assert reasons == ["duplicate_title"]


def test_html_url_comes_from_the_canonical_link() -> None:
    cleaned = clean_html(_article_html())
    assert cleaned.url == "https://www.daily.example/2024/water-prices"
    assert cleaned.site == "daily.example"
    given = clean_html(_article_html(), url="https://daily.example/amp/water")
    assert given.url == "https://daily.example/amp/water"


GERMAN = [
    "Die Stadtwerke erhöhen im kommenden Jahr die Preise für Wasser um acht Prozent, wie der "
    "Aufsichtsrat am Donnerstag nach einer langen Sitzung beschlossen hat.",
    "Es ist die erste Erhöhung seit sechs Jahren, und das Unternehmen sagt, dass es das Geld "
    "für neue Leitungen in der Altstadt braucht, die mehr als hundert Jahre alt sind.",
    "Mehrere Mitglieder des Rates hatten eine kleinere Erhöhung über drei Jahre verlangt, "
    "aber der Vorschlag wurde mit sieben zu vier Stimmen abgelehnt.",
]


def test_language_comes_from_the_text_not_the_template() -> None:
    paragraphs = "".join(f"<p>{p}</p>" for p in GERMAN)
    page = (
        '<!doctype html><html lang="en"><head><title>Wasser wird teurer</title></head>'
        f"<body><article><h1>Wasser wird teurer</h1>{paragraphs}</article></body></html>"
    )
    assert clean_html(page).language == "de"
    assert clean_text("\n\n".join(GERMAN)).language == "de"


def test_output_is_nfc() -> None:
    decomposed = unicodedata.normalize("NFD", "\n\n".join(GERMAN))
    assert decomposed != unicodedata.normalize("NFC", decomposed)
    text = clean_text(decomposed).text
    assert text and unicodedata.is_normalized("NFC", text)
    paragraphs = "".join(f"<p>{p}</p>" for p in decomposed.split("\n\n"))
    page = f"<html><head><title>x</title></head><body><article>{paragraphs}</article></body></html>"
    html_text = clean_html(page).text
    assert html_text and unicodedata.is_normalized("NFC", html_text)


BRIEF = (
    "Police closed the bridge on Main Street on Tuesday morning after a truck lost part of its "
    "load. The road reopened at noon, and nobody was hurt, a spokesman said. Traffic was "
    "diverted through the old town."
)


@pytest.mark.parametrize("chrome", [0, 1])
def test_a_short_article_never_comes_out_empty(chrome: int) -> None:
    assert 170 <= len(BRIEF) <= 370
    menu = ["Home", "News", "Sport", "Weather", "Sign in"] * chrome
    footer = ["About us", "Contact", "Privacy policy", "© 2024 The Daily"] * chrome
    dump = "\n\n".join([*menu, "Bridge closed after truck loses load", BRIEF, *footer])
    assert "Police closed the bridge" in clean_text(dump).text
    page = (
        "<html><head><title>Bridge closed</title></head><body>"
        + "".join(f"<p><a href='/{m}'>{m}</a></p>" for m in menu)
        + f"<article><h1>Bridge closed after truck loses load</h1><p>{BRIEF}</p></article>"
        + "".join(f"<p>{f}</p>" for f in footer)
        + "</body></html>"
    )
    assert "Police closed the bridge" in clean_html(page).text



def test_a_short_article_the_guard_restores_keeps_its_headline_as_title() -> None:
    """When the model keeps no line and the guard restores the prose, the head ends where
    that prose starts: no body paragraph is taken for the headline (`duplicate_title`)."""
    paragraphs = [
        "The town council voted on Tuesday evening to approve a new footbridge across the "
        "river, ending a dispute that had lasted for nearly three years among residents.",
        "Construction is expected to begin next spring and will cost about four million "
        "euros, according to the mayor.",
    ]
    headline = "Council approves new bridge over the river after a long debate"
    dump = "\n".join([
        "Home | News | Sport | Weather", "Sign in", headline, *paragraphs,
        "Share on Facebook", "Share on Twitter", "Copyright 2024 Example Media",
    ])
    cleaned = clean_text(dump)
    assert any(note.startswith("guard:") for note in cleaned.notes)  # the case under test
    assert cleaned.text == "\n\n".join(paragraphs)
    assert cleaned.title == headline
    reasons = {r.text: r.reason for r in cleaned.removed}
    assert reasons[headline] == "duplicate_title"

def _dump() -> str:
    return "\n\n".join(
        [
            "Home",
            "News",
            "Politics",
            "Business",
            "Water prices to rise by eight percent",
            "By Jan Novak",
            "Published 12 March 2024",
            LEAD,
            "Photo: Daily archive",
            *BODY,
            CLOSING,
            "Share on Facebook",
            "Most read",
            "Mayor opens new library in the harbour district",
            "About us",
            "© 2024 The Daily. All rights reserved.",
        ]
    )


def test_dump_keeps_its_lead_and_loses_its_chrome() -> None:
    cleaned = clean_text(_dump())
    assert LEAD in cleaned.text
    assert all(p in cleaned.text for p in BODY)
    for chrome in ("Share on Facebook", "All rights reserved", "About us"):
        assert chrome not in cleaned.text


def test_a_removed_sentence_never_carries_a_navigation_reason() -> None:
    """Whatever the model decides about a line, a full sentence of prose is not a menu."""
    dump = _dump()
    cleaned = clean_text(dump)
    table = tabulate(dump.split("\n"))
    sentence = dict(
        zip(table.index.tolist(), sentence_lines(table.page, DEFAULT_OPTIONS), strict=True)
    )
    for removed in cleaned.removed:
        if removed.reason == "navigation":
            assert not sentence[removed.line_no - 1], removed


def test_a_table_layout_article_in_one_long_cell_is_kept_whole() -> None:
    # Old table-layout pages (LWN's weekly edition) put the whole article in one cell, which
    # the extractor outputs as one line far beyond the dump line cap; none of it is lost.
    paragraphs = [f"Part {i}: {BODY[i % len(BODY)]}" for i in range(300)]
    cell = " ".join(paragraphs)
    assert len(cell) > 2 * MAX_LINE_CHARS
    page = (
        "<html><head><title>Weekly edition</title></head><body><table><tr>"
        f"<td>{cell}</td></tr></table></body></html>"
    )
    text = clean_html(page).text
    assert "Part 0: " in text and "Part 299: " in text
    assert " ".join(text.split()).strip("| ") == cell  # the table cell's pipes aside


def test_wrap_long_lines_cuts_at_spaces_and_loses_nothing() -> None:
    from cleaners.html import wrap_long_lines

    assert wrap_long_lines(["short", "aaa bbb ccc dd"], limit=8) == ["short", "aaa bbb", "ccc dd"]
    assert wrap_long_lines(["x" * 20], limit=8) == ["x" * 8, "x" * 8, "x" * 4]


def _all_kept(lines: list[str]):  # type: ignore[no-untyped-def]
    from cleaners.lines import classify_lines

    labels = classify_lines(lines, dataclasses.replace(DEFAULT_OPTIONS, use_model=False))
    labels.keep[:] = True
    labels.reason[:] = [None] * len(lines)
    return labels


def test_a_kept_html_headline_that_repeats_the_title_is_a_duplicate_title() -> None:
    from cleaners.html import drop_kept_headline

    headline = "Water prices to rise by eight percent"
    labels = _all_kept(["Utilities", headline, LEAD, *BODY])
    drop_kept_headline(labels, f"{headline} - The Daily")
    assert labels.keep.tolist() == [True, False, *[True] * (1 + len(BODY))]
    assert labels.reason[1] == "duplicate_title"


def test_a_lead_that_quotes_a_short_title_or_a_lone_headline_stays() -> None:
    from cleaners.html import drop_kept_headline

    quoting = f"Water prices to rise, the board said: {LEAD}"
    labels = _all_kept([quoting, *BODY])
    drop_kept_headline(labels, "Water prices to rise")
    assert labels.keep.all()  # the lead holds the title but is far longer
    alone = _all_kept(["Water prices to rise by eight percent"])
    drop_kept_headline(alone, "Water prices to rise by eight percent")
    assert alone.keep.all()  # the only kept line is never removed


def test_lines_inside_a_body_the_guard_restored_are_not_named_navigation() -> None:
    """When the model keeps nothing and the guard restores the prose, the short lines between
    the restored paragraphs (a list, "Step 1") sit inside the body, not before it: they are
    not a menu. Only the lines above the first restored paragraph may be."""
    lines = ["Home", "Crafts", "How to build a terrarium", LEAD, "What you need:", "Glass cloche"]
    lines += ["Moss", BODY[0], "Step 1", BODY[1], "Step 2", BODY[2], "Share on Facebook"]
    keeps_nothing = dataclasses.replace(DEFAULT_OPTIONS, model_threshold=1.1)
    cleaned = clean_text("\n\n".join(lines), options=keeps_nothing)
    assert cleaned.notes and cleaned.notes[0].startswith("guard:")
    assert LEAD in cleaned.text and BODY[0] in cleaned.text
    reasons = {r.text: r.reason for r in cleaned.removed}
    for inside in ("What you need:", "Glass cloche", "Moss", "Step 1", "Step 2"):
        assert reasons[inside] == "boilerplate", inside
    assert reasons["Home"] == "navigation"
    assert reasons["Share on Facebook"] == "share"


def test_a_slideshow_kept_after_the_article_is_boilerplate() -> None:
    from cleaners.html import drop_gallery_captions

    slides = [f"- {k}/12 Slide {k} shows the old pipes under the market square" for k in (1, 2, 3)]
    labels = _all_kept([LEAD, *BODY, "Business news in pictures", *slides])
    drop_gallery_captions(labels)
    assert labels.keep.tolist() == [True] * (2 + len(BODY)) + [False] * 3
    assert labels.reason[-3:] == ["boilerplate"] * 3
    german = _all_kept([LEAD, *BODY, *(f"Bild {k} von 12: Das alte Rohr" for k in (4, 5, 6))])
    drop_gallery_captions(german)
    assert german.keep.sum() == 1 + len(BODY)


def test_counters_that_do_not_run_up_or_a_page_that_is_the_slideshow_stay() -> None:
    from cleaners.html import drop_gallery_captions

    dates = ["2/26/2015 7:11 AM PST", "3/26/2015 8:00 AM PST", "4/26/2015 9:00 AM PST"]
    pagers = ["1 / 5", "1 / 5", "1 / 5"]
    for lines in ([LEAD, *dates, *BODY], [LEAD, *pagers, *BODY]):
        labels = _all_kept(lines)
        drop_gallery_captions(labels)
        assert labels.keep.all()
    only = _all_kept([f"{k}/3 Slide {k} of the flood in the old town" for k in (1, 2, 3)])
    drop_gallery_captions(only)
    assert only.keep.all()  # the page is the slideshow: nothing else would be left


def _labels_below_headline(lines: list[str], kept: set[int], headline: int) -> Labels:
    """Labels of `lines` as the model might leave them: `kept` rows kept (score 0.7), the
    rest removed on a weak score (0.3), row `headline` a repeat of the page's headline."""
    table = tabulate(lines)
    n = len(table.page.texts)
    keep = np.array([j in kept for j in range(n)])
    return Labels(
        table.index,
        table.page,
        keep,
        [None] * n,
        np.ones(n, dtype=bool),
        score=np.where(keep, 0.7, 0.3),
        headline=np.arange(n) == headline,
    )


TEASERS = [
    "Customers Leave Without Paying Their Bill A party of six left a steakhouse without "
    "paying their bill after a fight with the staff, the police said.",
    "Mayor Says Move For Health Benefits Will Not Stand The mayor says it was underhanded "
    "for the city council to vote on the plan without a public hearing.",
]


def test_the_opening_paragraphs_below_the_headline_are_kept() -> None:
    # The model kept the teaser river at the top and dropped the article below its headline.
    lines = ["Water prices to rise - Daily", *TEASERS, "Water prices to rise", "By Maria Keller"]
    lines += [LEAD, BODY[0], "© 2024 The Daily. All rights reserved."]
    labels = _labels_below_headline(lines, kept={1, 2}, headline=3)
    keep_lead_after_headline(labels, DEFAULT_OPTIONS)
    kept = [t for t, k in zip(labels.page.texts, labels.keep.tolist(), strict=True) if k]
    assert kept == [*TEASERS, LEAD, BODY[0]]


def test_a_lone_sentence_below_the_headline_is_not_taken_for_the_opening() -> None:
    # One sentence is as often the standfirst or a site's description; and where a kept
    # line comes first, the body already starts there.
    lines = ["Water prices to rise - Daily", *TEASERS, "Water prices to rise", LEAD, "Share"]
    labels = _labels_below_headline(lines, kept={1, 2}, headline=3)
    keep_lead_after_headline(labels, DEFAULT_OPTIONS)
    assert labels.keep.tolist() == [False, True, True, False, False, False]
    lines = ["Water prices to rise - Daily", "Water prices to rise", LEAD, *BODY[:2]]
    labels = _labels_below_headline(lines, kept={3}, headline=1)
    keep_lead_after_headline(labels, DEFAULT_OPTIONS)
    assert labels.keep.tolist() == [False, False, False, True, False]


def test_a_headline_below_a_long_menu_is_the_title() -> None:
    # A category menu longer than the head scan pushes the headline down the page; the line
    # just before the body (a list's heading) must not be taken for the title and removed.
    menu = [f"Category {name}" for name in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"]
    menu += [f"Topic {name}" for name in "ABCDEFGHIJKLMNOPQRST"]
    dump = "\n\n".join(
        [
            "How to Build a Terrarium | Crafts Daily",
            *menu,
            "How to Build a Terrarium",
            "By Lucy Akins",
            *["Pin", "Share", "Tweet", "Found This Helpful", "Other People Are Reading"],
            *["Plant Terrarium Ideas", "How to Build a Bottle Garden", "What You'll Need:"],
            *["Glass cloche", "Floral foam", "Moss", "Tweezers"],
            "Other small decorative items (optional)",
            LEAD,
            *BODY,
            CLOSING,
        ]
    )
    cleaned = clean_text(dump)
    assert cleaned.title == "How to Build a Terrarium"
    removed = {r.text: r.reason for r in cleaned.removed}
    assert removed.get("How to Build a Terrarium") == "duplicate_title"
    assert removed.get("Other small decorative items (optional)") != "duplicate_title"

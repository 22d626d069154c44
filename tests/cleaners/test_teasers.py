"""Golden tests for teaser cards (other stories' summaries after the article) and for the
reasons given to the lines of a page's tail, on small made-up pages."""

from __future__ import annotations

from lxml import html as lxml_html

from cleaners import clean_html, clean_text
from cleaners.teasers import MIN_CARDS, teaser_lines
from cleaners.templates import line_key

BODY = [
    "The regional water authority will raise prices by eight percent next year, its board "
    "decided on Thursday after a long and heated meeting in the town hall.",
    "The increase is the first in six years, and the authority said it needed the money to "
    "replace pipes that were laid more than a century ago in the old town.",
    "Several council members had asked for a smaller rise spread over three years, but the "
    "board rejected the proposal by seven votes to four after two hours of debate.",
    "Consumer groups criticised the decision and said they would ask the state regulator to "
    "review whether the authority had explained its costs in enough detail.",
]
TEASERS = [
    (
        "Storm closes schools",
        "Heavy winds forced the closure of twelve schools in the north of "
        "the county on Monday, and the bus companies cancelled most of their morning routes.",
    ),
    (
        "Mayor opens new library",
        "The new library, built on the site of the old brewery, holds "
        "more than eighty thousand books and a hall for concerts and readings.",
    ),
    (
        "Football club signs striker",
        "The club has signed a striker from the second division on "
        "a three-year contract, its manager told reporters after training on Friday.",
    ),
    (
        "Bakery wins national prize",
        "A family bakery that has made bread in the same oven since "
        "1952 won the national prize for its rye loaf, beating two hundred rivals.",
    ),
]


def _card(title: str, summary: str, href: str = "/other") -> str:
    return (
        f'<li class="card"><a href="{href}"><img src="x.jpg" alt=""></a>'
        f'<div class="text"><h3><a href="{href}">{title}</a></h3><p>{summary}</p></div></li>'
    )


def _page(cards: list[tuple[str, str]]) -> str:
    river = "".join(_card(t, s, f"/news/{i}") for i, (t, s) in enumerate(cards))
    body = "".join(f"<p>{p}</p>" for p in BODY)
    # No <article>: the story and the stream share one container, as on the pages where
    # extractors keep the stream's summaries.
    return (
        '<!doctype html><html lang="en"><head><title>Water prices to rise</title></head><body>'
        f'<div class="main"><h1>Water prices to rise</h1>{body}'
        f'<ul class="stream">{river}</ul></div></body></html>'
    )


def test_teaser_summaries_after_the_article_are_removed_as_related() -> None:
    import trafilatura

    page = _page(TEASERS)
    extracted = trafilatura.extract(page) or ""
    assert all(s in extracted for _, s in TEASERS)  # the extractor alone keeps them
    cleaned = clean_html(page)
    for paragraph in BODY:
        assert paragraph in cleaned.text
    for _, summary in TEASERS:
        assert summary not in cleaned.text
        assert any(r.reason == "related" and r.text == summary for r in cleaned.removed)


def test_too_few_cards_are_not_a_teaser_list() -> None:
    tree = lxml_html.fromstring(_page(TEASERS[: MIN_CARDS - 1]))
    assert teaser_lines(tree) == frozenset()


def test_a_listicle_with_linked_headings_in_one_flow_is_not_teasers() -> None:
    # A gift guide: <h2><a>product</a></h2><p>why</p>... all in one container.
    flow = "".join(
        f'<h2><a href="https://shop.example/{i}">{t}</a></h2><p>{s}</p><p>{s}</p>'
        for i, (t, s) in enumerate(TEASERS)
    )
    tree = lxml_html.fromstring(f"<html><body><article>{flow}</article></body></html>")
    assert teaser_lines(tree) == frozenset()


def test_headings_linking_to_their_own_section_are_not_cards() -> None:
    cards = "".join(
        f'<div><h3><a href="#s{i}">{t}</a></h3><p>{s}</p></div>' for i, (t, s) in enumerate(TEASERS)
    )
    tree = lxml_html.fromstring(f"<html><body>{cards}</body></html>")
    assert teaser_lines(tree) == frozenset()


def test_teaser_keys_are_line_keys_of_the_summaries() -> None:
    tree = lxml_html.fromstring(_page(TEASERS))
    assert teaser_lines(tree) == frozenset(line_key(s) for _, s in TEASERS)


TAIL = [
    "Recent Stories",
    "Storm closes schools in the north",
    "9 hours ago",
    "Mayor opens new library",
    "About Us | Contact Us | Advertise",
    "ABOUT US",
    "Our Network",
    "The Daily Network is the largest independent media house of the region, serving readers "
    "since 1997.",
    "© 1997-2024, The Daily Network",
    "All rights of the publication are reserved by the Daily. Reproduction without consent is "
    "not allowed.",
]


def test_reasons_in_the_tail_are_true_of_each_line() -> None:
    dump = "\n\n".join(["Water prices to rise", *BODY, *TAIL])
    cleaned = clean_text(dump)
    reasons = {r.text: r.reason for r in cleaned.removed}
    assert reasons["Recent Stories"] == "recent_stories"
    assert reasons["9 hours ago"] == "recent_stories"
    # The footer links end the "Recent Stories" block; what follows is the page's footer.
    assert reasons["About Us | Contact Us | Advertise"] == "navigation"
    for line in TAIL[5:]:
        assert reasons[line] == "footer", line


def test_footer_link_rows_and_switchers_have_their_reasons() -> None:
    dump = "\n\n".join(
        [
            *BODY,
            "РусскийDeutschFrançaisPortuguese",
            "Advertising Sitemap Archive About Authors",
            "Select spelling error with mouse and press Ctrl+Enter",
        ]
    )
    reasons = {r.text: r.reason for r in clean_text(dump).removed}
    assert reasons["РусскийDeutschFrançaisPortuguese"] == "navigation"
    assert reasons["Advertising Sitemap Archive About Authors"] == "footer"
    assert reasons["Select spelling error with mouse and press Ctrl+Enter"] == "boilerplate"


def test_a_comment_count_above_the_body_opens_no_comments_block() -> None:
    # "2 responses" in the byline links to the comments below the article: the lines
    # between it and the body are not comments.
    dump = "\n\n".join(
        ["Water prices to rise", "Jan Novak, 12 March 2024", "2 responses", "Highlights",
         "Tap water", *BODY, "2 responses", "Great article, thanks!"]
    )
    reasons = {r.line_no: r.reason for r in clean_text(dump).removed}
    lines = dump.split("\n")
    by_text = {lines[n - 1]: why for n, why in reasons.items()}
    assert by_text["2 responses"] == "comments"
    assert by_text.get("Highlights") != "comments"
    assert by_text.get("Tap water") != "comments"
    assert "Great article, thanks!" not in clean_text(dump).text
    assert by_text["Great article, thanks!"] == "comments"

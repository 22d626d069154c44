"""The HTML cleaner and markup sniffing."""

import pytest

from cleaners import clean, clean_html, sniff_markup
from cleaners.html import flatten_deep_markup
from cleaners.options import DEFAULT_OPTIONS

PARA = (
    "The city council approved the budget on Monday after months of debate, and the mayor "
    "said the vote was a relief for everyone who had waited for the new schools."
)
PAGE = f"""<!doctype html><html><head><title>Budget passes - Daily</title></head><body>
<nav><a href="/">Home</a> <a href="/news">News</a></nav>
<article><h1>Budget passes</h1><p>{PARA}</p><p>{PARA.replace("Monday", "Tuesday")}</p>
<p>{PARA.replace("mayor", "governor")}</p></article>
<footer>© 2024 Daily News. All rights reserved.</footer></body></html>"""


def test_sniff_markup() -> None:
    assert sniff_markup(PAGE) == "html"
    assert sniff_markup("Just a line of text\n\nAnd another one") == "text"


def test_clean_html_keeps_the_article() -> None:
    cleaned = clean_html(PAGE, url="https://www.daily.example/budget")
    assert "approved the budget" in cleaned.text
    assert "All rights reserved" not in cleaned.text
    assert cleaned.site == "daily.example"
    assert cleaned.cleaner.startswith("presswash-html/")


def test_clean_auto_routes_html() -> None:
    assert clean(PAGE.encode()).cleaner.startswith("presswash-html/")


def test_deep_nesting_is_flattened_fast() -> None:
    deep = (
        "<html><body>"
        + "<div>" * 100_000
        + "<p>deep text</p>"
        + "</div>" * 100_000
        + "</body></html>"
    )
    flat = flatten_deep_markup(deep, max_depth=50)
    assert flat.count("<div>") <= 50
    assert flat.count("</div>") <= 50
    assert "deep text" in flat
    assert clean(deep).cleaner.startswith("presswash-html/")  # no recursion error


def test_ordinary_nesting_is_left_alone() -> None:
    """Pages 15-25 deep in real nesting are not rewritten, whatever their tags look like:
    unclosed <p>/<li>/<td>, stray end tags, tags inside scripts and comments."""
    items = "".join(f"<li><p>item {i} text" for i in range(400))
    rows = "".join(f"<tr><td>cell {i}<td>more" for i in range(300))
    script = "<script>document.write('" + "<div>" * 300 + "');</script>"
    comment = "<!-- " + "<section>" * 300 + " -->"
    body = "<div>" * 20 + f"<ul>{items}</ul><table>{rows}</table>" + "</div>" * 20
    page = f"<html><head>{script}</head><body>{comment}{body}</span></em></body></html>"
    assert flatten_deep_markup(page, max_depth=30) == page


def test_only_the_deep_part_is_flattened() -> None:
    page = "<html><body>" + "<div>" * 40 + "<p>x</p>" + "</div>" * 40 + "</body></html>"
    flat = flatten_deep_markup(page, max_depth=30)
    assert flat.count("<div>") == 28  # html, body and 28 divs make 30
    assert flat.count("</div>") == 28
    assert "<p>" not in flat


def test_self_closed_tags_open_nothing_and_a_slash_inside_a_tag_is_not_one() -> None:
    """`<div/>` and `<img src=x/>` open no element; `<a/b>` (a slash before other text) and
    `<script / >` do, and a raw-text element's text is skipped to its end tag, any case."""
    self_closed = "<div/><img src=x/><span class='a/'/>" * 100
    assert (
        flatten_deep_markup(f"<html><body>{self_closed}</body></html>", max_depth=5).count("<div/>")
        == 100
    )
    opened = "<html><body>" + "<a/b>" * 10 + "</body></html>"
    assert flatten_deep_markup(opened, max_depth=5).count("<a/b>") == 3  # html, body + 3
    script = "<SCRIPT / >" + "<div>" * 50 + "</script >"
    page = f"<html><head>{script}</head><body><p>x</p></body></html>"
    assert flatten_deep_markup(page, max_depth=5) == page


def test_a_page_deeper_than_the_parser_goes_is_flattened_and_keeps_its_text() -> None:
    """libxml2 stops at depth 255: the probe of the parsed tree sends such a page through
    `flatten_deep_markup`, so the article after the deep part is not cut off."""
    from cleaners.html import extract_page

    prose = "The council approved the new budget on Tuesday after a long debate in the hall. " * 4
    deep = "<div>" * 1_000 + "<p>deep text</p>" + "</div>" * 1_000
    page = f"<html><body>{deep}<article><p>{prose}</p></article></body></html>"
    lines, _notes, _teasers = extract_page(page, None, DEFAULT_OPTIONS)
    assert any("approved the new budget" in line for line in lines)


def test_an_ordinary_page_is_never_flattened(monkeypatch: pytest.MonkeyPatch) -> None:
    """A tree within `DEPTH_PROBE` levels is used as parsed: no markup scan, no second parse."""
    import cleaners.html as html_mod

    def refuse(*_a: object, **_k: object) -> str:
        raise AssertionError("flattened an ordinary page")

    monkeypatch.setattr(html_mod, "flatten_deep_markup", refuse)
    page = "<html><body>" + "<div>" * 40 + "<p>" + "Some words of text here. " * 20 + "</p>"
    page += "</div>" * 40 + "</body></html>"
    lines, _notes, _teasers = html_mod.extract_page(page, None, DEFAULT_OPTIONS)
    assert any("Some words" in line for line in lines)


def _tree(page: str) -> object:
    from cleaners.html import parse

    tree = parse(page)
    assert tree is not None
    return tree


def test_chrome_blocks_are_dropped_before_extraction_and_their_tail_text_stays() -> None:
    """`prune_chrome` drops nav/aside/related/share blocks by tag, role, class and id; the
    text after a dropped block (its tail) is not part of the block and stays."""
    from cleaners.html import prune_chrome

    page = (
        "<html><body><div id='main'><nav>Home News</nav>tail after nav"
        "<div role='complementary'>Sidebar</div><div class='related-stories'>Other story</div>"
        "<div id='more-related'>More</div><ul class='share-tools'><li>Share</li></ul>"
        f"<p>{PARA}</p><p>{PARA}</p><p class='socialite'>Also chrome</p></div></body></html>"
    )
    tree = _tree(page)
    assert prune_chrome(tree) == 6
    text = tree.text_content()  # type: ignore[attr-defined]
    assert "tail after nav" in text and "approved the budget" in text
    for chrome in ("Home News", "Sidebar", "Other story", "More", "Share", "Also chrome"):
        assert chrome not in text


def test_a_chrome_looking_wrapper_of_most_of_the_page_is_kept() -> None:
    """A page-wide `<form>` (ASP.NET WebForms) or a `class="social..."` around the article
    holds most of the page's text: it is a layout wrapper, kept (its own chrome inside is
    still dropped), so the article is extracted from the pruned page, no guard needed."""
    from cleaners.html import extract_page, prune_chrome

    body = f"<nav>Home News</nav><article><p>{PARA}</p><p>{PARA}</p><p>{PARA}</p></article>"
    for wrapper in ("<form id='aspnetForm'>{}</form>", "<div class='social-layout'>{}</div>"):
        page = "<html><body>" + wrapper.format(body) + "<footer>© Daily</footer></body></html>"
        tree = _tree(page)
        assert prune_chrome(tree) == 2  # the nav and the footer, not the wrapper
        assert "approved the budget" in tree.text_content()  # type: ignore[attr-defined]
        lines, notes, _teasers = extract_page(page, None, DEFAULT_OPTIONS)
        assert any("approved the budget" in line for line in lines)
        assert notes == []


def test_a_page_with_no_chrome_blocks_is_left_as_parsed() -> None:
    from lxml import etree

    from cleaners.html import prune_chrome

    page = f"<html><body><div class='story'><p>{PARA}</p></div></body></html>"
    tree = _tree(page)
    before = etree.tostring(tree)
    assert prune_chrome(tree) == 0
    assert etree.tostring(tree) == before


def test_an_article_in_a_chrome_classed_container_is_kept_though_link_lists_outweigh_it() -> None:
    """The article's paragraphs inside `class="trending-story"`, 40 linked headlines after
    it with more text than the article: the block holds the page's paragraph text, so it
    is the article's container, not chrome (pruned, the extractor took the link list)."""
    from cleaners.html import extract_page

    links = "".join(f"<li><a href='/s/{i}'>Another headline number {i}</a></li>" for i in range(40))
    page = (
        f"<html><body><div class='trending-story'><p>{PARA}</p><p>{PARA}</p><p>{PARA}</p>"
        f"</div><ul>{links}</ul></body></html>"
    )
    lines, _notes, _teasers = extract_page(page, None, DEFAULT_OPTIONS)
    assert any("approved the budget" in line for line in lines)


def test_a_hidden_block_is_not_extracted() -> None:
    """A `display:none` schema.org block repeats the headline, dates and image URL after
    the article; the page never shows it, so neither does the cleaner."""
    hidden = (
        "<div style='display: none;' itemscope itemtype='http://schema.org/NewsArticle'>"
        "<h1 itemprop='name'>Budget passes</h1>"
        "<div itemprop='datePublished'>2019-11-19T08:57:40+01:00</div>"
        "<div itemprop='url'>https://static.daily.example/image/budget-passes.jpg</div></div>"
    )
    from cleaners.html import prune_chrome

    page = PAGE.replace("</article>", hidden + "</article>")
    tree = _tree(page)
    assert prune_chrome(tree) == 3  # the nav, the footer and the hidden block
    assert "2019-11-19T08:57:40" not in tree.text_content()  # type: ignore[attr-defined]
    text = clean_html(page).text
    assert "approved the budget" in text
    assert "2019-11-19T08:57:40" not in text and "budget-passes.jpg" not in text


def test_a_hover_card_is_dropped_and_the_link_it_pops_up_from_stays() -> None:
    """A name in the text pops up a card with the person's latest headlines: the card is
    not part of the sentence, the name is."""
    card = (
        "<span class='rollover-people'><a class='rollover-people-link' href='/people/jane-roe'>"
        "Jane Roe</a><span class='rollover-people-block'><span class='rollover-block'>"
        "<a class='name' href='/people/jane-roe'>Jane Roe</a><a href='/news/1'>Senators call "
        "for a new security coordinator</a></span></span></span>"
    )
    para = f"The proposal by Rep. {card} (D-Minn.) was approved by the city council on Monday."
    page = PAGE.replace("<h1>Budget passes</h1>", f"<h1>Budget passes</h1><p>{para}</p>")
    text = clean_html(page).text
    assert "The proposal by Rep. Jane Roe (D-Minn.) was approved" in text
    assert "security coordinator" not in text


def test_capitalised_chrome_classes_dialogs_and_video_controls_are_pruned() -> None:
    from cleaners.html import prune_chrome

    page = (
        f"<html><body><article><p>{PARA}</p><p>{PARA}</p>"
        "<div class='Newsletter-stateFail'><h3>Sorry!</h3>"
        "<h4>There was an error processing your subscription.</h4></div>"
        "<div role='dialog'><p>This is a modal window.</p></div>"
        "<div class='video-js vjs-paused'><span class='vjs-control-text'>Chapters</span></div>"
        "<ul class='vjs-menu'><li>subtitles off, selected</li></ul>"
        "</article><div class='latest-news-box'><h3><a href='/s/1'>Gronk joins the dancers</a>"
        "</h3><h4>He may have found his true calling</h4></div></body></html>"
    )
    tree = _tree(page)
    assert prune_chrome(tree) == 5
    text = tree.text_content()  # type: ignore[attr-defined]
    assert "approved the budget" in text
    chromes = ("Sorry!", "error processing", "modal window", "Chapters", "subtitles off", "Gronk")
    for chrome in chromes:
        assert chrome not in text

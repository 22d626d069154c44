"""Bylines, datelines and titles from the head of a dump."""
import pytest

from cleaners.metadata import (
    PageMeta,
    byline,
    dateline,
    find_head,
    html_metadata,
    parse_date,
    site_from_footer,
    site_from_name,
    site_from_url,
    site_key,
    split_site_suffix,
)


def test_byline_with_published_date() -> None:
    assert byline("Faizan Hashmi Published June 08, 2023 | 09:00 AM") == (
        "Faizan Hashmi",
        "2023-06-08T09:00:00",
    )


def test_by_prefix_byline() -> None:
    assert byline("By Jane Doe | March 3, 2021") == ("Jane Doe", "2021-03-03")


def test_sentence_is_not_a_byline() -> None:
    assert byline("He said the talks on June 8, 2023 went well for everyone involved.") == (
        None,
        None,
    )


def test_dateline_needs_little_else() -> None:
    assert dateline("Thursday, 8 June 2023, 01:10") == "2023-06-08T01:10:00"
    assert dateline("He said on June 8, 2023 that the alliance would meet in Vilnius.") is None


def test_parse_date_formats() -> None:
    assert parse_date("2023-06-08")[0] == "2023-06-08"
    assert parse_date("08th June, 2023")[0] == "2023-06-08"
    assert parse_date("Nov. 20, 2019 at 5:30 pm")[0] == "2019-11-20T17:30:00"


def test_site_helpers() -> None:
    assert site_from_url("https://www.example.com/a/b") == "example.com"
    assert site_from_url(None) is None
    assert split_site_suffix("So Many Ways to Play - WSJ") == ("So Many Ways to Play", "WSJ")


def test_section_names_before_the_site_suffix_go_too() -> None:
    assert split_site_suffix(
        "US service members killed in helicopter crash | Afghanistan News | Al Jazeera"
    ) == ("US service members killed in helicopter crash", "Al Jazeera")
    title = "China deploys troops: SURRENDER is the only option | World | News | Express.co.uk"
    assert split_site_suffix(title) == (
        "China deploys troops: SURRENDER is the only option", "Express.co.uk"
    )
    # another separator, or a part too long for a section name, stays in the headline
    assert split_site_suffix("Water prices - what the rise means | The Daily") == (
        "Water prices - what the rise means", "The Daily"
    )
    assert split_site_suffix("Storm hits | the north coast of the island hard | Daily") == (
        "Storm hits | the north coast of the island hard", "Daily"
    )


def test_a_dump_opening_with_its_title_tag_takes_it_when_no_headline_repeats() -> None:
    from cleaners import clean_text

    body = [
        "The regional water authority will raise prices by eight percent next year, its board "
        "decided on Thursday after a long and heated meeting.",
        "The increase is the first in six years, and the authority said it needed the money "
        "to replace pipes that were laid more than a century ago in the old town.",
        "Several council members had asked for a smaller rise spread over three years, but "
        "the board rejected the proposal by seven votes to four after two hours of debate.",
    ]
    dump = "\n\n".join(
        ["Water authority raises prices - The Daily", "Home", "News", "History of the utility",
         *body]
    )
    cleaned = clean_text(dump)
    assert cleaned.title == "Water authority raises prices"
    assert "duplicate_title" not in {
        r.reason for r in cleaned.removed if r.text == "History of the utility"
    }


def test_one_site_key_the_urls_host_a_name_only_without_a_url() -> None:
    """The spellings `site` mixed (issue 12): a URL's host wins over every name."""
    for url in ("https://www.wsj.com/articles/x", "http://WWW.WSJ.com:80/a?b#c", "www.wsj.com."):
        assert site_key(url, "WSJ", "@WSJ") == "wsj.com"
    assert site_key(None, "WSJ") == "wsj"
    assert site_key("", None, "  ", "The  Verge ") == "the verge"  # the first name given
    assert site_key(None) is None


def test_a_site_name_that_is_a_host_or_url_gives_its_host() -> None:
    assert site_from_name("https://www.hawaiinewsnow.com") == "hawaiinewsnow.com"
    assert site_from_name("CBSSports.com") == "cbssports.com"
    assert site_from_name("www.albawaba.com") == "albawaba.com"
    assert site_from_name("Express.co.uk") == "express.co.uk"
    # any other name is kept as it is, lower-cased
    assert site_from_name("@AJENews") == "@ajenews"
    assert site_from_name("nj") == "nj"
    assert site_from_name("U.S.") == "u.s."
    assert site_from_name("Le Monde.fr") == "le monde.fr"
    assert site_from_name(" ") is None
    # a key is its own key: the article stage may pass one again
    for name in ("https://www.hawaiinewsnow.com", "@AJENews", "Le Monde.fr", "Aktuálně.cz"):
        key = site_from_name(name)
        assert site_from_name(key) == key


def test_a_page_names_its_site_in_site_name_never_in_the_key() -> None:
    head = """<html><head><title>Storm Hits Coast Tonight - WSJ</title>
    <meta name="twitter:site" content="@WSJ">{}</head><body></body></html>"""
    assert html_metadata(head.format("")).site_name == "WSJ"  # the <title>'s suffix
    og = '<meta property="og:site_name" content="The Wall Street Journal">'
    assert html_metadata(head.format(og)).site_name == "The Wall Street Journal"
    bare = '<html><head><meta name="twitter:site" content="@WSJ"></head></html>'
    assert html_metadata(bare).site_name == "@WSJ"  # a handle, when nothing else names it


def test_a_dump_names_its_site_by_its_title_suffix_or_footer() -> None:
    lines = [
        "Big Storm Hits The Coast Tonight - The Daily",
        "The storm reached the coast on Monday night and it was the worst in years, officials said.",  # noqa: E501
        "Copyright © 2023 www.DailyNews.com. All rights reserved.",
    ]
    head = find_head(lines, 1)
    assert (head.site, head.site_name) == ("the daily", "The Daily")
    assert find_head(lines, 1, "https://www.daily.example/storm").site == "daily.example"
    head = find_head(lines[1:], 0)
    assert (head.site, head.site_name) == ("dailynews.com", "www.dailynews.com")


def test_find_head_prefers_repeated_headline() -> None:
    lines = [
        "Menu",
        "Big Storm Hits The Coast Tonight",
        "By Ann Lee",
        "Big Storm Hits the Coast Tonight",
        "The storm reached the coast on Monday night and it was the worst in years, officials said.",  # noqa: E501
    ]
    head = find_head(lines, 4)
    assert head.title == "Big Storm Hits The Coast Tonight"
    assert head.author == "Ann Lee"
    assert head.title_lines == {1, 3}
    assert head.meta_lines == {2}


def test_html_metadata_from_meta_tags_and_json_ld() -> None:
    page = """<html lang="en-GB"><head><title>Storm Hits Coast Tonight - Daily</title>
    <meta property="og:site_name" content="The Daily">
    <meta name="author" content="By Ann Lee">
    <script type="application/ld+json">{"datePublished": "2023-06-08T09:00:00Z"}</script>
    </head><body></body></html>"""
    meta = html_metadata(page)
    assert meta == PageMeta(
        title="Storm Hits Coast Tonight",
        author="Ann Lee",
        published_at="2023-06-08T09:00:00",
        site_name="The Daily",
        language="en",
    )


def test_site_from_the_copyright_footer() -> None:
    lines = ["Story", "Body text.", "Copyright © 1999-2023, «PRAVDA.Ru».", "Privacy Policy"]
    assert site_from_footer(lines) == "pravda.ru"
    assert site_from_footer(["Read more at example.com", "Ends here"]) is None


def test_a_cleaned_dump_carries_the_site_name_its_head_found() -> None:
    from cleaners import clean

    dump = "\n\n".join([
        "Big Storm Hits The Coast Tonight - The Daily",
        "The storm reached the coast on Monday night and it was the worst in years, "
        "officials said on Tuesday morning after the first count of the damage.",
        "Crews worked through the night to clear the roads, and schools stayed shut "
        "across the county while the power came back street by street.",
    ])
    cleaned = clean(dump, fmt="text")
    assert (cleaned.site, cleaned.site_name) == ("the daily", "The Daily")


@pytest.mark.parametrize(
    ("markup", "author"),
    [
        ('<span itemprop="author"><a href="/a"><span>Dan Goodin</span></a></span> <time>',
         "Dan Goodin"),
        ('<div class="byline">By <a href="/s">Scott Cunningham</a></div>', "Scott Cunningham"),
        ('<a rel="author" href="/n">Nathaliya Vasilyeva</a>', "Nathaliya Vasilyeva"),
        ('<p class="article-author-name">BY GILLIAN MOHNEY<br>March 3, 2015</p>', "GILLIAN MOHNEY"),
    ],
)
def test_an_author_named_only_in_the_byline_markup_is_found(markup: str, author: str) -> None:
    page = f"<html><head><title>Storm - Daily</title></head><body>{markup}<p>Text.</p></body>"
    assert html_metadata(page).author == author


def test_a_comment_authors_markup_and_a_menu_name_no_author() -> None:
    page = (
        '<html><body><span class="author-label">Follow</span>'
        '<div class="comment-author">Jane Reader</div></body></html>'
    )
    assert html_metadata(page).author is None


def test_a_json_ld_author_is_unescaped() -> None:
    page = '<script type="application/ld+json">{"author": {"name": "Ale\\u0161 V\\u00e1vra"}}'

    assert html_metadata(page).author == "Aleš Vávra"


def test_a_json_ld_date_at_the_end_of_a_long_page_is_found() -> None:
    # MediaWiki writes its JSON-LD after the article, past the head that is scanned first.
    page = (
        "<html><head><title>New Zealand - Wikipedia</title></head><body>"
        + "<p>Text of the article.</p>" * 20_000
        + '<script type="application/ld+json">{"datePublished":"2001-10-29T01:59:14Z"}</script>'
        "</body></html>"
    )
    assert html_metadata(page).published_at == "2001-10-29T01:59:14"


@pytest.mark.parametrize(
    ("line", "author"),
    [
        ("Dan Goodin - Apr 16, 2015 8:02 pm UTC", "Dan Goodin"),
        ("Mike Conley December 18, 2020", "Mike Conley"),
        ("// By Arun Sai Krishnan • Nov 11, 2020", "Arun Sai Krishnan"),
        ("By Erin Cunningham March 18 at 3:57 PM Follow @erinmcunningham", "Erin Cunningham"),
    ],
)
def test_a_name_before_its_date_is_a_byline(line: str, author: str) -> None:
    assert byline(line)[0] == author


@pytest.mark.parametrize(
    "line",
    [
        "Los Angeles, Dec. 3, 2020",
        "NEW YORK December 3, 2020",
        "The Daily March 3, 2024",
        "Last Updated January 7, 2025",
    ],
)
def test_a_dateline_or_a_site_before_a_date_is_no_byline(line: str) -> None:
    assert byline(line)[0] is None

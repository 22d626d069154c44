"""Bylines, datelines and titles from the head of a dump."""

from cleaners.metadata import (
    PageMeta,
    byline,
    dateline,
    find_head,
    html_metadata,
    parse_date,
    site_from_footer,
    site_from_url,
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
        site="The Daily",
        language="en",
    )


def test_site_from_the_copyright_footer() -> None:
    lines = ["Story", "Body text.", "Copyright © 1999-2023, «PRAVDA.Ru».", "Privacy Policy"]
    assert site_from_footer(lines) == "pravda.ru"
    assert site_from_footer(["Read more at example.com", "Ends here"]) is None

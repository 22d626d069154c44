"""The HTML cleaner and markup sniffing."""

import time

from cleaners import clean, clean_html, sniff_markup
from cleaners.html import flatten_deep_markup

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
    start = time.perf_counter()
    flat = flatten_deep_markup(deep, max_depth=50)
    assert flat.count("<div>") <= 50
    clean(deep)
    assert time.perf_counter() - start < 10

"""One site, one key (issue 12): every copy of a site's pages gets the same `site`, the
host of the article's URL, whatever the input calls the site; the name goes to `site_name`."""

from __future__ import annotations

import json
from pathlib import Path

from flows import stages
from schemas import Cleaned, RawDocument
from tests.conftest import SEEDS
from tests.flows.readers.helpers import http, jsonl, warc_record, write
from warehouse import Warehouse

PARAGRAPHS = [
    p.strip()
    for seed in sorted(SEEDS.glob("*.txt"))
    for p in seed.read_text(encoding="utf-8").split("\n\n")
    if len(p.split()) >= 30
]


def page(body: list[str], *, canonical: str | None, extra: str = "") -> str:
    """A news page of `body` paragraphs, with a <link rel=canonical> when given."""
    link = f'<link rel="canonical" href="{canonical}">' if canonical else ""
    paragraphs = "".join(f"<p>{p}</p>" for p in body)
    return (
        "<!doctype html><html><head><title>Markets move on the news - WSJ</title>"
        f'{link}<meta property="og:site_name" content="The Wall Street Journal">'
        '<meta name="twitter:site" content="@WSJ"></head><body>'
        f"<nav><a href='/'>Home</a></nav><article><h1>Markets move on the news</h1>"
        f"{paragraphs}</article>{extra}</body></html>"
    )


def inputs(folder: Path) -> dict[str, Path]:
    """The same site as four inputs: an HTML file (its URL only in its canonical link), a
    WARC copy of that page, a JSONL record naming the site "WSJ", and a JSONL record with
    no URL at all."""
    canonical = "https://www.wsj.com/articles/markets-move"
    saved = page(PARAGRAPHS[0:3], canonical=canonical)
    crawled = page(PARAGRAPHS[0:3], canonical=canonical, extra="<!-- crawled copy -->")
    record = {
        "url": "https://www.wsj.com/articles/rates-hold",
        "site": "WSJ",
        "title": "Rates hold",
        "html": page(PARAGRAPHS[3:6], canonical=None),
    }
    unaddressed = {"site": "WSJ", "text": "\n\n".join(PARAGRAPHS[6:9])}
    return {
        "html": write(folder / "markets.html", saved),
        "warc": write(
            folder / "crawl.warc",
            warc_record(
                "response", "1", http(crawled.encode()), "http://WWW.WSJ.com/articles/markets-move?mod=rss"
            ),
        ),
        "jsonl": write(folder / "feed.jsonl", jsonl(record, unaddressed)),
    }


def test_every_copy_of_a_site_gets_its_host_as_the_key_through_the_flow(
    prefect_server: None, tmp_path: Path
) -> None:
    from flows.pipeline import pipeline

    folder = tmp_path / "in"
    paths = inputs(folder)
    db = tmp_path / "wh.duckdb"
    summary = pipeline([str(folder)], db=db)
    assert (summary.rejected, summary.articles) == (0, 4)
    with Warehouse(db, read_only=True) as wh:
        rows = wh.arrow(
            "SELECT s.source_uri, a.site, a.site_name, a.title, d.site AS doc_site, "
            "d.site_name AS supplied FROM articles a JOIN documents d USING (doc_id) "
            "JOIN sources s USING (doc_id) ORDER BY s.source_uri"
        ).to_pylist()
        by_uri = {r["source_uri"]: r for r in rows}
        html = by_uri[str(paths["html"])]
        warc = next(r for uri, r in by_uri.items() if uri.startswith(str(paths["warc"])))
        record = by_uri[f"{paths['jsonl']}#L1"]
        unaddressed = by_uri[f"{paths['jsonl']}#L2"]
        # the page (its canonical), its WARC copy (the target) and the record (its url)
        assert html["site"] == warc["site"] == record["site"] == "wsj.com"
        # the record keeps its own name and title; the pages name themselves
        assert (record["site_name"], record["supplied"], record["title"]) == (
            "WSJ", "WSJ", "Rates hold"
        )
        assert html["site_name"] == warc["site_name"] == "The Wall Street Journal"
        assert (html["doc_site"], warc["doc_site"], record["doc_site"]) == (
            None, "wsj.com", "wsj.com"
        )
        # no URL anywhere: the supplied name is the key, read by the same rule
        assert (unaddressed["site"], unaddressed["site_name"]) == ("wsj", "WSJ")
        groups = wh.arrow(
            "SELECT site, count(*) AS n FROM articles GROUP BY site ORDER BY site"
        ).to_pylist()
        assert groups == [{"site": "wsj", "n": 1}, {"site": "wsj.com", "n": 3}]


def doc(url: str | None, site_name: str | None, site: str | None) -> RawDocument:
    data = json.dumps({"url": url, "site": site_name}).encode()
    return RawDocument(
        doc_id="d", source_uri="feed.jsonl#L1", format="jsonl", markup="html", raw_bytes=data,
        raw_text="", encoding="utf-8", url=url, site=site, site_name=site_name,
    )


def test_the_article_key_follows_the_url_the_name_only_without_one() -> None:
    page_found = Cleaned(
        text="x", site="wsj.com", site_name="The Wall Street Journal",
        url="https://www.wsj.com/articles/a",
    )
    # the input's URL and name: its key, its name
    article = stages.to_article(doc("https://www.wsj.com/b", "WSJ", "wsj.com"), page_found)
    assert (article.site, article.site_name, article.url) == (
        "wsj.com", "WSJ", "https://www.wsj.com/b"
    )
    # a name but no URL from the input: the page's canonical decides the key
    article = stages.to_article(doc(None, "WSJ", "wsj"), page_found)
    assert (article.site, article.site_name) == ("wsj.com", "WSJ")
    # no URL at all: the input's name wins over the page's
    unaddressed = Cleaned(text="x", site="the wall street journal", site_name="The WSJ")
    article = stages.to_article(doc(None, "WSJ", "wsj"), unaddressed)
    assert (article.site, article.site_name) == ("wsj", "WSJ")
    # nothing supplied: the cleaner's findings
    article = stages.to_article(doc(None, None, None), unaddressed)
    assert (article.site, article.site_name) == ("the wall street journal", "The WSJ")

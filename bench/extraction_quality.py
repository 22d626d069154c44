"""Extraction quality and speed of presswash's cleaners against peers, on the dev pages.

Usage:
    PYTHONPATH=. .venv/bin/python bench/extraction_quality.py [--data DIR] [--limit N]
        [--skip-peers] [--skip-templates] [--skip-speed]

Metric (the article-extraction-benchmark's): `\\w+` tokens, word 4-gram multisets,
per page tp/fp/fn normalised by their sum, precision and recall averaged over pages
(a page with nothing predicted and nothing true counts 1.0), F1 from the two means.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import html as htmllib
import json
import os
import random
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path


def _shared_bench() -> Path:
    """`shared/bench` beside the work tree (`../shared`), or one level further up for a git
    worktree kept in a subfolder (`../../shared`)."""
    root = Path(__file__).resolve().parents[1]
    for base in (root.parent, root.parent.parent):
        if (base / "shared" / "bench").is_dir():
            return base / "shared" / "bench"
    return root.parent / "shared" / "bench"


DEFAULT_DATA = _shared_bench() / "extraction" / "dev"
"""`../shared/bench/extraction/dev` beside the work tree (see its DATA.md)."""

READABILITY_DATA = _shared_bench() / "readability"
"""`../shared/bench/readability`: Mozilla Readability's test pages (see its DATA.md)."""

_TOKEN = re.compile(r"\w+")
NGRAM = 4
"""Word n-gram size of the published metric."""

SITE_PAGES = 10
"""Pages per synthetic site in the site-template experiment."""

BODY_LINE_WORDS = 3
"""A dump line of this many words found in the truth marks the body's extent (tables included)."""


# ---------------------------------------------------------------- metric
def ngrams(text: str, n: int = NGRAM) -> Counter[tuple[str, ...]]:
    """Multiset of word n-grams (`\\w+` tokens, case kept as the benchmark does)."""
    tokens = _TOKEN.findall(text or "")
    return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


def page_scores(pred: str, true: str) -> tuple[float, float]:
    """(precision, recall) of one page: tp/fp/fn over 4-gram multisets."""
    p, t = ngrams(pred), ngrams(true)
    tp = sum((p & t).values())
    fp = sum(p.values()) - tp
    fn = sum(t.values()) - tp
    precision = tp / (tp + fp) if tp + fp else (1.0 if fn == 0 else 0.0)
    recall = tp / (tp + fn) if tp + fn else 1.0
    if tp + fp == 0 and tp + fn == 0:
        precision = recall = 1.0
    return precision, recall


@dataclass(slots=True, frozen=True)
class Score:
    precision: float
    recall: float
    n: int

    @property
    def f1(self) -> float:
        s = self.precision + self.recall
        return 2 * self.precision * self.recall / s if s else 0.0


def evaluate(preds: Sequence[str], trues: Sequence[str]) -> Score:
    """Mean precision and recall over pages, F1 of the means."""
    pairs = [page_scores(p, t) for p, t in zip(preds, trues, strict=True)]
    if not pairs:
        return Score(0.0, 0.0, 0)
    return Score(
        sum(p for p, _ in pairs) / len(pairs), sum(r for _, r in pairs) / len(pairs), len(pairs)
    )


# ---------------------------------------------------------------- data
@dataclass(slots=True, frozen=True)
class Page:
    id: str
    url: str
    html: str
    text: str
    truth: str


def load_pages(
    data: Path, limit: int | None = None, ids: Iterable[str] | None = None
) -> list[Page]:
    """Dev pages sorted by id (html, text dump and ground truth)."""
    truth = json.loads((data / "ground-truth.json").read_text(encoding="utf-8"))
    wanted = sorted(ids) if ids is not None else sorted(truth)
    pages = []
    for pid in wanted[:limit] if limit else wanted:
        html = gzip.decompress((data / "html" / f"{pid}.html.gz").read_bytes()).decode(
            "utf-8", "replace"
        )
        text = (data / "text" / f"{pid}.txt").read_text(encoding="utf-8")
        pages.append(Page(pid, truth[pid].get("url", ""), html, text, truth[pid]["articleBody"]))
    return pages


# ---------------------------------------------------------------- systems
def lines_as_paragraphs(text: str) -> str:
    """A text dump as HTML, each non-blank line wrapped in <p> (how peers see dumps)."""
    body = "".join(f"<p>{htmllib.escape(line)}</p>\n" for line in text.splitlines() if line.strip())
    return f"<html><body>{body}</body></html>"


def trafilatura_extract(html: str, **kwargs: object) -> str:
    import trafilatura

    return trafilatura.extract(html, **kwargs) or ""  # type: ignore[arg-type]


def justext_extract(html: str, language: str | None = None) -> str:
    """jusText with the stoplist of the page's language (English when unknown)."""
    import justext

    from cleaners.language import STOPLIST_TO_ISO

    names = {iso: name for name, iso in STOPLIST_TO_ISO.items()}
    stoplist = justext.get_stoplist(names.get(language or "en", "English"))
    paragraphs = justext.justext(html.encode("utf-8"), stoplist)
    return "\n".join(p.text for p in paragraphs if not p.is_boilerplate)


def page_language(page: Page) -> str | None:
    from cleaners.language import detect_language

    return detect_language(page.text)


def ours_text(page: Page, **kw: object) -> str:
    from cleaners import clean_text

    return clean_text(page.text, url=page.url, **kw).text  # type: ignore[arg-type]


def ours_html(page: Page, **kw: object) -> str:
    from cleaners import clean_html

    return clean_html(page.html, url=page.url, **kw).text  # type: ignore[arg-type]


def peer_systems() -> dict[str, Callable[[Page], str]]:
    return {
        "whole text dump": lambda p: p.text,
        "trafilatura on text (lines as <p>)": lambda p: trafilatura_extract(
            lines_as_paragraphs(p.text)
        ),
        "jusText on text (lines as <p>)": lambda p: justext_extract(
            lines_as_paragraphs(p.text), page_language(p)
        ),
        "jusText on HTML": lambda p: justext_extract(p.html, page_language(p)),
        "trafilatura.extract on HTML": lambda p: trafilatura_extract(p.html, url=p.url),
        "trafilatura favor_precision on HTML": lambda p: trafilatura_extract(
            p.html, url=p.url, favor_precision=True
        ),
    }


def run(system: Callable[[Page], str], pages: Sequence[Page]) -> tuple[Score, float, list[str]]:
    start = time.perf_counter()
    preds = [system(p) for p in pages]
    seconds = time.perf_counter() - start
    return evaluate(preds, [p.truth for p in pages]), seconds, preds


# ---------------------------------------------------------------- site templates
def synthetic_sites(pages: Sequence[Page], seed: int = 0) -> list[tuple[Page, list[str]]]:
    """For each page, a 10-page synthetic site: its own chrome around other dev bodies.

    The page's dump is split around its article body (the lines whose text is in the
    ground truth); the other 9 pages reuse the page's head and tail chrome with the
    body lines of 9 other dev pages, so only the chrome recurs.
    """
    rng = random.Random(seed)

    def words(text: str) -> str:
        return " ".join(_TOKEN.findall(text.casefold()))

    out = []
    for page in pages:
        lines = page.text.splitlines()
        truth_words = words(page.truth)
        body_idx = [
            i
            for i, line in enumerate(lines)
            if len(line.split()) >= BODY_LINE_WORDS and words(line) in truth_words
        ]
        if not body_idx:
            out.append((page, [page.text]))
            continue
        head, tail = lines[: body_idx[0]], lines[body_idx[-1] + 1 :]
        others = rng.sample([p for p in pages if p.id != page.id], SITE_PAGES - 1)
        site = [page.text]
        for other in others:
            body = [line for line in other.truth.split("\n") if line.strip()]
            site.append("\n".join([*head, "", *body, "", *tail]))
        out.append((page, site))
    return out


def template_experiment(pages: Sequence[Page]) -> tuple[Score, Score]:
    """F1 of clean_text on each page without and with its synthetic site's template lines."""
    from cleaners import clean_text, find_template_lines

    without, with_ = [], []
    for page, site in synthetic_sites(pages):
        keys = find_template_lines(site)
        without.append(clean_text(page.text, url=page.url).text)
        with_.append(clean_text(page.text, url=page.url, template_lines=keys).text)
    trues = [p.truth for p in pages]
    return evaluate(without, trues), evaluate(with_, trues)


# ---------------------------------------------------------------- language
_HTML_LANG = re.compile(r"<html[^>]*?\blang=[\"']?([a-zA-Z]{2})\b", re.IGNORECASE)


def language_agreement(pages: Sequence[Page]) -> tuple[int, int, Counter[str]]:
    """How often clean_text's language matches the page's own <html lang> (where declared)."""
    from cleaners import clean_text

    agree = total = 0
    seen: Counter[str] = Counter()
    for page in pages:
        m = _HTML_LANG.search(page.html[:5000])
        if not m:
            continue
        declared = m[1].lower()
        total += 1
        seen[declared] += 1
        agree += clean_text(page.text, url=page.url).language == declared
    return agree, total, seen


# ---------------------------------------------------------------- speed
def one_core() -> None:
    """Pin this process to one core so speeds are per core."""
    with contextlib.suppress(AttributeError, OSError):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})


def pass_rates(fn: Callable[[Page], object], pages: Sequence[Page], repeat: int) -> list[float]:
    """Pages per CPU second of this process (robust to other load on the machine) in each of
    `repeat` passes, fastest first; each pass starts with an empty pattern cache (no credit
    for earlier passes)."""
    from cleaners.features import clear_caches

    rates = []
    for _ in range(repeat):
        clear_caches()
        start = time.process_time()
        for p in pages:
            fn(p)
        rates.append(len(pages) / (time.process_time() - start))
    return sorted(rates, reverse=True)


def model_meta() -> dict[str, object]:
    from cleaners.model import load_model

    model = load_model()
    return dict(model.meta) if model is not None else {}


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--skip-peers", action="store_true")
    ap.add_argument("--skip-templates", action="store_true")
    ap.add_argument("--skip-speed", action="store_true")
    ap.add_argument("--per-page", type=Path, default=None, help="write per-page scores (JSON) here")
    args = ap.parse_args(argv)
    one_core()
    pages = load_pages(args.data, args.limit)
    print(f"{len(pages)} pages from {args.data}")
    rows: list[tuple[str, Score, float]] = []
    per_page: dict[str, dict[str, list[float]]] = {}
    systems: dict[str, Callable[[Page], str]] = {
        "presswash clean_text (text dump)": ours_text,
        "presswash clean_html (HTML)": ours_html,
    }
    if not args.skip_peers:
        systems.update(peer_systems())
    for name, system in systems.items():
        score, seconds, preds = run(system, pages)
        rows.append((name, score, seconds))
        per_page[name] = {
            p.id: list(page_scores(pred, p.truth)) for p, pred in zip(pages, preds, strict=True)
        }
        print(
            f"  {name:40s} P {score.precision:.3f}  R {score.recall:.3f}  F1 {score.f1:.3f}  ({seconds:.1f}s)",  # noqa: E501
            flush=True,
        )
    meta = model_meta()
    if meta:
        cv = meta.get("cv", {})
        print(
            f"line model: {meta.get('n_trees')} trees, trained on {meta.get('n_pages')} pages; "
            f"cross-validated ({cv.get('folds')}-fold by page) clean_text F1 {cv.get('f1_text', float('nan')):.3f}"  # noqa: E501
            f" (P {cv.get('precision_text', float('nan')):.3f} R {cv.get('recall_text', float('nan')):.3f}),"  # noqa: E501
            f" clean_html F1 {cv.get('f1_html', float('nan')):.3f}"
        )
    agree, total, seen = language_agreement(pages)
    print(
        f"language: clean_text agrees with the page's <html lang> on {agree}/{total} pages "
        f"that declare one ({dict(seen.most_common())})"
    )
    if not args.skip_templates:
        without, with_ = template_experiment(pages)
        print(
            f"site templates (synthetic {SITE_PAGES}-page sites): clean_text F1 without {without.f1:.3f}"  # noqa: E501
            f" (P {without.precision:.3f}), with site_template pass {with_.f1:.3f} (P {with_.precision:.3f})"  # noqa: E501
        )
    if not args.skip_speed:
        import trafilatura

        text_rates = pass_rates(ours_text, pages, repeat=7)
        text_pps = text_rates[0]
        # Passes alternate between the two, so a slow spell of the machine hits both alike.
        html_rates: list[float] = []
        traf_rates: list[float] = []
        for _ in range(3):
            html_rates += pass_rates(ours_html, pages, repeat=1)
            traf_rates += pass_rates(
                lambda p: trafilatura.extract(p.html, url=p.url), pages, repeat=1
            )
        html_pps, traf_pps = max(html_rates), max(traf_rates)
        print(
            f"speed (one core, CPU time): clean_text {text_pps:.0f} pages/s (best of 7 passes;"
            f" median {text_rates[3]:.0f}, slowest {text_rates[-1]:.0f}); clean_html {html_pps:.1f}"
            f" pages/s vs bare trafilatura.extract {traf_pps:.1f} pages/s = {html_pps / traf_pps:.2f}x"  # noqa: E501
        )
    if args.per_page:
        args.per_page.write_text(json.dumps(per_page, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())

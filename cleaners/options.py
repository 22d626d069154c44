"""Named thresholds of the cleaners and the `CleanOptions` dataclass that groups them.

Every number a cleaner compares against lives here with a one-line reason, so a
change of behaviour is a change of one visible constant.
"""

from __future__ import annotations

from dataclasses import dataclass

MIN_BODY_WORDS = 12
"""A line of this many words with normal prose shape is body by itself (jusText's length_high ~
200 chars)."""

MIN_STOPWORD_DENSITY = 0.25
"""Prose in any language is about a third stopwords; menus and teaser titles are far below."""

SHORT_LINE_WORDS = 6
"""At or under this many words a line says too little about itself: its neighbours decide."""

PATTERN_MAX_WORDS = 25
"""Boilerplate patterns only judge lines up to this length: a long line is prose that may say
'subscribe'."""

MODEL_THRESHOLD = 0.5
"""Body probability from the line model at or above which a line is kept."""

HTML_REMOVE_SCORE = 0.2
"""On HTML, trafilatura already judged its lines content: below this body probability the
model is confident enough to remove one on its own; between this and `MODEL_THRESHOLD` a
line inside or at the edge of the body stays (see `cleaners.lines.trust_extractor`)."""

HTML_LONG_CHARS = 400
"""... and an extracted line this long is never removed on its score alone: a paragraph of
prose is what trafilatura is best at, and the model, trained on news with spaces between
words, scores some long lines (a 478-word post, a paragraph of Japanese) near zero."""

TEMPLATE_MIN_PAGES = 3
"""A line must recur on at least this many pages of a site to be site chrome, not a coincidence."""

TEMPLATE_MIN_SHARE = 0.3
"""... and on at least this share of the site's pages, so a story quoted twice is not chrome."""

TEMPLATE_BODY_WORDS = 25
"""A recurring line this long is kept anyway: chrome is short, a recurring long paragraph is
probably a standard disclaimer at worst and a syndicated body at best."""

GUARD_MIN_BODY_CHARS = 400
"""A pass that keeps at least this many characters is trusted by the over-pruning guard."""

GUARD_MIN_PROSE_CHARS = 150
"""... and pages with at least this much prose are never left empty or nearly so: a short
article (a 170-370 character brief) is still an article."""

GUARD_MIN_KEPT_SHARE = 1 / 7
"""A pass that keeps less than this share of the candidate body is distrusted (trafilatura's
1/7)."""

MAX_INPUT_CHARS = 5_000_000
"""Inputs beyond this are cut before cleaning: no article is that long, and time must stay
bounded."""

MAX_LINES = 20_000
"""A dump with more lines than this is cut: keeps classification linear and bounded."""

MAX_LINE_CHARS = 20_000
"""A single line beyond this is cut (minified script or a base64 blob, never prose)."""

MAX_HTML_DEPTH = 256
"""Element nesting beyond this is flattened before parsing: browsers cap near 512, lxml recursion
does not."""

TITLE_MAX_WORDS = 30
"""A headline longer than this is a paragraph."""

HEAD_SCAN_LINES = 40
"""Title, byline and date are looked for only among the first lines of a dump and the half
this many lines before the body starts (menus can be hundreds of lines long)."""


@dataclass(slots=True, frozen=True)
class CleanOptions:
    """Knobs of the text and HTML cleaners; the defaults are the constants above.

    Args:
        use_model: classify lines with the shipped learned model (falls back to rules if absent).
        model_threshold: body probability needed to keep a line.
        html_remove_score: on HTML, lines the model scores at least this stay in or at the
            edges of the body (the extractor judged them content).
        html_long_chars: on HTML, lines this long count as doubtful whatever their score.
        min_body_words: rule fallback: words that make a prose line body by itself.
        min_stopword_density: rule fallback: stopword share that makes a line prose.
        short_line_words: lines this short are decided by their neighbours.
        pattern_max_words: longest line a boilerplate pattern may judge.
        template_body_words: recurring lines at least this long are never site_template.
        guard_min_body_chars: a pass keeping this much is never undone by the guard.
        guard_min_prose_chars: the over-pruning guard protects pages with this much prose.
        guard_min_kept_share: a pass keeping less than this share is undone.
        language: force an ISO 639-1 code instead of detecting it.
        html_prune: drop nav/aside/footer/related blocks before trafilatura
            (`cleaners.html.prune_chrome`): the same text on 199 of 204 dev pages and the
            same F1 (trafilatura's main pass drops them anyway), a quarter less time.
    """

    use_model: bool = True
    model_threshold: float = MODEL_THRESHOLD
    html_remove_score: float = HTML_REMOVE_SCORE
    html_long_chars: int = HTML_LONG_CHARS
    min_body_words: int = MIN_BODY_WORDS
    min_stopword_density: float = MIN_STOPWORD_DENSITY
    short_line_words: int = SHORT_LINE_WORDS
    pattern_max_words: int = PATTERN_MAX_WORDS
    template_body_words: int = TEMPLATE_BODY_WORDS
    guard_min_body_chars: int = GUARD_MIN_BODY_CHARS
    guard_min_prose_chars: int = GUARD_MIN_PROSE_CHARS
    guard_min_kept_share: float = GUARD_MIN_KEPT_SHARE
    language: str | None = None
    html_prune: bool = True


DEFAULT_OPTIONS = CleanOptions()

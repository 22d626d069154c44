"""The text-dump cleaner: split -> classify_lines -> revise_labels -> guard -> Cleaned.

A text dump (innerText-style: one block per line, blank lines between blocks) has no
markup to tell the article from menus, teasers and footers, so every non-blank line
is labelled. `classify_lines` judges each line (patterns, site templates, the learned
line model or, without it, length/stopword rules); `revise_labels` uses neighbours
(a short line between body lines is body; lines under a "Recent Stories" heading
inherit its reason). Every line not kept becomes a `Removed(line_no, text, reason)`,
with `line_no` 1-based in the dump as split by `split_lines` (on \\n, \\r\\n or \\r).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import compress

import numpy as np

from cleaners.features import HEADLINE_DISTANCE_COLUMN, PageLines, features, page_stats
from cleaners.metadata import HeadInfo, find_head
from cleaners.model import STAGE1_DECIDED, current_model
from cleaners.options import (
    DEFAULT_OPTIONS,
    MAX_INPUT_CHARS,
    MAX_LINE_CHARS,
    MAX_LINES,
    CleanOptions,
)
from cleaners.templates import line_key
from schemas import Cleaned, Removed

CLEANER_NAME = "presswash-text"
CLEANER_VERSION = 1

LANGUAGE_SKIP_LINES = 40
"""On dumps longer than this, the first quarter of lines (menus) is left out of language
detection."""

SENTENCE_WORDS = 8
"""A line with a sentence end and this many words (and prose stopwords) is a sentence."""

EDGE_SCAN_LINES = 4
"""Lines looked at before the body's first kept line and after its last for a lead or a
closing sentence: a headline, byline, photo credit and share line can sit in between."""

EDGE_MIN_SCORE = 0.05
"""A sentence at the body's edge is kept unless the model is this confident it is not body."""

LANGUAGE_WORDS = 800
"""Words of a dump used to detect its language: plenty for stopword counts, and cheap."""


@dataclass(slots=True)
class Labels:
    """The verdicts on a dump's non-blank lines, as columns: row j is dump line `index[j]`.

    Columns rather than one object per line (22k lines a pass over dev): classifying,
    revising and assembling read and write whole arrays.
    """

    index: np.ndarray
    """0-based line numbers in the dump, ascending."""
    page: PageLines
    """The lines' columns (texts, word counts, pattern reasons, ...)."""
    keep: np.ndarray
    """Kept (bool per row)."""
    reason: list[str | None]
    """Why a removed row was removed (None for kept rows until `revise_labels` names it)."""
    fixed: np.ndarray
    """Set by metadata, title and template decisions and model verdicts, which revision
    must not undo (bool per row)."""
    by_rules: bool = False
    """Scored by the rule fallback rather than the model (revision then does more)."""
    score: np.ndarray | None = None
    """Body probability per row from the model (None under the rule fallback)."""
    kind: str = "text"
    """"text" for dump lines, "html" for extractor-output lines."""
    headline: np.ndarray | None = None
    """Rows that repeat the page's headline (its <title>, the dump's first line; see
    `cleaners.features` `title_overlap`), from the model's features (None under the rules)."""


def normalise_text(text: str) -> str:
    """NFC, as `trafilatura.extract` outputs: a decomposed "é" (e + combining accent) and
    a composed one are the same word for every consumer (search, dedup, n-grams).
    Line structure is untouched (NFC never merges across a newline)."""
    return text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)


def split_lines(text: str) -> list[str]:
    """Split a dump into lines, bounded in count and length (see MAX_LINES, MAX_LINE_CHARS)."""
    # str.replace/split rather than a regex split: the same lines, ~3x faster on dev.
    text = text[:MAX_INPUT_CHARS]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")[:MAX_LINES]
    if max(map(len, lines)) <= MAX_LINE_CHARS:
        return lines
    return [line[:MAX_LINE_CHARS] for line in lines]


def _rule_scores(page: PageLines, options: CleanOptions) -> np.ndarray:
    """Rule scores when no model is shipped: 1 body, 0.5 undecided (short/medium), 0 not body."""
    prose_like = page.stop_density >= options.min_stopword_density
    body = (page.words >= options.min_body_words) & prose_like
    maybe = (page.words <= options.short_line_words) | prose_like | page.sentence_end
    scores: np.ndarray = np.select([page.matched, body, maybe], [0.0, 1.0, 0.5], 0.0)
    return scores


@dataclass(slots=True)
class LineTable:
    """The non-blank lines of a dump: their indexes, columns and the page language."""

    index: np.ndarray
    page: PageLines
    language: str | None


def tabulate(
    lines: Sequence[str],
    options: CleanOptions = DEFAULT_OPTIONS,
    language: str | None = None,
    language_hint: str | None = None,
) -> LineTable:
    """Columns of the non-blank lines; the language is detected from their words (unless
    given), `language_hint` (the page's declared language) breaking near-ties."""
    filled = list(map(str.strip, lines))  # C-level maps and compress: ~3x a comprehension
    index = list(compress(range(len(lines)), filled))
    skip = len(index) // 4 if len(index) > LANGUAGE_SKIP_LINES else 0
    page, language = page_stats(
        list(compress(lines, filled)),
        options.pattern_max_words,
        language,
        sample_skip=skip,
        sample_words=LANGUAGE_WORDS,
        language_hint=language_hint,
    )
    return LineTable(np.array(index, dtype=np.int64), page, language)


def classify_lines(
    lines: Sequence[str],
    options: CleanOptions = DEFAULT_OPTIONS,
    *,
    template_lines: frozenset[str] = frozenset(),
    teaser_lines: frozenset[str] = frozenset(),
    kind: str = "text",
    table: LineTable | None = None,
) -> Labels:
    """Label every non-blank line by itself: patterns, site template, model or rules.

    Args:
        lines: all lines of the dump (blank ones are skipped, indexes kept).
        options: thresholds.
        template_lines: `line_key`s of the site's chrome (see `cleaners.templates`).
        teaser_lines: `line_key`s of other stories' teaser summaries found in the page's
            markup (see `cleaners.teasers`), removed as `related`.
        kind: "text" for dump lines, "html" for trafilatura-output lines (picks the model).
        table: `tabulate(lines)` when the caller already has it.
    """
    table = table or tabulate(lines, options)
    page = table.page
    model = current_model(kind) if options.use_model else None
    n = len(page.texts)
    if model is not None and n:
        # HTML pages have 7x fewer lines: nothing to gain there, so their scores stay exact.
        decided = STAGE1_DECIDED if kind == "text" else 0.0
        x = features(page)
        scores = model.predict_proba(x, needed=~page.matched, decided=decided)
        headline = x[:, HEADLINE_DISTANCE_COLUMN] == 0.0
        headline[:1] = False  # the <title> itself
        threshold = options.model_threshold
    else:
        scores = _rule_scores(page, options)
        headline = None
        threshold = 1.0
    by_model = model is not None
    # Positive evidence of chrome besides the patterns: the site's template lines and the
    # page's teaser cards. Decided first, so the extractor's doubtful lines are never kept
    # for adjoining them (see `trust_extractor`).
    marked: dict[int, str] = {}
    if template_lines:
        for j in np.flatnonzero(page.words < options.template_body_words).tolist():
            if line_key(page.texts[j]) in template_lines:
                marked[j] = "site_template"
    if teaser_lines:
        for j, text in enumerate(page.texts):
            if j not in marked and not page.matched[j] and line_key(text) in teaser_lines:
                marked[j] = "related"
    evidence = page.matched.copy()
    evidence[list(marked)] = True
    # A pattern match removes the line whatever the score: on dev, 15 of 4,421
    # pattern-matched lines were body, so the patterns are the stronger signal.
    keep = (scores >= threshold) & ~evidence
    if kind == "html" and by_model:
        doubtful = (scores >= options.html_remove_score) | (page.chars >= options.html_long_chars)
        keep = trust_extractor(keep, doubtful, ~evidence, page.words == 0)
    reason = [None if k else r for k, r in zip(keep.tolist(), page.reasons, strict=True)]
    # Model verdicts are final; rules leave undecided (0.5) lines to revision.
    fixed = np.ones(n, dtype=bool) if by_model else scores != 0.5
    for j, why in marked.items():
        reason[j], fixed[j] = why, True
    return Labels(
        table.index,
        page,
        keep,
        reason,
        fixed,
        by_rules=not by_model,
        score=scores if by_model else None,
        kind=kind,
        headline=headline,
    )


def trust_extractor(
    keep: np.ndarray, doubtful: np.ndarray, eligible: np.ndarray, empty: np.ndarray
) -> np.ndarray:
    """Keep the lines of an extractor's output that the model only doubts, where they sit in
    or at the edge of the body.

    trafilatura already judged every line it output to be content; the line model is there
    for the teasers and chrome it lets through. A line it scores low but not confidently
    low (`doubtful`: a headline, kicker or lead just before the first kept line, a closing
    line or sign-off just after the last, a short subheading or list item between kept
    lines) is not evidence of chrome, so it stays: inside the span of kept lines, and in
    the unbroken runs of doubtful lines adjoining it (`empty` lines, with no word, neither
    break a run nor are kept by it). `eligible` rules out lines with positive evidence (a
    pattern or site template). Returns the new keep column.
    """
    kept = np.flatnonzero(keep)
    if not kept.size:
        return keep
    soft = doubtful & eligible & ~empty
    out = keep.copy()
    first, last = int(kept[0]), int(kept[-1])
    out[first:last] |= soft[first:last]
    for j in range(first - 1, -1, -1):
        if not (soft[j] or empty[j]):
            break
        out[j] |= soft[j]
    for j in range(last + 1, len(out)):
        if not (soft[j] or empty[j]):
            break
        out[j] |= soft[j]
    return out


def sentence_lines(page: PageLines, options: CleanOptions) -> np.ndarray:
    """Lines that read as a full sentence of prose: a sentence end, `SENTENCE_WORDS` words,
    and a prose share of stopwords (bool per row)."""
    shaped: np.ndarray = (
        page.sentence_end
        & (page.words >= SENTENCE_WORDS)
        & (page.stop_density >= options.min_stopword_density)
    )
    return shaped


def keep_edge_sentences(labels: Labels, options: CleanOptions) -> None:
    """Keep the full sentences just outside the kept body that nothing but a weak score removed.

    A dump's lead paragraph sits between the headline, a byline, a photo credit and share
    lines, and its closing line before the sign-off and the footer: their neighbours pull the
    model's score down, though nothing says they are chrome. So among the `EDGE_SCAN_LINES`
    lines before the first kept line and after the last, a sentence (see `sentence_lines`)
    with no pattern, template or head verdict and a score of at least `EDGE_MIN_SCORE` is
    kept. Revises `labels` in place.
    """
    keep, reason, score = labels.keep, labels.reason, labels.score
    kept = np.flatnonzero(keep)
    if not kept.size or score is None:
        return
    sentence = sentence_lines(labels.page, options)
    first, last = int(kept[0]), int(kept[-1])
    around = [
        *range(first - 1, max(-1, first - 1 - EDGE_SCAN_LINES), -1),
        *range(last + 1, min(len(keep), last + 1 + EDGE_SCAN_LINES)),
    ]
    for j in around:
        if sentence[j] and reason[j] is None and score[j] >= EDGE_MIN_SCORE:
            keep[j] = True


LEAD_SCAN_LINES = 4
"""Lines looked at below a repeat of the page's headline for the article's first sentence
(a byline, a date, a photo credit or a "Filed Under" line can sit in between)."""

LEAD_MIN_SENTENCES = 2
"""Sentences in a row below the headline that make an article's opening. One alone is as
often the standfirst (a summary the article bodies of both dev sets leave out) or a site's
description as it is the lead."""


def keep_lead_after_headline(labels: Labels, options: CleanOptions) -> None:
    """Keep the article's opening paragraphs just below a repeat of its headline.

    An article starts right below its headline and byline. When the model keeps a teaser
    river elsewhere and drops the article, the opening is a run of full sentences (see
    `sentence_lines`) below the headline that nothing but a weak score removed. So within
    `LEAD_SCAN_LINES` lines below each headline repeat (`Labels.headline`), the first
    sentence opens a run of consecutive sentences with no pattern, template or head verdict
    and a score of at least `EDGE_MIN_SCORE`; a run of `LEAD_MIN_SENTENCES` or more is kept.
    Nothing happens where a kept line or another headline comes first (the body already
    starts there). Revises `labels` in place.
    """
    keep, reason, score, headline = labels.keep, labels.reason, labels.score, labels.headline
    if score is None or headline is None or not headline.any():
        return
    sentence = sentence_lines(labels.page, options)
    n = len(keep)
    for h in np.flatnonzero(headline).tolist():
        for j in range(h + 1, min(n, h + 1 + LEAD_SCAN_LINES)):
            if keep[j] or headline[j]:
                break
            if not sentence[j]:
                continue
            end = j
            while (
                end < n
                and sentence[end]
                and not keep[end]
                and reason[end] is None
                and score[end] >= EDGE_MIN_SCORE
            ):
                end += 1
            if end - j >= LEAD_MIN_SENTENCES:
                keep[j:end] = True
            break


def _close_teaser_blocks(labels: Labels, options: CleanOptions) -> None:
    """Rules only: under a section heading, only long prose reopens the body."""
    header: str | None = None
    keep, headers, words = labels.keep, labels.page.headers, labels.page.words
    for j in range(len(keep)):
        if headers[j] is not None:
            header = headers[j]
        elif header and keep[j] and words[j] < 2 * options.min_body_words:
            keep[j] = False
        elif keep[j]:
            header = None


def revise_labels(labels: Labels, options: CleanOptions = DEFAULT_OPTIONS) -> Labels:
    """Decide undecided lines from their neighbours and name every removal's reason.

    A short or medium line is kept when the nearest decided lines on both sides are kept
    (or one side is kept and it has prose-like stopword density). A removed line with no
    pattern reason is named by `name_reasons`. Revises `labels` in place.
    """
    keep, page = labels.keep, labels.page
    decided = np.flatnonzero(labels.fixed)
    for j in np.flatnonzero(~labels.fixed).tolist():
        at = int(np.searchsorted(decided, j))
        left = at > 0 and bool(keep[decided[at - 1]])
        right = at < len(decided) and bool(keep[decided[at]])
        prose_like = page.stop_density[j] >= options.min_stopword_density
        keep[j] = (left and right) or ((left or right) and prose_like and page.words[j] > 2)
    if labels.by_rules:
        _close_teaser_blocks(labels, options)
    elif labels.kind == "text":
        keep_edge_sentences(labels, options)
        keep_lead_after_headline(labels, options)
    name_reasons(labels, options)
    return labels


def _table_row(text: str) -> bool:
    """A row of a table as extractors and dumps render one ("| a | b |")."""
    return text.startswith("|") and text.endswith("|")


BLOCK_ENDING_REASONS = frozenset(["navigation", "footer", "subscribe", "comments"])
"""A line removed for one of these ends the block a section heading opened: the lines after
"About Us | Contact Us" are not more of the "Recent Stories" above it."""


def name_reasons(labels: Labels, options: CleanOptions = DEFAULT_OPTIONS) -> None:
    """Give every removed line a reason that is true of it. Revises `labels` in place.

    A line with no pattern reason takes the reason of the block it sits in: the section
    heading above it ("Recent Stories" -> recent_stories) until a kept line or a line of
    another kind (`BLOCK_ENDING_REASONS`) ends the block (a comments heading above the body
    is a count or a link, and opens none); after the body, a footer line
    (copyright, privacy links) opens the page's footer, and what follows is `footer`.
    Outside any block it is `navigation` before the first body line of a dump unless it is
    a full sentence (a menu is not prose) or a table row, else `boilerplate`. A sentence
    that a navigation pattern matched is `boilerplate` too.
    """
    keep, page, reason = labels.keep, labels.page, labels.reason
    kept = np.flatnonzero(keep)
    first_body = int(kept[0]) if kept.size else len(keep)
    last_body = int(kept[-1]) if kept.size else -1
    block: str | None = None
    headers, texts = page.headers, page.texts
    sentence = sentence_lines(page, options).tolist()
    # A dump's lines before the body are mostly menus; an extractor's are the headline,
    # kicker, captions or a table it kept (it drops <nav> itself): those are not menus.
    menus = labels.kind == "text"
    for j, k in enumerate(keep.tolist()):
        if k:
            block = None
            continue
        own = reason[j]
        if headers[j] is not None:
            # Above the body, "2 responses" or "Comments (3)" is the byline's count or a link
            # to the comments, which come after the article: it opens no comments block.
            block = None if headers[j] == "comments" and j < first_body else headers[j]
        elif own in BLOCK_ENDING_REASONS and own != block:
            block = "footer" if own == "footer" and j > last_body else None
        if own is None:
            menu = menus and j < first_body and not sentence[j] and not _table_row(texts[j])
            reason[j] = block or ("navigation" if menu else "boilerplate")
        elif own == "navigation" and sentence[j]:
            reason[j] = "boilerplate"


GUARD_KEEPS_REMOVED = frozenset(["site_template", "metadata", "duplicate_title"])
"""Reasons the guard does not undo: the site's template and the head found by `find_head`."""

GIVEN_REASONS = GUARD_KEEPS_REMOVED | {"related"}
"""Reasons set by evidence before revision (those above and the page's teaser cards): the
guard's re-naming keeps them."""


def _guard(labels: Labels, options: CleanOptions) -> tuple[Labels, tuple[str, ...]]:
    """Undo the classifier when it kept almost nothing of a page with a prose body.

    "Almost nothing" is relative (under `guard_min_kept_share` of the prose) and absolute
    (under `guard_min_body_chars`): a short article among long teasers is not a failure.
    Pages with `guard_min_prose_chars` of prose are protected, so a brief of two
    sentences never comes out empty.
    """
    chars = labels.page.chars
    kept_chars = int(chars[labels.keep].sum())
    if kept_chars >= options.guard_min_body_chars:
        return labels, ()  # the common case
    prose = labels.page.prose
    prose_chars = int(chars[prose].sum())
    if (
        prose_chars < options.guard_min_prose_chars
        or kept_chars >= options.guard_min_kept_share * prose_chars
        or kept_chars >= options.guard_min_body_chars
    ):
        return labels, ()
    for j in np.flatnonzero(prose).tolist():
        if labels.reason[j] not in GUARD_KEEPS_REMOVED:
            labels.keep[j], labels.reason[j] = True, None
    # The other removed lines were named against a page with no body ("navigation" before
    # its first body line); the body is now the prose kept above, so they are named again.
    pattern_reasons = labels.page.reasons
    for j in np.flatnonzero(~labels.keep).tolist():
        if pattern_reasons[j] is None and labels.reason[j] not in GIVEN_REASONS:
            labels.reason[j] = None
    name_reasons(labels, options)
    note = (
        f"guard: line classifier kept {kept_chars} of {prose_chars} prose chars "
        f"(< {options.guard_min_kept_share:.2f}); kept every prose line instead"
    )
    return labels, (note,)


def apply_head(labels: Labels, head: HeadInfo) -> None:
    """Remove the headline repeats and byline/dateline lines found by `find_head`."""
    if not head.title_lines and not head.meta_lines:
        return
    index = labels.index
    for lines, reason in ((head.meta_lines, "metadata"), (head.title_lines, "duplicate_title")):
        for i in lines:
            j = int(np.searchsorted(index, i))
            if j < len(index) and index[j] == i:
                labels.keep[j], labels.reason[j], labels.fixed[j] = False, reason, True


def label_dump(
    lines: Sequence[str],
    options: CleanOptions,
    *,
    language: str | None,
    template_lines: frozenset[str],
    url: str | None,
    teaser_lines: frozenset[str] = frozenset(),
    find_metadata: bool = True,
    kind: str = "text",
    language_hint: str | None = None,
    table: LineTable | None = None,
) -> tuple[Labels, HeadInfo, tuple[str, ...], str | None]:
    """Classify, revise and guard the lines of one dump; find its head metadata and language.

    `table` is `tabulate(lines, options, language, language_hint)` when the caller has it
    (labelling the same lines again with another template); it is only read.
    """
    table = table if table is not None else tabulate(lines, options, language, language_hint)
    labels = classify_lines(
        lines,
        options,
        template_lines=template_lines,
        teaser_lines=teaser_lines,
        kind=kind,
        table=table,
    )
    # With no body line kept, the guard below restores the page's prose: the head ends
    # where that prose starts, else a body paragraph could be taken for the headline.
    body_idx = labels.index[labels.keep & table.page.prose].tolist() or (
        labels.index[table.page.prose].tolist()
    )
    first_body = body_idx[0] if body_idx else len(lines)
    if find_metadata:
        chrome = set(labels.index[[r == "site_template" for r in labels.reason]].tolist())
        head_lines = (
            ["" if i in chrome else line for i, line in enumerate(lines)] if chrome else lines
        )
        head = find_head(
            head_lines,
            first_body,
            url,
            body_end=body_idx[-1] if body_idx else None,
            exclude=frozenset(labels.index[table.page.matched].tolist()),
            headlines=labels.index[labels.headline].tolist() if labels.headline is not None else (),
        )
    else:
        head = HeadInfo()
    apply_head(labels, head)
    labels = revise_labels(labels, options)
    labels, notes = _guard(labels, options)
    return labels, head, notes, table.language


def assemble(labels: Labels) -> tuple[str, tuple[Removed, ...]]:
    """Join kept lines as paragraphs (blank line between) and list the removed ones."""
    texts, reason, index = labels.page.texts, labels.reason, labels.index.tolist()
    body = "\n\n".join(compress(texts, labels.keep.tolist()))
    removed = tuple(
        Removed(index[j] + 1, texts[j], reason[j] or "boilerplate")
        for j in np.flatnonzero(~labels.keep).tolist()
    )
    return body, removed


def clean_text(
    text: str,
    *,
    url: str | None = None,
    options: CleanOptions | None = None,
    template_lines: frozenset[str] = frozenset(),
    site_template: Callable[[Cleaned], frozenset[str]] | None = None,
) -> Cleaned:
    """Clean an innerText-style dump of a news page into its article body and metadata.

    Args:
        text: the dump; lines are split on \\n, \\r\\n or \\r, numbered from 1.
        url: the page URL when known (fills `url` and `site`).
        options: thresholds; `CleanOptions()` when None.
        template_lines: keys of the site's chrome lines, removed as `site_template`.
        site_template: for a page whose site is only known once it is cleaned: given the
            page cleaned with `template_lines`, the template to clean it with instead
            (empty: that result stands). The lines are then labelled again from the same
            line table, most of a clean's cost (the result is `clean_text` with that
            template, `test_labelling_again_with_a_template_is_cleaning_with_it`).
    """
    options = options or DEFAULT_OPTIONS
    if not isinstance(text, str):
        text = str(text)
    lines = split_lines(normalise_text(text))
    table = tabulate(lines, options, options.language)
    cleaned = _cleaned_dump(lines, table, options, template_lines, url)
    if site_template is not None and (template := site_template(cleaned)):
        cleaned = _cleaned_dump(lines, table, options, template, url)
    return cleaned


def _cleaned_dump(
    lines: Sequence[str],
    table: LineTable,
    options: CleanOptions,
    template_lines: frozenset[str],
    url: str | None,
) -> Cleaned:
    labels, head, notes, language = label_dump(
        lines, options, language=options.language, template_lines=template_lines, url=url,
        table=table,
    )
    body, removed = assemble(labels)
    return Cleaned(
        text=body,
        title=head.title,
        author=head.author,
        published_at=head.published_at,
        site=head.site,
        site_name=head.site_name,
        url=url,
        language=language,
        removed=removed,
        cleaner=f"{CLEANER_NAME}/{CLEANER_VERSION}",
        notes=notes,
    )

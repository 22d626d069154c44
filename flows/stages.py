"""The pipeline's stages as plain functions over batches; `flows.tasks` wraps each one.

Kept free of Prefect so every stage can be run and tested on its own. Each stage takes
a whole batch: per-document overhead would otherwise dominate.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import fields, replace
from pathlib import Path

from cleaners import clean
from cleaners.dedup import signatures
from cleaners.metadata import site_key
from cleaners.templates import (
    TEMPLATE_SAMPLE_PAGES,
    find_template_lines,
    key_hashes,
    short_line_keys,
    template_sample,
)
from cleaners.wordcount import count_words
from flows import readers
from flows.dedup import forget_articles, signature_scheme
from flows.readers.spans import Span
from schemas import Article, Batch, Cleaned, PageKeys, RawDocument, Reject, Signature
from warehouse import Warehouse, dedup
from warehouse import templates as templates_db
from warehouse.templates import CheckedPage


def discover(
    paths: Sequence[str | Path], *, follow_symlinks: bool = False
) -> tuple[list[Path], list[Reject]]:
    """Expand input paths into files; missing or unreadable paths become rejects, and so
    do links out of the inputs (`outside_input`) unless `follow_symlinks`."""
    return readers.discover(paths, follow_symlinks=follow_symlinks)


def read_files(
    files: Iterable[Path | Span], *, max_bytes: int
) -> tuple[list[RawDocument | Reject], Counter[str]]:
    """Read and decode every unit in these files or pieces of files; returns the units
    and, by kind, those a reader skipped by design (WARC request/metadata records, WET
    warcinfo)."""
    tally = readers.Tally()
    units: list[RawDocument | Reject] = []
    for piece in files:
        span = piece if isinstance(piece, Span) else Span(str(piece))
        units.extend(readers.read_file(
            Path(span.path), max_bytes=max_bytes, tally=tally,
            first=span.first, stop=span.stop, mark=span.mark,
        ))
    return units, tally.skipped


SUPPLIED_FIELDS = ("title", "published_at", "site_name", "url")
"""Article fields an input can supply itself (JSONL fields, WARC headers): what the input
says wins over what the cleaner guessed from the page. The site key is not among them: it
follows from the URL (`cleaners.metadata.site_key`), see `to_article`."""


def to_article(doc: RawDocument, cleaned: Cleaned) -> Article:
    """The cleaner's findings under the metadata the input supplied (JSONL/WARC fields).

    Every `Article` field the cleaner also reports is taken from it by name, so a new field
    in both records needs no edit here. The site is `site_key` of the article's URL (the
    input's, else the page's canonical); without one, the input's own site name (`doc.site`
    holds its key), else the cleaner's.
    """
    found = {f.name: getattr(cleaned, f.name) for f in fields(Article) if hasattr(cleaned, f.name)}
    supplied = {name: getattr(doc, name) for name in SUPPLIED_FIELDS}
    found.update({name: value for name, value in supplied.items() if value})
    found.update(site=article_site(doc, cleaned))
    return Article(
        **found,
        doc_id=doc.doc_id,
        n_words=count_words(cleaned.text),
        removed_lines=len(cleaned.removed),
    )


def article_site(doc: RawDocument, cleaned: Cleaned) -> str | None:
    """The site key of the article a document cleans to (see `to_article`)."""
    return site_key(doc.url or cleaned.url, doc.site, cleaned.site)


def clean_documents(
    docs: Sequence[RawDocument],
    template_lines: frozenset[str] = frozenset(),
    templates: Mapping[str, frozenset[str]] | None = None,
) -> tuple[list[tuple[RawDocument, Article, Cleaned]], list[Reject], list[PageKeys]]:
    """Clean each document; one with no article text left is a `no_content` reject.

    With `templates` (site -> stored template keys; the first cleaning of new documents),
    a text page is cleaned with its site's template once its site is known, and its
    `PageKeys` are returned for the template check; else every page is cleaned with
    `template_lines` (the check's own re-cleaning) and no keys are returned.
    """
    kept: list[tuple[RawDocument, Article, Cleaned]] = []
    rejects: list[Reject] = []
    found: list[PageKeys] = []
    for doc in docs:
        if templates is None or doc.markup != "text":
            keys = None
            cleaned = clean(
                doc.raw_text, fmt=doc.markup, url=doc.url, template_lines=template_lines
            )
        else:
            cleaned, keys = _clean_text_page(doc, templates)
        if not cleaned.text.strip():
            rejects.append(Reject(
                source_uri=doc.source_uri,
                reason="no_content",
                detail=f"no article text after cleaning ({len(cleaned.removed)} lines removed)",
                raw_bytes=doc.raw_bytes,
                content_sha256=doc.doc_id,
            ))
            continue
        article = to_article(doc, cleaned)
        kept.append((doc, article, cleaned))
        if keys is not None and article.site:
            found.append(keys)
    return kept, rejects, found


def _clean_text_page(
    doc: RawDocument, templates: Mapping[str, frozenset[str]]
) -> tuple[Cleaned, PageKeys]:
    """Clean a new text page with the template of its site, found by cleaning it (the
    lines are labelled again, `cleaners.lines.clean_text`), when the page holds any of
    that template's keys; and its keys, for the template check."""
    keys = short_line_keys(doc.raw_text)
    applied: set[str] = set()

    def site_template(cleaned: Cleaned) -> frozenset[str]:
        template = templates.get(article_site(doc, cleaned) or "", frozenset())
        applied.update(keys & template)
        return template if applied else frozenset()

    cleaned = clean(doc.raw_text, fmt="text", url=doc.url, site_template=site_template)
    return cleaned, PageKeys(doc.doc_id, key_hashes(keys), key_hashes(applied))


def sign_texts(doc_ids: Sequence[str], texts: Sequence[str]) -> list[Signature]:
    """MinHash signatures for a batch at once (the signer is vectorised over the batch)."""
    if not texts:
        return []
    sigs, sizes = signatures(list(texts))
    return dedup.signature_records(doc_ids, sigs, sizes, signature_scheme())


def sign_articles(articles: Sequence[Article]) -> list[Signature]:
    return sign_texts([a.doc_id for a in articles], [a.text for a in articles])


def clean_units(
    units: Sequence[RawDocument | Reject],
    known: set[str],
    templates: Mapping[str, frozenset[str]] | None = None,
) -> Batch:
    """Turn read units into one loadable batch; documents already loaded are not cleaned.

    `templates`: the stored templates of sites these pages may be from; a text page of
    one is cleaned with it (the template check then has nothing to redo for it).
    """
    batch = Batch()
    todo: dict[str, RawDocument] = {}
    for unit in units:
        if isinstance(unit, Reject):
            batch.rejects.append(unit)
        elif unit.doc_id in known:
            batch.documents.append(unit)
        else:
            todo.setdefault(unit.doc_id, unit)
    kept, rejects, batch.page_keys = clean_documents(
        list(todo.values()), templates=templates or {}
    )
    rejected = {r.content_sha256: r for r in rejects}
    for unit in units:
        if not isinstance(unit, RawDocument) or unit.doc_id not in todo:
            continue
        if unit.doc_id in rejected:  # every copy of an empty page is a reject of its own
            batch.rejects.append(replace(rejected[unit.doc_id], source_uri=unit.source_uri))
        else:
            batch.documents.append(unit)
    for _doc, article, cleaned in kept:
        batch.articles.append(article)
        batch.removed.extend((article.doc_id, r) for r in cleaned.removed)
    batch.signatures = sign_articles(batch.articles)
    return batch


TEMPLATE_CHECK_CHUNK = 1000
"""Pending pages of one site checked per transaction: bounds memory when a site has many
(the first run after an upgrade checks every old page), and a killed run loses at most this."""


def apply_templates(wh: Warehouse) -> int:
    """Finish every pending site-template check, whichever run left it; returns re-cleaned.

    A site's template is learned from a bounded sample of its text pages (the
    `TEMPLATE_SAMPLE_PAGES` smallest doc_ids), so it does not depend on arrival order and
    learning costs the same however big the site is. A pending page is re-cleaned only if
    the template holds other of its lines than those it was cleaned with (a worker cleans
    a page with its site's template as it knew it, `clean_documents`), and when the
    template changes, only the checked pages holding a line that was added or dropped
    are; both are found from line-key hashes (the pending page's from its cleaning).
    """
    con = wh.con
    by_site: dict[str, list[templates_db.PendingCheck]] = {}
    nothing_to_do: list[str] = []
    for check in templates_db.pending_checks(con):
        if check.site and check.markup == "text":
            by_site.setdefault(check.site, []).append(check)
        else:
            nothing_to_do.append(check.doc_id)
    if nothing_to_do:
        templates_db.finish_checks(con, nothing_to_do)
    n = 0
    for site, checks in by_site.items():
        for start in range(0, len(checks), TEMPLATE_CHECK_CHUNK):
            n += _check_site(wh, site, checks[start : start + TEMPLATE_CHECK_CHUNK])
    return n


def checked_pages(docs: Sequence[RawDocument]) -> list[CheckedPage]:
    """The `template_pages` rows of these documents (text pages with a site)."""
    return [
        CheckedPage(d.doc_id, d.site, key_hashes(short_line_keys(d.raw_text)))
        for d in docs
        if d.site and d.markup == "text"
    ]


def mark_template_checked(wh: Warehouse, docs: Sequence[RawDocument]) -> None:
    """Record these documents' template checks as done, without re-cleaning any.

    For loaders that write the warehouse state directly (`bench/scale.py`'s filler, which
    has no chrome): the stage then treats them as pages it has already checked.
    """
    templates_db.finish_checks(wh.con, [d.doc_id for d in docs], pages=checked_pages(docs))


def _check_site(wh: Warehouse, site: str, pending: Sequence[templates_db.PendingCheck]) -> int:
    con = wh.con
    ids = [c.doc_id for c in pending]
    rows = {d.doc_id: d for d in templates_db.raw_documents(
        con, [c.doc_id for c in pending if c.line_hashes is None]  # rows of older runs
    )}
    page_hashes = {
        c.doc_id: c.line_hashes if c.line_hashes is not None
        else key_hashes(short_line_keys(rows[c.doc_id].raw_text))
        for c in pending
    }
    old_sample = templates_db.sample_ids(con, site, TEMPLATE_SAMPLE_PAGES)
    sample = template_sample([*old_sample, *ids])
    old_keys = templates_db.site_template(con, site)
    keys = old_keys
    if sample != old_sample:
        missing = [doc_id for doc_id in sample if doc_id not in rows]
        rows.update({d.doc_id: d for d in templates_db.raw_documents(con, missing)})
        keys = set(find_template_lines([rows[doc_id].raw_text for doc_id in sample]))
    changed = keys ^ old_keys
    template = set(key_hashes(keys))
    # cleaned with the template's lines it holds, else again (a hash may collide: that
    # only re-cleans a page to the same article)
    todo = [
        c.doc_id for c in pending
        if set(c.applied or ()) != template.intersection(page_hashes[c.doc_id])
    ]
    if changed:
        hits = templates_db.pages_holding(con, site, key_hashes(changed))
        for d in templates_db.raw_documents(con, hits):  # a hash may collide: check the keys
            if short_line_keys(d.raw_text) & changed:
                rows[d.doc_id] = d
                todo.append(d.doc_id)
    todo = list(dict.fromkeys(todo))
    missing = [doc_id for doc_id in todo if doc_id not in rows]
    rows.update({d.doc_id: d for d in templates_db.raw_documents(con, missing)})
    kept, _, _ = clean_documents([rows[doc_id] for doc_id in todo], frozenset(keys))
    batch = Batch(articles=[a for _, a, _ in kept])
    for _doc, article, cleaned in kept:
        batch.removed.extend((article.doc_id, r) for r in cleaned.removed)
    batch.signatures = sign_articles(batch.articles)
    pages = [CheckedPage(doc_id, site, hashes) for doc_id, hashes in page_hashes.items()]
    templates_db.finish_checks(
        con,
        ids,
        pages=pages,
        recleaned=batch,
        template=(site, keys) if changed else None,
        forget=forget_articles,
    )
    return len(batch.articles)

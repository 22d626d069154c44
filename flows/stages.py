"""The pipeline's stages as plain functions over batches; `flows.tasks` wraps each one.

Kept free of Prefect so every stage can be run and tested on its own. Each stage takes
a whole batch: per-document overhead would otherwise dominate.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path

from cleaners import clean
from cleaners.dedup import signatures
from cleaners.options import TEMPLATE_MIN_PAGES
from cleaners.templates import find_template_lines
from flows import readers
from flows.dedup import forget_articles, signature_scheme
from schemas import Article, Batch, Cleaned, RawDocument, Reject, Signature
from warehouse import Warehouse, dedup


def discover(
    paths: Sequence[str | Path], *, follow_symlinks: bool = False
) -> tuple[list[Path], list[Reject]]:
    """Expand input paths into files; missing or unreadable paths become rejects, and so
    do links out of the inputs (`outside_input`) unless `follow_symlinks`."""
    return readers.discover(paths, follow_symlinks=follow_symlinks)


def read_files(
    files: Iterable[Path], *, max_bytes: int
) -> tuple[list[RawDocument | Reject], int]:
    """Read and decode every unit in these files; returns the units and how many a
    reader skipped by design (WARC request/metadata records)."""
    tally = readers.Tally()
    units: list[RawDocument | Reject] = []
    for path in files:
        units.extend(readers.read_file(path, max_bytes=max_bytes, tally=tally))
    return units, sum(tally.skipped.values())


def to_article(doc: RawDocument, cleaned: Cleaned) -> Article:
    """Merge the cleaner's findings with the hints the reader had (JSONL/WARC fields)."""
    return Article(
        doc_id=doc.doc_id,
        text=cleaned.text,
        title=cleaned.title or doc.title,
        author=cleaned.author,
        published_at=cleaned.published_at or doc.published_at,
        site=doc.site or cleaned.site,
        url=doc.url or cleaned.url,
        language=cleaned.language,
        n_words=len(cleaned.text.split()),
        cleaner=cleaned.cleaner,
        removed_lines=len(cleaned.removed),
    )


def clean_documents(
    docs: Sequence[RawDocument], template_lines: frozenset[str] = frozenset()
) -> tuple[list[tuple[RawDocument, Article, Cleaned]], list[Reject]]:
    """Clean each document; one with no article text left is a `no_content` reject."""
    kept: list[tuple[RawDocument, Article, Cleaned]] = []
    rejects: list[Reject] = []
    for doc in docs:
        cleaned = clean(doc.raw_text, fmt=doc.markup, url=doc.url, template_lines=template_lines)
        if not cleaned.text.strip():
            rejects.append(Reject(
                source_uri=doc.source_uri,
                reason="no_content",
                detail=f"no article text after cleaning ({len(cleaned.removed)} lines removed)",
                raw_bytes=doc.raw_bytes,
                content_sha256=doc.doc_id,
            ))
            continue
        kept.append((doc, to_article(doc, cleaned), cleaned))
    return kept, rejects


def sign_texts(doc_ids: Sequence[str], texts: Sequence[str]) -> list[Signature]:
    """MinHash signatures for a batch at once (the signer is vectorised over the batch)."""
    if not texts:
        return []
    sigs, sizes = signatures(list(texts))
    scheme = signature_scheme()
    return [
        Signature(doc_id, sigs[i].astype(dedup.SIGNATURE_DTYPE).tobytes(), int(sizes[i]), scheme)
        for i, doc_id in enumerate(doc_ids)
    ]


def sign_articles(articles: Sequence[Article]) -> list[Signature]:
    return sign_texts([a.doc_id for a in articles], [a.text for a in articles])


def clean_units(units: Sequence[RawDocument | Reject], known: set[str]) -> Batch:
    """Turn read units into one loadable batch; documents already loaded are not cleaned."""
    batch = Batch()
    todo: dict[str, RawDocument] = {}
    for unit in units:
        if isinstance(unit, Reject):
            batch.rejects.append(unit)
        elif unit.doc_id in known:
            batch.documents.append(unit)
        else:
            todo.setdefault(unit.doc_id, unit)
    kept, rejects = clean_documents(list(todo.values()))
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


def reclean_sites(wh: Warehouse, sites: Sequence[str]) -> int:
    """Learn each site's template from all its pages and re-clean pages it changes.

    The template is learned from every page of the site in the warehouse, so quality
    grows with the data, and the final articles do not depend on the order in which
    pages arrived. Returns how many articles were re-cleaned.
    """
    by_site: dict[str, list[dict[str, object]]] = {}
    for row in wh.site_documents(sites, markup="text").to_pylist():
        by_site.setdefault(str(row["site_key"]), []).append(row)
    n = 0
    for site, rows in by_site.items():
        if len(rows) < TEMPLATE_MIN_PAGES:
            continue
        keys = set(find_template_lines([str(r["raw_text"]) for r in rows]))
        if keys == wh.site_templates(site):
            continue
        kept, _ = clean_documents([_row_to_document(r) for r in rows], frozenset(keys))
        batch = Batch(articles=[a for _, a, _ in kept])
        for _doc, article, cleaned in kept:
            batch.removed.extend((article.doc_id, r) for r in cleaned.removed)
        batch.signatures = sign_articles(batch.articles)
        wh.replace_articles(batch, {site: keys}, forget_articles)
        n += len(batch.articles)
    return n


def _row_to_document(row: dict[str, object]) -> RawDocument:
    return RawDocument(
        doc_id=str(row["doc_id"]),
        source_uri=str(row["source_uri"]),
        format=row["format"],  # type: ignore[arg-type]
        markup=row["markup"],  # type: ignore[arg-type]
        raw_bytes=b"",
        raw_text=str(row["raw_text"]),
        encoding=str(row["encoding"]),
        url=row["url"],  # type: ignore[arg-type]
        site=row["site"],  # type: ignore[arg-type]
    )

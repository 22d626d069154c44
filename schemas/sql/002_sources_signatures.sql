-- Schema version 2: what incremental dedup and exact accounting need.
--  * sources: every input unit that resolved to a document. Two paths with the same bytes
--    are one document but two sources, so no input is lost from the accounting.
--  * signatures: MinHash signature and shingle count per article, so a later run compares
--    its new articles against every earlier one without recomputing old signatures.
--  * documents.markup: html or text, so a document can be cleaned again later.
--  * site_templates: lines learned as a site's chrome from its pages.

-- What the cleaner must treat a document as (html/text); `format` is only its container.
ALTER TABLE documents ADD COLUMN IF NOT EXISTS markup VARCHAR;
UPDATE documents SET markup = CASE WHEN format IN ('html', 'warc') THEN 'html' ELSE 'text' END
WHERE markup IS NULL;

CREATE TABLE IF NOT EXISTS sources (
    source_uri  VARCHAR NOT NULL,
    doc_id      VARCHAR NOT NULL,
    run_id      VARCHAR NOT NULL,
    seen_at     TIMESTAMP NOT NULL,
    PRIMARY KEY (source_uri, doc_id)
);

INSERT OR IGNORE INTO sources
SELECT source_uri, doc_id, run_id, ingested_at FROM documents;

CREATE TABLE IF NOT EXISTS signatures (
    doc_id      VARCHAR PRIMARY KEY,
    minhash     BLOB NOT NULL,
    n_shingles  INTEGER NOT NULL,
    scheme      VARCHAR NOT NULL            -- signatures compare only within one scheme
);

CREATE TABLE IF NOT EXISTS site_templates (
    site      VARCHAR NOT NULL,
    line_key  VARCHAR NOT NULL,
    PRIMARY KEY (site, line_key)
);

INSERT INTO schema_version (version) VALUES (2);

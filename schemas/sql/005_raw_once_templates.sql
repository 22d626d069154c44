-- Schema version 5: the raw input stored once, supplied metadata kept, templates exactly once.
--
--  * documents.raw_text is a VIRTUAL generated column: DuckDB derives it from raw_bytes
--    (which it stores ZSTD-compressed) whenever the bytes are UTF-8, or, for a JSONL record,
--    from the record's `html`/`text` field. Only a text SQL cannot derive that way (a cp1252
--    or Shift-JIS page, a record DuckDB's JSON reader reads differently) is kept, in
--    `stored_text`; the loader decides by comparing, so `raw_text` is always exactly what
--    the reader decoded. Until v4 every page was stored twice (bytes and text), which was
--    about half of the database.
--  * documents.title / published_at / language: what the input itself supplied (a JSONL
--    field, a WARC header, a WET record's WARC-Identified-Content-Language), as given, so
--    re-cleaning a page for its site template keeps them.
--  * template_pending: documents whose site-template check has not finished. The loader adds
--    each new document in the same transaction as the document itself, and the template stage
--    removes it in the same transaction as its result, so a run killed in between leaves the
--    row behind and the next run finishes the check.
--  * template_pages: each checked text page of a site with the hashes of its short line keys,
--    so a template change finds the pages it touches without re-reading the site.

CREATE OR REPLACE MACRO raw_text_of(fmt, markup, raw) AS
    CASE WHEN fmt = 'jsonl'
         THEN try(json_extract_string(decode(raw), '$.' || markup))
         ELSE try(decode(raw))
    END;

CREATE TABLE documents_v5 (
    doc_id        VARCHAR PRIMARY KEY,      -- sha256 hex of raw_bytes
    source_uri    VARCHAR NOT NULL,         -- where it was first seen
    format        VARCHAR NOT NULL,         -- container: html | text | warc | jsonl | ...
    markup        VARCHAR,                  -- what the cleaner treats it as: html | text
    site          VARCHAR,
    url           VARCHAR,
    title         VARCHAR,                  -- as supplied by the input, else NULL
    published_at  VARCHAR,                  -- as supplied by the input (unparsed), else NULL
    language      VARCHAR,                  -- the input's own label (WET, ISO 639-3), else NULL
    encoding      VARCHAR,
    raw_bytes     BLOB,
    raw_text      VARCHAR GENERATED ALWAYS AS (
                      coalesce(stored_text, raw_text_of(format, markup, raw_bytes))
                  ) VIRTUAL,
    stored_text   VARCHAR,                  -- raw_text where SQL cannot derive it, else NULL
    run_id        VARCHAR NOT NULL,
    ingested_at   TIMESTAMP NOT NULL
);

INSERT INTO documents_v5 (
    doc_id, source_uri, format, markup, site, url, title, published_at, encoding, raw_bytes,
    stored_text, run_id, ingested_at
)
SELECT
    doc_id, source_uri, format, markup, site, url,
    CASE WHEN format = 'jsonl'
              AND try(json_type(decode(raw_bytes), '$.title')) = 'VARCHAR'
         THEN nullif(trim(try(json_extract_string(decode(raw_bytes), '$.title'))), '')
    END,
    CASE WHEN format = 'jsonl'
              AND try(json_type(decode(raw_bytes), '$.date')) = 'VARCHAR'
         THEN nullif(trim(try(json_extract_string(decode(raw_bytes), '$.date'))), '')
    END,
    encoding, raw_bytes,
    CASE WHEN raw_text IS NOT DISTINCT FROM raw_text_of(format, markup, raw_bytes)
         THEN NULL ELSE raw_text
    END,
    run_id, ingested_at
FROM documents;

DROP TABLE documents;
ALTER TABLE documents_v5 RENAME TO documents;

CREATE TABLE IF NOT EXISTS template_pending (
    doc_id  VARCHAR PRIMARY KEY
);

-- documents of an older warehouse have never been checked against a bounded-sample template
INSERT OR IGNORE INTO template_pending SELECT doc_id FROM documents;

CREATE TABLE IF NOT EXISTS template_pages (
    doc_id       VARCHAR PRIMARY KEY,
    site         VARCHAR NOT NULL,
    line_hashes  UBIGINT[] NOT NULL
);

INSERT INTO schema_version (version) VALUES (5);

-- Schema version 12: one site, one key; the site's display name in a column of its own.
--
--  * articles.site and documents.site hold the one site key, `cleaners.metadata.site_key`:
--    the host of the article's URL, lower-cased, `www.` dropped; a name only when no URL is
--    known. Until v11 a JSONL/Parquet record's own `site` field ("WSJ") was stored as the
--    key, so the same site's HTML pages ("wsj.com") fell into another group.
--  * articles.site_name: the display name, the input's own (a JSONL/Parquet `site` field),
--    else what the page calls itself (og:site_name, a title suffix). documents.site_name:
--    the input's own, as given, so re-cleaning a page for its site template keeps it.
--  * A JSONL or Parquet document's own `site` is recovered from its stored bytes (a JSON
--    object, for Parquet the row's), as v5 recovered titles and dates; its article gets it
--    too. Old keys are left as stored: the key of a URL is decided in Python only, and a
--    page cleaned again (a site-template change) gets its key anew.

--  * `documents` is rebuilt, not altered: an `ALTER TABLE documents ADD COLUMN` in the log
--    makes DuckDB bind the generated `raw_text` (JSON functions) while it replays the log
--    on open, before any extension is loaded, so a process killed after this migration and
--    before a checkpoint left a file no later open could read ("json_extract_string is not
--    in the catalog"). A new table, its rows, DROP and RENAME replay as v5's did.

ALTER TABLE articles ADD COLUMN site_name VARCHAR;

CREATE TABLE documents_v12 (
    doc_id        VARCHAR PRIMARY KEY,      -- sha256 hex of raw_bytes
    source_uri    VARCHAR NOT NULL,         -- where it was first seen
    format        VARCHAR NOT NULL,         -- container: html | text | warc | jsonl | ...
    markup        VARCHAR,                  -- what the cleaner treats it as: html | text
    site          VARCHAR,                  -- the site key (`cleaners.metadata.site_key`)
    site_name     VARCHAR,                  -- the input's own name for its site, else NULL
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

INSERT INTO documents_v12 (
    doc_id, source_uri, format, markup, site, site_name, url, title, published_at, language,
    encoding, raw_bytes, stored_text, run_id, ingested_at
)
SELECT
    doc_id, source_uri, format, markup, site,
    CASE WHEN format IN ('jsonl', 'parquet')
              AND try(json_type(decode(raw_bytes), '$.site')) = 'VARCHAR'
         THEN nullif(trim(try(json_extract_string(decode(raw_bytes), '$.site'))), '')
    END,
    url, title, published_at, language, encoding, raw_bytes, stored_text, run_id, ingested_at
FROM documents;

DROP TABLE documents;
ALTER TABLE documents_v12 RENAME TO documents;

UPDATE articles
SET site_name = d.site_name
FROM documents d
WHERE articles.doc_id = d.doc_id AND d.site_name IS NOT NULL;

INSERT INTO schema_version (version) VALUES (12);

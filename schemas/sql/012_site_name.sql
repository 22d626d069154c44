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

ALTER TABLE documents ADD COLUMN site_name VARCHAR;
ALTER TABLE articles ADD COLUMN site_name VARCHAR;

UPDATE documents
SET site_name = nullif(trim(try(json_extract_string(decode(raw_bytes), '$.site'))), '')
WHERE format IN ('jsonl', 'parquet')
  AND try(json_type(decode(raw_bytes), '$.site')) = 'VARCHAR';

UPDATE articles
SET site_name = d.site_name
FROM documents d
WHERE articles.doc_id = d.doc_id AND d.site_name IS NOT NULL;

INSERT INTO schema_version (version) VALUES (12);

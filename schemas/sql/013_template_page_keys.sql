-- Schema version 13: a pending template check carries what the page's cleaning found.
--
--  * template_pending.line_hashes: the hashes of the page's short line keys
--    (`cleaners.templates.key_hashes`), computed where the page was cleaned (a worker), so
--    the check reads no raw text of a page it does not re-clean. NULL: not known (rows
--    left by older runs; the check computes them from the raw text).
--  * template_pending.applied: the hashes of the keys of its site's template that the page
--    was cleaned with and holds (NULL or empty: cleaned without one). The check re-cleans
--    the page only if the site's template, as it then stands, holds other of its keys.
--  * Rebuilt, not altered, as 012 rebuilds `documents`.

CREATE TABLE template_pending_v13 (
    doc_id       VARCHAR PRIMARY KEY,
    line_hashes  UBIGINT[],
    applied      UBIGINT[]
);

INSERT INTO template_pending_v13 (doc_id) SELECT doc_id FROM template_pending;

DROP TABLE template_pending;
ALTER TABLE template_pending_v13 RENAME TO template_pending;

INSERT INTO schema_version (version) VALUES (13);

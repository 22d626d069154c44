-- Schema version 7: the articles clustering has still to take in, kept as a marker.
-- The loader adds each article in the same transaction as the article itself (a new one,
-- or one a site template re-cleaned), and clustering removes it in the same transaction
-- as its result, so a killed run leaves the row behind and the next run clusters it.
-- Until v6 a run found its work by comparing every article with `dedup_docs`: a scan of
-- the warehouse in every run, however few documents it brought.

CREATE TABLE IF NOT EXISTS dedup_pending (
    doc_id  VARCHAR PRIMARY KEY
);

INSERT OR IGNORE INTO dedup_pending
SELECT doc_id FROM articles WHERE doc_id NOT IN (SELECT doc_id FROM dedup_docs);

INSERT INTO schema_version (version) VALUES (7);

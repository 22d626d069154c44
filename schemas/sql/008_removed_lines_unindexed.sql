-- Schema version 8: `removed_lines` without a primary-key index, its text compressed.
-- Its key is still (doc_id, line_no): the loader writes a document's removed lines once,
-- in the transaction that stores the document (or replaces them all when a site template
-- re-cleans it), and drops repeats within a batch. What the index cost: DuckDB keeps an ART
-- index entry of the whole 64-character doc_id per removed line, 70+ bytes for a line of
-- 27 on average, a text dump has some 80 of them, and nothing ever looked a line up by it
-- (lines are read per document, by a scan). On the dev + Readability pages the index was
-- most of the 2.9 MB of index blocks of a 14 MB warehouse (bench/storage.py).
--  * the line text is ZSTD-compressed: DuckDB picks ZSTD only for strings of 4 KB and more,
--    and stored these short lines (27 characters on average) uncompressed, 1.3 of 14 MB.

CREATE TABLE removed_lines_v8 (
    doc_id   VARCHAR NOT NULL,
    line_no  INTEGER NOT NULL,
    text     VARCHAR NOT NULL USING COMPRESSION zstd,
    reason   VARCHAR NOT NULL
);

INSERT INTO removed_lines_v8 SELECT doc_id, line_no, text, reason FROM removed_lines
ORDER BY doc_id, line_no;

DROP TABLE removed_lines;
ALTER TABLE removed_lines_v8 RENAME TO removed_lines;

INSERT INTO schema_version (version) VALUES (8);

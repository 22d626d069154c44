-- Schema version 9: story index terms are stored as 64-bit keys, not as words.
-- A run finds its new story nodes' candidates by joining their query terms with every
-- stored index term (12 per node); on a VARCHAR column that join decodes each stored word
-- (1.8 s at a million articles), on an integer key it does not (0.5 s). The key is
-- `story_term_key(term)` (the upper 64 bits of the word's MD5), computed in SQL on both
-- sides, so the Python code never has to agree with it. The words themselves stay in
-- `story_df`.

CREATE OR REPLACE MACRO story_term_key(term) AS md5_number_upper(term);

CREATE TABLE story_terms_v9 (
    term_key    UBIGINT NOT NULL,
    doc_id      VARCHAR NOT NULL,
    weight      REAL NOT NULL,
    window_day  DOUBLE
);

INSERT INTO story_terms_v9
SELECT story_term_key(term), doc_id, weight, window_day FROM story_terms;

DROP TABLE story_terms;
ALTER TABLE story_terms_v9 RENAME TO story_terms;

INSERT INTO schema_version (version) VALUES (9);

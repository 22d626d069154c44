-- Schema version 11: the story level's document frequencies without primary-key indexes.
-- Each key is still unique: `warehouse.dedup.count_story_text` adds a run's counts with
-- one UPDATE of the keys already present and one INSERT of the others (an anti-join),
-- both over the run's keys grouped, in the run's transaction, and runs are serialised by
-- the run lock. What the indexes cost: every new term and sentence key of a run got an
-- ART entry, and a run of 100 pages brings thousands of each (12,600 terms and 4,100
-- sentence keys into the 10k benchmark warehouse: 46 of the 234 blocks the run added,
-- 0.4x of its inputs' gzip size; bench/README.md, "Per-run storage, session 19"). Nothing
-- looked a row up by its key through the index: frequencies are read by a hash join.
-- Rebuilt table by table, in this migration's one transaction, like v8 (a kill rolls back).

CREATE TABLE story_df_v11 (
    term  VARCHAR NOT NULL,
    df    INTEGER NOT NULL
);
INSERT INTO story_df_v11 SELECT term, df FROM story_df ORDER BY term;
DROP TABLE story_df;
ALTER TABLE story_df_v11 RENAME TO story_df;

CREATE TABLE story_sentences_v11 (
    sentence_key  UBIGINT NOT NULL,
    df            INTEGER NOT NULL
);
INSERT INTO story_sentences_v11 SELECT sentence_key, df FROM story_sentences
ORDER BY sentence_key;
DROP TABLE story_sentences;
ALTER TABLE story_sentences_v11 RENAME TO story_sentences;

INSERT INTO schema_version (version) VALUES (11);

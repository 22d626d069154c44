-- Schema version 4: the stored indexes that make clustering incremental.
-- A run clusters only its new articles against these, so its cost follows the new
-- documents, not the warehouse (see flows/stages.py `dedup_new`).
--  * dedup_docs: every clustered article, with what ranks it (canonical choice) and its
--    exact key; `doc_no` is a compact number for the band index.
--  * lsh_bands: one row per (indexed document, LSH band): the band key, mixed with the
--    band number. One document per exact key is indexed (copies have equal signatures).
--  * near_edges / story_edges: the verified pairs, so a cluster can be recomputed from
--    its members alone when one of them changes.
--  * story_nodes, story_terms, story_quotes: the story level's nodes (near canonicals),
--    each node's heaviest terms and its quotation keys, for candidate search.
--  * story_df, story_sentences: document frequencies over story nodes, for TF-IDF and the
--    boilerplate-sentence rule; dedup_dirty: clusters whose members must be recomputed.

CREATE SEQUENCE IF NOT EXISTS dedup_doc_no START 1;

CREATE TABLE IF NOT EXISTS dedup_docs (
    doc_id        VARCHAR PRIMARY KEY,
    doc_no        BIGINT NOT NULL,
    exact_key     VARCHAR NOT NULL,
    published_at  TIMESTAMP,
    text_len      INTEGER NOT NULL,
    window_day    DOUBLE,                  -- story window: published, else ingested (days)
    indexed       BOOLEAN NOT NULL         -- its band keys are in lsh_bands
);

CREATE TABLE IF NOT EXISTS lsh_bands (
    band_key  UBIGINT NOT NULL,
    doc_no    BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS near_edges (
    a  VARCHAR NOT NULL,
    b  VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS story_nodes (
    doc_id      VARCHAR PRIMARY KEY,
    window_day  DOUBLE
);

CREATE TABLE IF NOT EXISTS story_terms (
    term        VARCHAR NOT NULL,
    doc_id      VARCHAR NOT NULL,
    weight      REAL NOT NULL,
    window_day  DOUBLE
);

CREATE TABLE IF NOT EXISTS story_quotes (
    quote_key  UBIGINT NOT NULL,
    doc_id     VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS story_edges (
    a  VARCHAR NOT NULL,
    b  VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS story_df (
    term  VARCHAR PRIMARY KEY,
    df    INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS story_sentences (
    sentence_key  UBIGINT PRIMARY KEY,
    df            INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS dedup_dirty (
    near_cluster  VARCHAR PRIMARY KEY
);

-- clusters computed by the old whole-warehouse pass are rebuilt by the next run
DELETE FROM clusters;

INSERT INTO schema_version (version) VALUES (4);

-- Schema version 10: `dedup_docs.exact_key` is a 63-bit number, not a 64-character hex text.
-- A run looks up the documents that share its new articles' exact keys; on the hex text
-- that is a scan decoding a million strings (0.7-1.0 s at a million articles), on a
-- BIGINT column it is not. The number is `exact_key_no(key)`: the first 63 bits of the
-- SHA-256 hex that `cleaners.dedup.exact_key` returns, computed in SQL wherever a key meets
-- the table, so Python keeps working with the hex keys. Two different texts share a
-- number with odds of about 1 in 10^7 over a million articles' pairs.

CREATE OR REPLACE MACRO exact_key_no(k) AS (('0x' || substr(k, 1, 16))::UBIGINT >> 1)::BIGINT;

CREATE TABLE dedup_docs_v10 (
    doc_id        VARCHAR PRIMARY KEY,
    doc_no        BIGINT NOT NULL,
    exact_key     BIGINT NOT NULL,
    published_at  TIMESTAMP,
    text_len      INTEGER NOT NULL,
    window_day    DOUBLE,                  -- story window: published, else ingested (days)
    indexed       BOOLEAN NOT NULL         -- its band keys are in lsh_bands
);

INSERT INTO dedup_docs_v10
SELECT doc_id, doc_no, exact_key_no(exact_key), published_at, text_len, window_day, indexed
FROM dedup_docs;

DROP TABLE dedup_docs;
ALTER TABLE dedup_docs_v10 RENAME TO dedup_docs;

INSERT INTO schema_version (version) VALUES (10);

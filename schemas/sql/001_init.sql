-- presswash warehouse, schema version 1: the tables of DESIGN.md.
-- Applied once, in one transaction, by warehouse.db.migrate().

CREATE TABLE IF NOT EXISTS schema_version (
    version     INTEGER PRIMARY KEY,
    applied_at  TIMESTAMP NOT NULL DEFAULT current_timestamp
);

CREATE TABLE IF NOT EXISTS runs (
    run_id       VARCHAR PRIMARY KEY,
    flow_run_id  VARCHAR,
    started_at   TIMESTAMP NOT NULL,
    finished_at  TIMESTAMP,
    status       VARCHAR NOT NULL,          -- running | completed | failed | interrupted
    params       JSON,
    counts       JSON
);

CREATE TABLE IF NOT EXISTS documents (
    doc_id       VARCHAR PRIMARY KEY,       -- sha256 hex of raw_bytes
    source_uri   VARCHAR NOT NULL,          -- where it was first seen
    format       VARCHAR NOT NULL,          -- html | text | warc | jsonl
    site         VARCHAR,
    url          VARCHAR,
    encoding     VARCHAR,
    raw_bytes    BLOB,
    raw_text     VARCHAR,
    run_id       VARCHAR NOT NULL,
    ingested_at  TIMESTAMP NOT NULL
);

CREATE TABLE IF NOT EXISTS articles (
    doc_id         VARCHAR PRIMARY KEY,
    title          VARCHAR,
    author         VARCHAR,
    published_at   TIMESTAMP,
    site           VARCHAR,
    url            VARCHAR,
    language       VARCHAR,
    text           VARCHAR NOT NULL,
    n_words        INTEGER NOT NULL,
    cleaner        VARCHAR NOT NULL,
    removed_lines  INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS removed_lines (
    doc_id   VARCHAR NOT NULL,
    line_no  INTEGER NOT NULL,
    text     VARCHAR NOT NULL,
    reason   VARCHAR NOT NULL,
    PRIMARY KEY (doc_id, line_no)
);

CREATE TABLE IF NOT EXISTS clusters (
    doc_id         VARCHAR PRIMARY KEY,
    exact_group    VARCHAR NOT NULL,
    near_cluster   VARCHAR NOT NULL,
    story_cluster  VARCHAR NOT NULL,
    is_canonical   BOOLEAN NOT NULL,
    similarity     DOUBLE NOT NULL
);

CREATE TABLE IF NOT EXISTS rejects (
    source_uri      VARCHAR NOT NULL,
    run_id          VARCHAR NOT NULL,
    reason          VARCHAR NOT NULL,
    detail          VARCHAR,
    raw_bytes       BLOB,
    content_sha256  VARCHAR,
    rejected_at     TIMESTAMP NOT NULL,
    PRIMARY KEY (source_uri, run_id)
);

INSERT INTO schema_version (version) VALUES (1);

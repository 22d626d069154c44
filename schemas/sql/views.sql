-- Views, re-created after every migration so they always match the tables.

CREATE OR REPLACE VIEW unique_articles AS
SELECT a.*, c.near_cluster, c.story_cluster, c.exact_group
FROM articles a
JOIN clusters c USING (doc_id)
WHERE c.is_canonical;

CREATE OR REPLACE VIEW stories AS
SELECT
    c.story_cluster,
    count(*)                                   AS n_articles,
    count(DISTINCT a.site)                     AS n_sites,
    list(DISTINCT a.site ORDER BY a.site) FILTER (WHERE a.site IS NOT NULL) AS sites,
    min(a.published_at)                        AS first_published,
    arg_min(a.title, coalesce(a.published_at, TIMESTAMP '9999-12-31')) AS title
FROM clusters c
JOIN articles a USING (doc_id)
GROUP BY c.story_cluster;

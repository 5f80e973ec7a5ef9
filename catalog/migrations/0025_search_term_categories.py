"""catalog_search_term_category: how many listed products each frequent word matches in
each category (with its subcategories), so a search within a category chooses its path on
the count instead of an estimate.

A search within a category reads the intersection of the category and the words
(catalog_category_search, 0021) when the words are sparse there, else a frequent word's
list or the ordered walk. For a frequent word "sparse" was estimated from its list's best
100 entries (0021), and the estimate is wrong where a word's best-ranked matches lie in
other categories: "set" in Beauty was estimated under 1,000 matches, the intersection then
read its 2,001-row cap in 41 ms, gave up, and the list found the page (BENCHMARKS.md,
session 12). The refresh now counts every (frequent word, category) pair with matches,
over the category listing (a row per product and category of its ancestors, so a count
covers the subtree), beside the facet counts in catalog_search_facets_refresh().

Freshness: as of the last refresh (hourly, and after bulk loads). The count only chooses
the path; every path returns the same rows (the intersection gives up past its cap, the
lists rank products changed since the refresh live), so a stale count costs time, never
a wrong page.
Public data, read-only for the storefront roles, no RLS.
"""

import importlib

from django.db import migrations, models

previous = importlib.import_module("catalog.migrations.0024_search_term_facets_in_stock")

TABLE = """
CREATE TABLE catalog_search_term_category (
    query tsquery NOT NULL REFERENCES catalog_search_term (query) ON DELETE CASCADE,
    category_id bigint NOT NULL REFERENCES catalog_category (id) ON DELETE CASCADE,
    matches integer NOT NULL CHECK (matches > 0),
    PRIMARY KEY (query, category_id)
);
CREATE INDEX catalog_search_term_category_category ON catalog_search_term_category (category_id);
GRANT SELECT ON catalog_search_term_category
   TO commerce_customer, commerce_manager, commerce_readonly, commerce_seller;
"""

# The facet counts' statement (0023, 0024) now counts every category of each match's
# category-listing rows, not only the top two levels, grouped once by word and category
# (with a price band only where the facets need one); the words per category are
# written from the same pass by a data-modifying CTE beside the facets' insert. One
# statement is one snapshot (READ COMMITTED takes one per statement), so the two agree
# even while products change, which check_integrity verifies. Full scale: 58 s (the
# facets alone took 38 s).
FUNCTION = """
CREATE OR REPLACE FUNCTION catalog_search_facets_refresh() RETURNS integer
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    written integer;
BEGIN
    LOCK TABLE catalog_search_term_facet, catalog_search_facet_band, catalog_search_term_category
        IN SHARE ROW EXCLUSIVE MODE;
    DELETE FROM catalog_search_term_facet;
    DELETE FROM catalog_search_term_category;
    DELETE FROM catalog_search_facet_band;
    INSERT INTO catalog_search_facet_band (lowers, computed_at)
    SELECT array_agg(DISTINCT q ORDER BY q), now()
      FROM unnest((SELECT percentile_disc((SELECT array_agg(g::float8 / 100) FROM generate_series(0, 99) g))
                          WITHIN GROUP (ORDER BY price)
                     FROM catalog_listed_product WHERE price IS NOT NULL)) AS q
    HAVING count(q) > 0;
    WITH bands AS (SELECT lowers, cardinality(lowers) AS n FROM catalog_search_facet_band),
    words AS (SELECT query, (tsvector_to_array(query::text::tsvector))[1] AS lexeme FROM catalog_search_term),
    stocked AS MATERIALIZED (
        SELECT DISTINCT v.product_id AS id FROM catalog_variant v WHERE v.is_active AND v.stock > 0
    ),
    counts AS MATERIALIZED (
        SELECT m.lexeme, l.category_id, c.depth <= 1 AS top,
               CASE WHEN c.depth <= 1 THEN width_bucket(l.price, bands.lowers) END AS band,
               count(*) AS n, count(*) FILTER (WHERE m.in_stock) AS n_in_stock
          FROM (SELECT p.id, w.lexeme, s.id IS NOT NULL AS in_stock
                  FROM catalog_listed_product p
                  LEFT JOIN stocked s ON s.id = p.id
                 CROSS JOIN LATERAL unnest(tsvector_to_array(p.search_vector)) AS w(lexeme)
                 WHERE w.lexeme IN (SELECT lexeme FROM words)) m
          JOIN catalog_category_listing l ON l.id = m.id
          JOIN catalog_category c ON c.id = l.category_id
         CROSS JOIN bands
         GROUP BY 1, 2, 3, 4
    ),
    per_category AS (
        INSERT INTO catalog_search_term_category (query, category_id, matches)
        SELECT w.query, k.category_id, k.n
          FROM (SELECT lexeme, category_id, sum(n)::integer AS n FROM counts GROUP BY 1, 2) k
          JOIN words w ON w.lexeme = k.lexeme
    )
    INSERT INTO catalog_search_term_facet (query, category_id, cum, cum_in_stock)
    SELECT w.query, k.category_id, array_agg(k.cum ORDER BY k.band), array_agg(k.cum_in_stock ORDER BY k.band)
      FROM (SELECT q.lexeme, q.category_id, b.band,
                   (sum(coalesce(c.n, 0)) OVER running)::integer AS cum,
                   (sum(coalesce(c.n_in_stock, 0)) OVER running)::integer AS cum_in_stock
              FROM (SELECT DISTINCT lexeme, category_id FROM counts WHERE top) q
             CROSS JOIN bands
             CROSS JOIN LATERAL generate_series(1, bands.n) AS b(band)
              LEFT JOIN counts c ON (c.lexeme, c.category_id, c.band) = (q.lexeme, q.category_id, b.band)
            WINDOW running AS (PARTITION BY q.lexeme, q.category_id ORDER BY b.band)) k
      JOIN words w ON w.lexeme = k.lexeme
     GROUP BY w.query, k.category_id;
    GET DIAGNOSTICS written = ROW_COUNT;  -- the facets' rows, as before
    RETURN written;
END
$$;
REVOKE ALL ON FUNCTION catalog_search_facets_refresh() FROM PUBLIC;
"""

FORWARD = TABLE + FUNCTION + "SELECT catalog_search_facets_refresh();"
REVERSE = previous._function(previous.FACETS) + "DROP TABLE catalog_search_term_category;"


class Migration(migrations.Migration):
    dependencies = [("catalog", "0024_search_term_facets_in_stock")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunSQL(FORWARD, REVERSE)],
            state_operations=[
                migrations.CreateModel(
                    name="SearchTermCategory",
                    fields=[
                        (
                            "pk",
                            models.CompositePrimaryKey(
                                "query", "category_id", blank=True, editable=False, primary_key=True, serialize=False
                            ),
                        ),
                        ("query", models.TextField()),
                        ("category_id", models.BigIntegerField()),
                        ("matches", models.IntegerField()),
                    ],
                    options={"db_table": "catalog_search_term_category"},
                ),
            ],
        ),
    ]

"""catalog_search_term_facet: how many listed products each frequent word matches in each
top-level or second-level category (the search page's category facets), per price band,
counted by the refresh instead of on every search.

The facets of a search were rolled up on every request from a sample of its matches (a
frequent word's best 500: 3-5 ms, about half of a typical search; BENCHMARKS.md, session
11), and showed that sample's counts as lower bounds ("230+"). For a frequent word the
counts now come from this table: for each (word, category), `cum[b]` = its priced matches
in the category whose price falls in band 1..b, the bands being the listed prices'
percentiles when counted (`catalog_search_facet_band`, `lowers[b]` the lowest price of band b; a
band is [lowers[b], lowers[b+1]), the last one open). A search with no price bound reads the
totals (exact); with a price range it reads cum[last band inside the range] - cum[band
before the first band inside it]: the bands the range cuts are left out, and those counts
are shown as lower bounds. A search filtered by stock or rating keeps the live sample
(stock changes with every order, and bands by rating would multiply the table).

Freshness, stated: the counts are as of the last refresh (refresh_analytics, hourly, and
after bulk loads); a product listed, unlisted, repriced or recategorised since counts in
its new place after the next refresh. The results of a search are live: only the counts
beside the category links can lag.

Counted by catalog_search_facets_refresh(), which catalog_search_terms_refresh() calls
after the lists (same transaction) unless told not to (with_facets => false: the bulk
loader counts after it has rebuilt the category listing); ON DELETE CASCADE from
catalog_search_term, so no count outlives its word.
Public data, read-only for the storefront roles, no RLS.
"""

import importlib

from django.contrib.postgres.fields import ArrayField
from django.db import migrations, models

previous = importlib.import_module("catalog.migrations.0022_search_term_orders")

BANDS = 100

TABLES = """
CREATE TABLE catalog_search_facet_band (
    id boolean PRIMARY KEY DEFAULT true CHECK (id),  -- one row
    lowers numeric(12, 2)[] NOT NULL CHECK (cardinality(lowers) >= 1),
    computed_at timestamptz NOT NULL
);
CREATE TABLE catalog_search_term_facet (
    query tsquery NOT NULL REFERENCES catalog_search_term (query) ON DELETE CASCADE,
    category_id bigint NOT NULL REFERENCES catalog_category (id) ON DELETE CASCADE,
    cum integer[] NOT NULL CHECK (cardinality(cum) >= 1 AND cum[cardinality(cum)] > 0),
    PRIMARY KEY (query, category_id)
);
CREATE INDEX catalog_search_term_facet_category ON catalog_search_term_facet (category_id);
GRANT SELECT ON catalog_search_facet_band, catalog_search_term_facet
   TO commerce_customer, commerce_manager, commerce_readonly, commerce_seller;
"""

# Counted set-based in one pass: each listed product's lexemes (tsvector_to_array; a
# frequent word's tsquery is that one lexeme, so `@@` is membership) joined with the
# frequent words, then with the product's rows of the category listing in the top two
# levels, counted by price band (width_bucket over the band floors) and accumulated over
# the bands. Grouped by the lexeme's text (tsquery has no hash operator class).
FACETS = f"""
    DELETE FROM catalog_search_facet_band;
    INSERT INTO catalog_search_facet_band (lowers, computed_at)
    SELECT array_agg(DISTINCT q ORDER BY q), now()
      FROM unnest((SELECT percentile_disc((SELECT array_agg(g::float8 / {BANDS}) FROM generate_series(0, {BANDS - 1}) g))
                          WITHIN GROUP (ORDER BY price)
                     FROM catalog_listed_product WHERE price IS NOT NULL)) AS q
    HAVING count(q) > 0;
    WITH bands AS (SELECT lowers, cardinality(lowers) AS n FROM catalog_search_facet_band),
    words AS (SELECT query, (tsvector_to_array(query::text::tsvector))[1] AS lexeme FROM catalog_search_term),
    counts AS MATERIALIZED (
        SELECT m.lexeme, l.category_id, width_bucket(l.price, bands.lowers) AS band, count(*) AS n
          FROM (SELECT p.id, w.lexeme
                  FROM catalog_listed_product p
                 CROSS JOIN LATERAL unnest(tsvector_to_array(p.search_vector)) AS w(lexeme)
                 WHERE w.lexeme IN (SELECT lexeme FROM words)) m
          JOIN catalog_category_listing l ON l.id = m.id
          JOIN catalog_category c ON c.id = l.category_id AND c.depth <= 1
         CROSS JOIN bands
         WHERE l.price IS NOT NULL
         GROUP BY 1, 2, 3
    )
    INSERT INTO catalog_search_term_facet (query, category_id, cum)
    SELECT w.query, k.category_id, array_agg(k.cum ORDER BY k.band)
      FROM (SELECT q.lexeme, q.category_id, b.band,
                   sum(coalesce(c.n, 0)) OVER (PARTITION BY q.lexeme, q.category_id ORDER BY b.band)::integer AS cum
              FROM (SELECT DISTINCT lexeme, category_id FROM counts) q
             CROSS JOIN bands
             CROSS JOIN LATERAL generate_series(1, bands.n) AS b(band)
              LEFT JOIN counts c ON (c.lexeme, c.category_id, c.band) = (q.lexeme, q.category_id, b.band)) k
      JOIN words w ON w.lexeme = k.lexeme
     GROUP BY w.query, k.category_id;
"""

FACETS_FUNCTION = (
    """
CREATE FUNCTION catalog_search_facets_refresh() RETURNS integer
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    written integer;
BEGIN
    LOCK TABLE catalog_search_term_facet, catalog_search_facet_band IN SHARE ROW EXCLUSIVE MODE;
    DELETE FROM catalog_search_term_facet;
"""
    + FACETS
    + """
    GET DIAGNOSTICS written = ROW_COUNT;
    RETURN written;
END
$$;
REVOKE ALL ON FUNCTION catalog_search_facets_refresh() FROM PUBLIC;
"""
)

# The lists' refresh now ends with the counts (with_facets): they read the lists' words and
# the category listing, so a bulk load that rebuilds the listing beside the lists refreshes
# the lists without them and counts once both are done (catalog/datagen.py). A new
# argument is a new signature: the two-argument function is dropped, not overloaded.
TERMS_FUNCTION = (
    "DROP FUNCTION catalog_search_terms_refresh(integer, integer);\n"
    + previous.NEW_FUNCTION.replace(
        "CREATE OR REPLACE FUNCTION catalog_search_terms_refresh(min_matches integer DEFAULT 2000, top_n integer DEFAULT 2000)",
        "CREATE FUNCTION catalog_search_terms_refresh(\n"
        "    min_matches integer DEFAULT 2000, top_n integer DEFAULT 2000, with_facets boolean DEFAULT true)",
    )
    .replace(
        "catalog_search_term_order, catalog_search_word IN SHARE ROW EXCLUSIVE MODE",
        "catalog_search_term_order, catalog_search_word,\n"
        "               catalog_search_term_facet IN SHARE ROW EXCLUSIVE MODE",
    )
    .replace(
        "    RETURN written;\nEND",
        "    IF with_facets THEN\n        PERFORM catalog_search_facets_refresh();\n    END IF;\n    RETURN written;\nEND",
    )
    + "REVOKE ALL ON FUNCTION catalog_search_terms_refresh(integer, integer, boolean) FROM PUBLIC;\n"
)
assert "with_facets THEN" in TERMS_FUNCTION and "with_facets boolean" in TERMS_FUNCTION, "0022's function changed"

FORWARD = TABLES + FACETS_FUNCTION + TERMS_FUNCTION + "SELECT catalog_search_terms_refresh();"
REVERSE = (
    "DROP FUNCTION catalog_search_terms_refresh(integer, integer, boolean);"
    + previous.NEW_FUNCTION
    + "REVOKE ALL ON FUNCTION catalog_search_terms_refresh(integer, integer) FROM PUBLIC;"
    + "DROP FUNCTION catalog_search_facets_refresh();"
    + "DROP TABLE catalog_search_term_facet; DROP TABLE catalog_search_facet_band;"
)


class Migration(migrations.Migration):
    dependencies = [("catalog", "0022_search_term_orders")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunSQL(FORWARD, REVERSE)],
            state_operations=[
                migrations.CreateModel(
                    name="SearchFacetBand",
                    fields=[
                        ("id", models.BooleanField(default=True, primary_key=True, serialize=False)),
                        ("lowers", ArrayField(models.DecimalField(decimal_places=2, max_digits=12))),
                        ("computed_at", models.DateTimeField()),
                    ],
                    options={"db_table": "catalog_search_facet_band"},
                ),
                migrations.CreateModel(
                    name="SearchTermFacet",
                    fields=[
                        (
                            "pk",
                            models.CompositePrimaryKey(
                                "query", "category_id", blank=True, editable=False, primary_key=True, serialize=False
                            ),
                        ),
                        ("query", models.TextField()),
                        ("category_id", models.BigIntegerField()),
                        ("cum", ArrayField(models.IntegerField())),
                    ],
                    options={"db_table": "catalog_search_term_facet"},
                ),
            ],
        ),
    ]

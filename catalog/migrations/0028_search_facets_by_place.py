"""catalog_search_facets_refresh() counts each product's words once, by the set of
categories it is listed in, instead of once per category-listing row.

The counts (0023-0025) joined every (listed product, frequent word) pair with the
product's rows of the category listing and grouped the result: at full scale 11.3 M pairs
times 4.1 listing rows, 46.8 M rows grouped by word, category and price band, in 89 s. Its
plan sorted those rows on disk by the word's text for a merge join with the words (2 GB),
grouped them in a hash table spilled to disk in 1,025 batches, and found the price band
once per row.

Products listed in the same categories count alike, so now:
- each product's listing rows are rolled up into its `place`: the sorted array of its
  categories (2,350 distinct at full scale) and of its top two levels' (40);
- each (product, frequent word) pair is counted once by (word, place), and once by (word,
  top place, price band, in stock), the band found once per product;
- those counts (289,000 and 332,000 groups) are spread over each place's categories and
  summed per (word, category) and (word, top category, band).
A category's count is still the number of distinct products matching in its subtree: a
product listed under two leaves of one department has that department once in its place.
The words are numbered (an integer key, not the lexeme's text), and the function gets
256 MB of work memory for its hash tables and the materialized steps (the products with
their search vectors are 180 MB at full scale) and no merge joins (on the words they
sort 11.3 M rows by text); the session's settings are restored after.

No plan here may depend on estimates: the bulk load counts right after it rebuilds the
listing, before anything analyzed it. A first version that tested each product's stock
with EXISTS over the stocked products' CTE ran it as a subplan per product when the listing
had no statistics (a CTE scan per product: cancelled after 6 minutes in a full load), and
joined the places on their arrays. The stock is now joined, each set of categories is
numbered by a sort, and the joins are hashed: on integer keys, and the words' on their text.

Same rows, compared with EXCEPT ALL both ways on the full data set (with and without the
listing's and the words' statistics) and by a test with products in several departments.
Full scale, alone, on one data set: 63 s → 22 s with statistics, 68 s → 31 s without (on
an earlier data set at a slower hour: 89 s, and 37-38 s for the first version).
"""

import importlib

from django.db import migrations

previous = importlib.import_module("catalog.migrations.0025_search_term_categories")

FUNCTION = """
CREATE OR REPLACE FUNCTION catalog_search_facets_refresh() RETURNS integer
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
SET work_mem = '256MB'
SET enable_mergejoin = off
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
    words AS MATERIALIZED (
        SELECT query, (tsvector_to_array(query::text::tsvector))[1] AS lexeme, row_number() OVER ()::integer AS word
          FROM catalog_search_term
    ),
    stocked AS MATERIALIZED (
        SELECT DISTINCT v.product_id AS id FROM catalog_variant v WHERE v.is_active AND v.stock > 0
    ),
    -- Each listed product's categories (its rows of the listing: every category of its
    -- subtrees' ancestors, once) and those in the top two levels, where facets are shown,
    -- each distinct set numbered. Numbered by a sort, not looked up by a join on the
    -- arrays, and the stock joined, not tested per product: no plan here depends on
    -- estimates (the bulk load counts before the listing's first ANALYZE).
    product_places AS MATERIALIZED (
        SELECT x.id, x.categories, x.tops,
               dense_rank() OVER (ORDER BY x.categories)::integer AS place,
               dense_rank() OVER (ORDER BY x.tops)::integer AS top_place
          FROM (SELECT l.id, array_agg(l.category_id ORDER BY l.category_id) AS categories,
                       array_agg(l.category_id ORDER BY l.category_id) FILTER (WHERE c.depth <= 1) AS tops
                  FROM catalog_category_listing l
                  JOIN catalog_category c ON c.id = l.category_id
                 GROUP BY l.id) x
    ),
    places AS MATERIALIZED (
        SELECT DISTINCT place, categories FROM product_places
    ),
    top_places AS MATERIALIZED (
        SELECT DISTINCT top_place, tops FROM product_places WHERE tops IS NOT NULL
    ),
    -- The band from the product's price, which is its listing rows' (the listing copies
    -- it; check_integrity compares the listing with its source), found once per product.
    products AS MATERIALIZED (
        SELECT p.id, p.search_vector, d.place, CASE WHEN d.tops IS NOT NULL THEN d.top_place END AS top_place,
               width_bucket(p.price, (SELECT lowers FROM catalog_search_facet_band)) AS band,
               k.id IS NOT NULL AS in_stock
          FROM product_places d
          JOIN catalog_listed_product p ON p.id = d.id
          LEFT JOIN stocked k ON k.id = d.id
    ),
    place_counts AS MATERIALIZED (
        SELECT w.word, x.place, count(*) AS n
          FROM products x
         CROSS JOIN LATERAL unnest(tsvector_to_array(x.search_vector)) AS u(lexeme)
          JOIN words w ON w.lexeme = u.lexeme
         GROUP BY 1, 2
    ),
    band_counts AS MATERIALIZED (
        SELECT w.word, x.top_place, x.band, count(*) AS n, count(*) FILTER (WHERE x.in_stock) AS n_in_stock
          FROM products x
         CROSS JOIN LATERAL unnest(tsvector_to_array(x.search_vector)) AS u(lexeme)
          JOIN words w ON w.lexeme = u.lexeme
         WHERE x.top_place IS NOT NULL
         GROUP BY 1, 2, 3
    ),
    per_category AS (
        INSERT INTO catalog_search_term_category (query, category_id, matches)
        SELECT w.query, k.category_id, k.n
          FROM (SELECT c.word, u.category_id, sum(c.n)::integer AS n
                  FROM place_counts c
                  JOIN places s ON s.place = c.place
                 CROSS JOIN LATERAL unnest(s.categories) AS u(category_id)
                 GROUP BY 1, 2) k
          JOIN words w ON w.word = k.word
    ),
    counts AS MATERIALIZED (
        SELECT c.word, u.category_id, c.band, sum(c.n) AS n, sum(c.n_in_stock) AS n_in_stock
          FROM band_counts c
          JOIN top_places t ON t.top_place = c.top_place
         CROSS JOIN LATERAL unnest(t.tops) AS u(category_id)
         GROUP BY 1, 2, 3
    )
    INSERT INTO catalog_search_term_facet (query, category_id, cum, cum_in_stock)
    SELECT w.query, k.category_id, array_agg(k.cum ORDER BY k.band), array_agg(k.cum_in_stock ORDER BY k.band)
      FROM (SELECT q.word, q.category_id, b.band,
                   (sum(coalesce(c.n, 0)) OVER running)::integer AS cum,
                   (sum(coalesce(c.n_in_stock, 0)) OVER running)::integer AS cum_in_stock
              FROM (SELECT DISTINCT word, category_id FROM counts) q
             CROSS JOIN bands
             CROSS JOIN LATERAL generate_series(1, bands.n) AS b(band)
              LEFT JOIN counts c ON (c.word, c.category_id, c.band) = (q.word, q.category_id, b.band)
            WINDOW running AS (PARTITION BY q.word, q.category_id ORDER BY b.band)) k
      JOIN words w ON w.word = k.word
     GROUP BY w.query, k.category_id;
    GET DIAGNOSTICS written = ROW_COUNT;  -- the facets' rows, as before
    RETURN written;
END
$$;
REVOKE ALL ON FUNCTION catalog_search_facets_refresh() FROM PUBLIC;
"""

# 0025's function has no SET work_mem or enable_mergejoin: CREATE OR REPLACE resets the
# function's settings to the new definition's, so the reverse drops them.
assert previous.FUNCTION.lstrip().startswith("CREATE OR REPLACE FUNCTION catalog_search_facets_refresh()")


class Migration(migrations.Migration):
    dependencies = [("catalog", "0027_matches_anywhere_frequent_words")]

    operations = [migrations.RunSQL(FUNCTION, previous.FUNCTION)]

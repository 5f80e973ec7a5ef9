"""catalog_search_term_order: a frequent word's first products in each of the other sort
orders (newest, price low to high and high to low, rating), precomputed beside its best
matches by relevance (catalog_search_term, 0016).

A search for a frequent word sorted by price, date or rating walked the listing in that
order and tested the word on each product; where the word is rare at that end of the
listing (the most expensive products are in departments that do not use it), the walk
gave up after 2,000 products and every match was read and sorted: "everyday" by price,
high to low, read 44,000 matches in 94 ms (BENCHMARKS.md, session 11). Now the search
starts from the word's first `top_n` products in that order, with their sort keys as
they were when the list was computed.

Exactness, as for the relevance lists: a list entry is used only if its product was not
stamped (catalog_product.search_changed_at) since the list was computed minus the grace
period; stamped products are tested and keyed live; and nothing beyond the last entry
used is taken unless the entries used are every priced match. The stamp now also records
a change of a sort key (price, rating): a product whose price or rating changed after the
refresh can no longer sit in a list at its old place, nor be missing from one it now
belongs in. Products without a price are left out (no listing shows them).

Refreshed with the relevance lists by catalog_search_terms_refresh(), one statement that
reads each word's matches once. Public data, read-only for the storefront roles, no RLS.
"""

import importlib

from django.contrib.postgres.fields import ArrayField
from django.db import migrations, models

STAMP_SORT_KEYS = """
DROP TRIGGER catalog_product_zz_search_changed ON catalog_product;
CREATE TRIGGER catalog_product_zz_search_changed
    BEFORE UPDATE ON catalog_product
    FOR EACH ROW
    WHEN (NEW.search_vector IS DISTINCT FROM OLD.search_vector OR (NEW.is_listed AND NOT OLD.is_listed)
          -- rating_avg is generated from these two (a BEFORE trigger cannot read it)
          OR (NEW.price, NEW.rating_sum, NEW.rating_count) IS DISTINCT FROM (OLD.price, OLD.rating_sum, OLD.rating_count))
    EXECUTE FUNCTION catalog_product_mark_search_changed();
"""

STAMP_WORDS_ONLY = """
DROP TRIGGER catalog_product_zz_search_changed ON catalog_product;
CREATE TRIGGER catalog_product_zz_search_changed
    BEFORE UPDATE ON catalog_product
    FOR EACH ROW
    WHEN (NEW.search_vector IS DISTINCT FROM OLD.search_vector OR (NEW.is_listed AND NOT OLD.is_listed))
    EXECUTE FUNCTION catalog_product_mark_search_changed();
"""

TABLE = """
CREATE TABLE catalog_search_term_order (
    query tsquery NOT NULL REFERENCES catalog_search_term (query) ON DELETE CASCADE,
    sort text NOT NULL CHECK (sort IN ('newest', 'price_asc', 'price_desc', 'rating')),
    -- Whether the word has priced matches beyond the list.
    truncated boolean NOT NULL,
    top_ids bigint[] NOT NULL CHECK (cardinality(top_ids) >= 1),
    -- The entries' sort keys when computed, parallel to top_ids: the price for the price
    -- orders, created_at for newest, coalesce(rating_avg, 0) and rating_count for rating.
    top_prices numeric(12, 2)[],
    top_times timestamptz[],
    top_ratings numeric[],
    top_rating_counts integer[],
    PRIMARY KEY (query, sort),
    CONSTRAINT catalog_search_term_order_keys CHECK (CASE sort
        WHEN 'newest' THEN cardinality(top_times) = cardinality(top_ids)
                           AND top_prices IS NULL AND top_ratings IS NULL AND top_rating_counts IS NULL
        WHEN 'rating' THEN cardinality(top_ratings) = cardinality(top_ids)
                           AND cardinality(top_rating_counts) = cardinality(top_ids)
                           AND top_prices IS NULL AND top_times IS NULL
        ELSE cardinality(top_prices) = cardinality(top_ids)
             AND top_times IS NULL AND top_ratings IS NULL AND top_rating_counts IS NULL
    END)
);
GRANT SELECT ON catalog_search_term_order TO commerce_customer, commerce_manager, commerce_readonly, commerce_seller;
"""

# The function as 0018 wrote it (the reverse), and its parts this version keeps: the
# signature and argument checks before the lock, the vocabulary after the lists.
_0018 = importlib.import_module("catalog.migrations.0018_search_words").FORWARD
_start = _0018.index("CREATE OR REPLACE FUNCTION catalog_search_terms_refresh")
OLD_FUNCTION = _0018[_start : _0018.index("$$;", _start) + len("$$;")] + "\n"
_PROLOGUE = OLD_FUNCTION[: OLD_FUNCTION.index("    -- One refresh at a time")]
_WORDS = OLD_FUNCTION[
    OLD_FUNCTION.index("    DELETE FROM catalog_search_word;") : OLD_FUNCTION.index("    RETURN written;")
]

NEW_FUNCTION = (
    _PROLOGUE
    + """    -- One refresh at a time; searches keep reading the previous lists until commit.
    LOCK TABLE catalog_search_term, catalog_search_term_order, catalog_search_word IN SHARE ROW EXCLUSIVE MODE;
    DELETE FROM catalog_search_term;  -- and, by cascade, catalog_search_term_order
    -- Each frequent word's matches are read once (a materialized CTE per word) and
    -- sorted five ways; `lists` holds one row per word with its five lists.
    WITH lists AS MATERIALIZED (
        SELECT t.query, s.ndoc, l.*
          FROM ts_stat('SELECT search_vector FROM public.catalog_listed_product') s
         CROSS JOIN LATERAL (SELECT quote_literal(s.word)::tsquery AS query) t
         CROSS JOIN LATERAL (
                WITH m AS MATERIALIZED (
                    SELECT p.id, ts_rank_cd(p.search_vector, t.query) AS rank, p.price, p.created_at,
                           coalesce(p.rating_avg, 0) AS rating, p.rating_count
                      FROM catalog_listed_product p
                     WHERE p.search_vector @@ t.query
                )
                SELECT r.ids AS rel_ids, r.ranks AS rel_ranks,
                       (SELECT count(*) FROM m WHERE m.price IS NOT NULL) > top_n AS truncated,
                       n.ids AS new_ids, n.times AS new_times,
                       pa.ids AS pa_ids, pa.prices AS pa_prices,
                       pd.ids AS pd_ids, pd.prices AS pd_prices,
                       ra.ids AS ra_ids, ra.ratings AS ra_ratings, ra.counts AS ra_counts
                  FROM (SELECT array_agg(id ORDER BY rank DESC, id DESC) AS ids,
                               array_agg(rank ORDER BY rank DESC, id DESC) AS ranks
                          FROM (SELECT id, rank FROM m ORDER BY rank DESC, id DESC LIMIT top_n) x) r,
                       (SELECT array_agg(id ORDER BY created_at DESC, id DESC) AS ids,
                               array_agg(created_at ORDER BY created_at DESC, id DESC) AS times
                          FROM (SELECT id, created_at FROM m WHERE price IS NOT NULL
                                 ORDER BY created_at DESC, id DESC LIMIT top_n) x) n,
                       (SELECT array_agg(id ORDER BY price, id) AS ids, array_agg(price ORDER BY price, id) AS prices
                          FROM (SELECT id, price FROM m WHERE price IS NOT NULL
                                 ORDER BY price, id LIMIT top_n) x) pa,
                       (SELECT array_agg(id ORDER BY price DESC, id DESC) AS ids,
                               array_agg(price ORDER BY price DESC, id DESC) AS prices
                          FROM (SELECT id, price FROM m WHERE price IS NOT NULL
                                 ORDER BY price DESC, id DESC LIMIT top_n) x) pd,
                       (SELECT array_agg(id ORDER BY rating DESC, rating_count DESC, id DESC) AS ids,
                               array_agg(rating ORDER BY rating DESC, rating_count DESC, id DESC) AS ratings,
                               array_agg(rating_count ORDER BY rating DESC, rating_count DESC, id DESC) AS counts
                          FROM (SELECT id, rating, rating_count FROM m WHERE price IS NOT NULL
                                 ORDER BY rating DESC, rating_count DESC, id DESC LIMIT top_n) x) ra
               ) l
         WHERE s.ndoc >= min_matches
    ), terms AS (
        INSERT INTO catalog_search_term (query, matches, top_ids, top_ranks, computed_at)
        SELECT query, ndoc, rel_ids, rel_ranks, now() FROM lists
        RETURNING 1
    ), orders AS (
        INSERT INTO catalog_search_term_order
               (query, sort, truncated, top_ids, top_prices, top_times, top_ratings, top_rating_counts)
        SELECT l.query, o.sort, l.truncated, o.ids, o.prices, o.times, o.ratings, o.counts
          FROM lists l
         CROSS JOIN LATERAL (VALUES
                ('newest', l.new_ids, NULL::numeric(12, 2)[], l.new_times, NULL::numeric[], NULL::integer[]),
                ('price_asc', l.pa_ids, l.pa_prices, NULL, NULL, NULL),
                ('price_desc', l.pd_ids, l.pd_prices, NULL, NULL, NULL),
                ('rating', l.ra_ids, NULL, NULL, l.ra_ratings, l.ra_counts)
               ) AS o(sort, ids, prices, times, ratings, counts)
         WHERE o.ids IS NOT NULL  -- a word none of whose matches has a price
    )
    SELECT count(*) INTO written FROM terms;
"""
    + _WORDS
    + "    RETURN written;\nEND\n$$;\n"
)

FORWARD = STAMP_SORT_KEYS + TABLE + NEW_FUNCTION + "SELECT catalog_search_terms_refresh();"
REVERSE = OLD_FUNCTION + "DROP TABLE catalog_search_term_order;" + STAMP_WORDS_ONLY


class Migration(migrations.Migration):
    dependencies = [("catalog", "0021_category_search")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunSQL(FORWARD, REVERSE)],
            state_operations=[
                migrations.CreateModel(
                    name="SearchTermOrder",
                    fields=[
                        (
                            "pk",
                            models.CompositePrimaryKey(
                                "query", "sort", blank=True, editable=False, primary_key=True, serialize=False
                            ),
                        ),
                        ("query", models.TextField()),
                        ("sort", models.TextField()),
                        ("truncated", models.BooleanField()),
                        ("top_ids", ArrayField(models.BigIntegerField())),
                        ("top_prices", ArrayField(models.DecimalField(decimal_places=2, max_digits=12), null=True)),
                        ("top_times", ArrayField(models.DateTimeField(), null=True)),
                        ("top_ratings", ArrayField(models.DecimalField(decimal_places=2, max_digits=3), null=True)),
                        ("top_rating_counts", ArrayField(models.IntegerField(), null=True)),
                    ],
                    options={"db_table": "catalog_search_term_order"},
                ),
            ],
        ),
    ]

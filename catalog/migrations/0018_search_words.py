"""catalog_search_word: the words of listed products' names and brands, with how many
products use each, for typo correction.

A search whose words match nothing anywhere was answered by trigram similarity against
every product name (`name %> query`): with common trigrams that reads most of the name
index (100-500 ms at 500k products, BENCHMARKS.md). Instead each unknown word is now
replaced by the most similar known word (pg_trgm similarity on this small table, a few
thousand rows) and the corrected words are searched like any other query, so a typo costs
about what the right word costs. Refreshed with the frequent words' lists by
catalog_search_terms_refresh(); a word new since the last refresh cannot be a correction
yet, but is searched exactly as soon as it is saved. Public data, read-only for the
storefront roles, no RLS.
"""

from django.db import migrations, models

FORWARD = """
CREATE TABLE catalog_search_word (
    word text PRIMARY KEY CHECK (word ~ '^[[:alnum:]]{3,}$'),
    products integer NOT NULL CHECK (products > 0)
);
CREATE INDEX catalog_search_word_trgm ON catalog_search_word USING gin (word gin_trgm_ops);
GRANT SELECT ON catalog_search_word TO commerce_customer, commerce_manager, commerce_readonly, commerce_seller;

CREATE OR REPLACE FUNCTION catalog_search_terms_refresh(min_matches integer DEFAULT 2000, top_n integer DEFAULT 2000)
RETURNS integer
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    written integer;
BEGIN
    IF min_matches < 1 OR top_n < 1 THEN
        RAISE EXCEPTION 'min_matches and top_n must be positive' USING ERRCODE = '22023';
    END IF;
    -- One refresh at a time; searches keep reading the previous lists until commit.
    LOCK TABLE catalog_search_term, catalog_search_word IN SHARE ROW EXCLUSIVE MODE;
    DELETE FROM catalog_search_term;
    INSERT INTO catalog_search_term (query, matches, top_ids, top_ranks, computed_at)
    SELECT t.query, s.ndoc, top.ids, top.ranks, now()
      FROM ts_stat('SELECT search_vector FROM public.catalog_listed_product') s
     CROSS JOIN LATERAL (SELECT quote_literal(s.word)::tsquery AS query) t
     CROSS JOIN LATERAL (
            SELECT array_agg(r.id ORDER BY r.rank DESC, r.id DESC) AS ids,
                   array_agg(r.rank ORDER BY r.rank DESC, r.id DESC) AS ranks
              FROM (SELECT p.id, ts_rank_cd(p.search_vector, t.query) AS rank
                      FROM catalog_listed_product p
                     WHERE p.search_vector @@ t.query
                     ORDER BY 2 DESC, 1 DESC
                     LIMIT top_n) r
           ) top
     WHERE s.ndoc >= min_matches;
    GET DIAGNOSTICS written = ROW_COUNT;
    DELETE FROM catalog_search_word;
    INSERT INTO catalog_search_word (word, products)
    SELECT w.word, count(DISTINCT p.id)
      FROM catalog_listed_product p
     CROSS JOIN LATERAL regexp_split_to_table(lower(p.name || ' ' || coalesce(p.brand, '')), '[^[:alnum:]]+') AS w(word)
     WHERE w.word ~ '^[[:alnum:]]{3,}$'
     GROUP BY w.word;
    RETURN written;
END
$$;

SELECT catalog_search_terms_refresh();
"""

REVERSE = """
DROP TABLE catalog_search_word;
CREATE OR REPLACE FUNCTION catalog_search_terms_refresh(min_matches integer DEFAULT 2000, top_n integer DEFAULT 2000)
RETURNS integer
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    written integer;
BEGIN
    IF min_matches < 1 OR top_n < 1 THEN
        RAISE EXCEPTION 'min_matches and top_n must be positive' USING ERRCODE = '22023';
    END IF;
    LOCK TABLE catalog_search_term IN SHARE ROW EXCLUSIVE MODE;
    DELETE FROM catalog_search_term;
    INSERT INTO catalog_search_term (query, matches, top_ids, top_ranks, computed_at)
    SELECT t.query, s.ndoc, top.ids, top.ranks, now()
      FROM ts_stat('SELECT search_vector FROM public.catalog_listed_product') s
     CROSS JOIN LATERAL (SELECT quote_literal(s.word)::tsquery AS query) t
     CROSS JOIN LATERAL (
            SELECT array_agg(r.id ORDER BY r.rank DESC, r.id DESC) AS ids,
                   array_agg(r.rank ORDER BY r.rank DESC, r.id DESC) AS ranks
              FROM (SELECT p.id, ts_rank_cd(p.search_vector, t.query) AS rank
                      FROM catalog_listed_product p
                     WHERE p.search_vector @@ t.query
                     ORDER BY 2 DESC, 1 DESC
                     LIMIT top_n) r
           ) top
     WHERE s.ndoc >= min_matches;
    GET DIAGNOSTICS written = ROW_COUNT;
    RETURN written;
END
$$;
"""


class Migration(migrations.Migration):
    dependencies = [("catalog", "0017_listing_product_index_covers_category")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunSQL(FORWARD, REVERSE)],
            state_operations=[
                migrations.CreateModel(
                    name="SearchWord",
                    fields=[
                        ("word", models.TextField(primary_key=True, serialize=False)),
                        ("products", models.IntegerField()),
                    ],
                    options={"db_table": "catalog_search_word"},
                ),
            ],
        ),
    ]

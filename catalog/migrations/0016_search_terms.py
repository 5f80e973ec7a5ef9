"""catalog_search_term: the best matches of every frequent search word, precomputed.

A common word matches tens of thousands of listed products, and relevance (ts_rank_cd)
can only choose the top 24 after reading every match's tsvector (~100 ms at 500k
products, BENCHMARKS.md). For each lexeme that matches at least `min_matches` listed
products, this table holds how many it matches and its `top_n` best products, in the
search's own order (rank DESC, id DESC) with the very ranks the live query computes
(the same ts_rank_cd of the same tsquery). A search for that word then filters and
pages that short list instead of ranking every match.

Exactness: a product's rank for a word depends only on its search vector. Every change
of a vector, and every product becoming listed, stamps catalog_product.search_changed_at
(trigger below). A search uses a list entry only if its product is still listed and was
not stamped since the list was computed (minus a grace period for transactions that were
in flight), ranks the stamped products live, and takes nothing at or below the list's
last entry unless the list holds every match; when the filtered list cannot fill a page
it falls back to the full query with the same cursor (catalog/selectors.py). So the
lists make common words fast without ever changing what a search returns.

Refreshed by catalog_search_terms_refresh(): with the analytics views (manage.py
refresh_analytics, hourly) and after bulk loads. Between refreshes the stamped products
are the only extra work. Public data (listed products' ids and ranks), read-only for the
storefront roles, no RLS (like the category listing).
"""

from django.contrib.postgres.fields import ArrayField
from django.db import migrations, models
from django.db.models.functions import Now

FORWARD = """
-- Existing products: text unchanged since long before the lists below are computed (a
-- finite time: Python's datetime cannot hold -infinity); new ones: now.
ALTER TABLE catalog_product ADD COLUMN search_changed_at timestamptz NOT NULL DEFAULT '1970-01-01 00:00:00+00'
    CONSTRAINT catalog_product_search_changed_finite CHECK (isfinite(search_changed_at));
ALTER TABLE catalog_product ALTER COLUMN search_changed_at SET DEFAULT now();
CREATE INDEX catalog_product_searched_idx ON catalog_product (search_changed_at);

CREATE FUNCTION catalog_product_mark_search_changed() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    NEW.search_changed_at := clock_timestamp();
    RETURN NEW;
END
$$;
-- Named to run after the BEFORE triggers that set search_vector and is_listed (same-kind
-- triggers fire in name order), so WHEN sees the row as they left it.
CREATE TRIGGER catalog_product_zz_search_changed
    BEFORE UPDATE ON catalog_product
    FOR EACH ROW
    WHEN (NEW.search_vector IS DISTINCT FROM OLD.search_vector OR (NEW.is_listed AND NOT OLD.is_listed))
    EXECUTE FUNCTION catalog_product_mark_search_changed();

GRANT CREATE ON SCHEMA public TO commerce_definer;
SET ROLE commerce_definer;
CREATE OR REPLACE VIEW catalog_listed_product AS
SELECT id, seller_id, name, slug, brand, price, currency, rating_avg, rating_count, created_at,
       units_sold, search_vector, search_changed_at
  FROM catalog_product
 WHERE is_listed;
RESET ROLE;
REVOKE CREATE ON SCHEMA public FROM commerce_definer;

CREATE TABLE catalog_search_term (
    query tsquery PRIMARY KEY,
    matches integer NOT NULL CHECK (matches > 0),
    top_ids bigint[] NOT NULL,
    top_ranks real[] NOT NULL,
    computed_at timestamptz NOT NULL,
    CONSTRAINT catalog_search_term_lists CHECK (
        cardinality(top_ids) = cardinality(top_ranks) AND cardinality(top_ids) BETWEEN 1 AND matches)
);

CREATE FUNCTION catalog_search_terms_refresh(min_matches integer DEFAULT 2000, top_n integer DEFAULT 2000)
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
REVOKE ALL ON FUNCTION catalog_search_terms_refresh(integer, integer) FROM PUBLIC;
GRANT SELECT ON catalog_search_term TO commerce_customer, commerce_manager, commerce_readonly, commerce_seller;

SELECT catalog_search_terms_refresh();
"""

REVERSE = """
DROP FUNCTION catalog_search_terms_refresh(integer, integer);
DROP TABLE catalog_search_term;
GRANT CREATE ON SCHEMA public TO commerce_definer;
SET ROLE commerce_definer;
DROP VIEW catalog_listed_product;
CREATE VIEW catalog_listed_product AS
SELECT id, seller_id, name, slug, brand, price, currency, rating_avg, rating_count, created_at,
       units_sold, search_vector
  FROM catalog_product
 WHERE is_listed;
RESET ROLE;
REVOKE CREATE ON SCHEMA public FROM commerce_definer;
GRANT SELECT ON catalog_listed_product TO commerce_customer, commerce_manager, commerce_readonly;
DROP TRIGGER catalog_product_zz_search_changed ON catalog_product;
DROP FUNCTION catalog_product_mark_search_changed();
ALTER TABLE catalog_product DROP COLUMN search_changed_at;
"""


class Migration(migrations.Migration):
    dependencies = [("catalog", "0015_drop_search_matches")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunSQL(FORWARD, REVERSE)],
            state_operations=[
                migrations.AddField(
                    model_name="product",
                    name="search_changed_at",
                    field=models.DateTimeField(db_default=Now(), editable=False),
                ),
                migrations.AddIndex(
                    model_name="product",
                    index=models.Index(fields=["search_changed_at"], name="catalog_product_searched_idx"),
                ),
                migrations.CreateModel(
                    name="SearchTerm",
                    fields=[
                        ("query", models.TextField(primary_key=True, serialize=False)),
                        ("matches", models.IntegerField()),
                        ("top_ids", ArrayField(base_field=models.BigIntegerField(), size=None)),
                        ("top_ranks", ArrayField(base_field=models.FloatField(), size=None)),
                        ("computed_at", models.DateTimeField()),
                    ],
                    options={"db_table": "catalog_search_term"},
                ),
            ],
        ),
    ]

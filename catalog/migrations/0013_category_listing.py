"""catalog_category_listing: one row per listed product and per category whose subtree
holds it (its linked categories and all their ancestors), with the product's sort keys.

A category page is then one ordered range scan of `(category_id, <sort key>, id)` that
stops after a page, whatever the category's size: no subtree expansion, no membership
probe per product, no guess by a planner that has no statistics for non-LEAKPROOF
operators under row-level security (BENCHMARKS.md). It is public reference data (listed
products' public sort keys only), so it has no RLS, like the category tree, and the
storefront roles may only read it.

Invariant (checked by manage.py check_integrity): the table equals the view
catalog_listing_source. Kept by triggers calling
catalog_listing_refresh(product): on products (listing state, price, creation time,
rating, units sold), on product-category links, and on category path changes (a move
re-paths the subtree row by row, and each re-pathed category refreshes its products).
Bulk loads rebuild it with catalog_listing_rebuild().
"""

from django.db import migrations, models

FORWARD = """
CREATE TABLE catalog_category_listing (
    category_id bigint NOT NULL REFERENCES catalog_category (id) ON DELETE CASCADE,
    id bigint NOT NULL REFERENCES catalog_product (id) ON DELETE CASCADE,
    price numeric(12, 2) NOT NULL,
    created_at timestamptz NOT NULL,
    rating_avg numeric(3, 2),
    rating_count integer NOT NULL,
    units_sold integer NOT NULL,
    PRIMARY KEY (category_id, id)
);
CREATE INDEX catalog_listing_product ON catalog_category_listing (id);
CREATE INDEX catalog_listing_price ON catalog_category_listing (category_id, price, id);
CREATE INDEX catalog_listing_newest ON catalog_category_listing (category_id, created_at DESC, id DESC);
CREATE INDEX catalog_listing_rating
    ON catalog_category_listing (category_id, (coalesce(rating_avg, 0)) DESC, rating_count DESC, id DESC);
CREATE INDEX catalog_listing_top_rated
    ON catalog_category_listing (category_id, rating_avg DESC, rating_count DESC, id) WHERE rating_count >= 3;

-- The rows every product should have (none unless listed with a price): one definition
-- for the per-product refresh, the set-based rebuild and the integrity check. A filter on
-- `id` is pushed down into it (a DISTINCT column), so a refresh reads one product's links.
CREATE VIEW catalog_listing_source AS
SELECT DISTINCT a.id AS category_id, p.id, p.price, p.created_at, p.rating_avg, p.rating_count, p.units_sold
  FROM catalog_product p
  JOIN catalog_product_category pc ON pc.product_id = p.id
  JOIN catalog_category c ON c.id = pc.category_id
  CROSS JOIN LATERAL unnest(string_to_array(btrim(c.path, '/'), '/')::bigint[]) AS a(id)
  JOIN catalog_category ancestor ON ancestor.id = a.id
 WHERE p.is_listed AND p.price IS NOT NULL;

CREATE FUNCTION catalog_listing_refresh(p_product bigint) RETURNS void
LANGUAGE sql SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
    DELETE FROM public.catalog_category_listing WHERE id = p_product;
    INSERT INTO public.catalog_category_listing
    SELECT * FROM public.catalog_listing_source WHERE id = p_product;
$$;

-- Set-based: the whole table from the products (bulk loads, repairs).
CREATE FUNCTION catalog_listing_rebuild() RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    n bigint;
BEGIN
    DELETE FROM public.catalog_category_listing;
    INSERT INTO public.catalog_category_listing SELECT * FROM public.catalog_listing_source;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;

CREATE FUNCTION catalog_listing_product_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    PERFORM public.catalog_listing_refresh(NEW.id);
    RETURN NULL;
END
$$;
-- Not "UPDATE OF <columns>": is_listed is set by a BEFORE trigger when the status or the
-- seller changes, and such a column is not in the statement's SET list.
CREATE TRIGGER catalog_listing_product_insert
    AFTER INSERT ON catalog_product
    FOR EACH ROW EXECUTE FUNCTION catalog_listing_product_changed();
CREATE TRIGGER catalog_listing_product_update
    AFTER UPDATE ON catalog_product
    FOR EACH ROW WHEN ((OLD.is_listed, OLD.price, OLD.created_at, OLD.rating_sum, OLD.rating_count, OLD.units_sold)
                       IS DISTINCT FROM
                       (NEW.is_listed, NEW.price, NEW.created_at, NEW.rating_sum, NEW.rating_count, NEW.units_sold))
    EXECUTE FUNCTION catalog_listing_product_changed();

CREATE FUNCTION catalog_listing_link_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM public.catalog_listing_refresh(OLD.product_id);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM public.catalog_listing_refresh(NEW.product_id);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER catalog_listing_link
    AFTER INSERT OR DELETE OR UPDATE ON catalog_product_category
    FOR EACH ROW EXECUTE FUNCTION catalog_listing_link_changed();

CREATE FUNCTION catalog_listing_category_moved() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    PERFORM public.catalog_listing_refresh(pc.product_id)
       FROM public.catalog_product_category pc WHERE pc.category_id = NEW.id;
    RETURN NULL;
END
$$;
CREATE TRIGGER catalog_listing_category
    AFTER UPDATE OF path ON catalog_category
    FOR EACH ROW WHEN (OLD.path IS DISTINCT FROM NEW.path)
    EXECUTE FUNCTION catalog_listing_category_moved();

SELECT catalog_listing_rebuild();

GRANT CREATE ON SCHEMA public TO commerce_definer;
ALTER TABLE catalog_category_listing OWNER TO commerce_admin;
ALTER FUNCTION catalog_listing_refresh(bigint) OWNER TO commerce_definer;
ALTER FUNCTION catalog_listing_rebuild() OWNER TO commerce_definer;
ALTER FUNCTION catalog_listing_product_changed() OWNER TO commerce_definer;
ALTER FUNCTION catalog_listing_link_changed() OWNER TO commerce_definer;
ALTER FUNCTION catalog_listing_category_moved() OWNER TO commerce_definer;
REVOKE CREATE ON SCHEMA public FROM commerce_definer;
REVOKE ALL ON FUNCTION catalog_listing_refresh(bigint), catalog_listing_rebuild(),
    catalog_listing_product_changed(), catalog_listing_link_changed(), catalog_listing_category_moved()
    FROM PUBLIC;
GRANT SELECT, INSERT, DELETE ON catalog_category_listing TO commerce_definer;
GRANT SELECT ON catalog_listing_source TO commerce_definer;
GRANT SELECT ON catalog_category_listing TO commerce_customer, commerce_manager, commerce_readonly, commerce_seller;
"""

REVERSE = """
DROP TRIGGER catalog_listing_category ON catalog_category;
DROP TRIGGER catalog_listing_link ON catalog_product_category;
DROP TRIGGER catalog_listing_product_update ON catalog_product;
DROP TRIGGER catalog_listing_product_insert ON catalog_product;
DROP FUNCTION catalog_listing_category_moved();
DROP FUNCTION catalog_listing_link_changed();
DROP FUNCTION catalog_listing_product_changed();
DROP FUNCTION catalog_listing_rebuild();
DROP FUNCTION catalog_listing_refresh(bigint);
DROP VIEW catalog_listing_source;
DROP TABLE catalog_category_listing;
"""


class Migration(migrations.Migration):
    dependencies = [("catalog", "0012_rating_listing_index")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunSQL(FORWARD, REVERSE)],
            state_operations=[
                migrations.CreateModel(
                    name="CategoryListing",
                    fields=[
                        (
                            "pk",
                            models.CompositePrimaryKey(
                                "category_id",
                                "product_id",
                                blank=True,
                                editable=False,
                                primary_key=True,
                                serialize=False,
                            ),
                        ),
                        ("category_id", models.BigIntegerField()),
                        ("product_id", models.BigIntegerField(db_column="id")),
                        ("price", models.DecimalField(decimal_places=2, max_digits=12)),
                        ("created_at", models.DateTimeField()),
                        ("rating_avg", models.DecimalField(decimal_places=2, max_digits=3, null=True)),
                        ("rating_count", models.IntegerField()),
                        ("units_sold", models.IntegerField()),
                    ],
                    options={"db_table": "catalog_category_listing"},
                ),
            ],
        ),
    ]

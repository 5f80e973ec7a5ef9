"""catalog_category_search: one row per listed product and per category whose subtree
holds it (the category listing's rows) with the product's search vector, under one GIN
index on (category, words).

A search within a category then intersects the category's and the words' posting lists
inside the index and reads only the products that have both. Until now it started from
either side: from every product that has the words (a frequent word matches up to 140,000
products; "fit" within Fish & Aquatics, which has none of them, took 220 ms to prove
empty) or from every product of the category (10,000 rows tested one by one). Measured on
the full data set: a frequent word in a category where it is rare 1-6 ms, where it is
absent 1-2 ms. Where the words are dense in the category (thousands of matches) the
precomputed lists and the ordered walk of catalog/selectors.py stay faster, and the
search chooses (selectors._in_category_estimate).

A table of its own rather than a column of the category listing: the listing is
rewritten whenever a product's sort keys change (every order changes units sold), and a
GIN entry per word per row would make each of those writes several times dearer. This
one changes only when a product's words, listing state or categories do.

Invariant (checked by manage.py check_integrity): the table equals the view
catalog_category_search_source (the listing's rows with the product's vector). Kept by
triggers calling catalog_category_search_refresh(product): on product updates that
change the vector, the listing state or whether the price is set; on product-category
links; on category path changes (a move re-paths the subtree row by row). A new product
has no links yet, so it has no rows until a link trigger gives it some; deleting a
product or a category removes its rows (ON DELETE CASCADE). Bulk loads rebuild it with
catalog_category_search_rebuild(). btree_gin provides the GIN operator class for the
category id (a trusted extension: the database owner may create it). Public reference
data (listed products' words), so no RLS, like the listing; storefront roles may only
read it.
"""

from django.contrib.postgres.operations import BtreeGinExtension
from django.contrib.postgres.search import SearchVectorField
from django.db import migrations, models

FORWARD = """
CREATE TABLE catalog_category_search (
    id bigint NOT NULL REFERENCES catalog_product (id) ON DELETE CASCADE,
    category_id bigint NOT NULL REFERENCES catalog_category (id) ON DELETE CASCADE,
    search_vector tsvector,  -- as the product's (set by its BEFORE trigger)
    PRIMARY KEY (id, category_id)
);
CREATE INDEX catalog_category_search_words ON catalog_category_search USING gin (category_id, search_vector);

-- The rows every product should have: the listing's (catalog 0013) with the vector. A
-- filter on `id` is pushed down into the listing's view, so a refresh reads one product.
CREATE VIEW catalog_category_search_source AS
SELECT s.id, s.category_id, p.search_vector
  FROM catalog_listing_source s
  JOIN catalog_product p ON p.id = s.id;

CREATE FUNCTION catalog_category_search_refresh(p_product bigint) RETURNS void
LANGUAGE sql SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
    DELETE FROM public.catalog_category_search WHERE id = p_product;
    INSERT INTO public.catalog_category_search
    SELECT * FROM public.catalog_category_search_source WHERE id = p_product;
$$;

CREATE FUNCTION catalog_category_search_rebuild() RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    n bigint;
BEGIN
    DELETE FROM public.catalog_category_search;
    INSERT INTO public.catalog_category_search SELECT * FROM public.catalog_category_search_source;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;

CREATE FUNCTION catalog_category_search_product_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    PERFORM public.catalog_category_search_refresh(NEW.id);
    RETURN NULL;
END
$$;
-- Not "UPDATE OF <columns>": is_listed and search_vector are set by BEFORE triggers.
CREATE TRIGGER catalog_category_search_product
    AFTER UPDATE ON catalog_product
    FOR EACH ROW WHEN ((OLD.is_listed, OLD.price IS NULL, OLD.search_vector)
                       IS DISTINCT FROM (NEW.is_listed, NEW.price IS NULL, NEW.search_vector))
    EXECUTE FUNCTION catalog_category_search_product_changed();

CREATE FUNCTION catalog_category_search_link_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM public.catalog_category_search_refresh(OLD.product_id);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM public.catalog_category_search_refresh(NEW.product_id);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER catalog_category_search_link
    AFTER INSERT OR DELETE OR UPDATE ON catalog_product_category
    FOR EACH ROW EXECUTE FUNCTION catalog_category_search_link_changed();

CREATE FUNCTION catalog_category_search_category_moved() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    PERFORM public.catalog_category_search_refresh(pc.product_id)
       FROM public.catalog_product_category pc WHERE pc.category_id = NEW.id;
    RETURN NULL;
END
$$;
CREATE TRIGGER catalog_category_search_category
    AFTER UPDATE OF path ON catalog_category
    FOR EACH ROW WHEN (OLD.path IS DISTINCT FROM NEW.path)
    EXECUTE FUNCTION catalog_category_search_category_moved();

GRANT CREATE ON SCHEMA public TO commerce_definer;
ALTER TABLE catalog_category_search OWNER TO commerce_admin;
ALTER FUNCTION catalog_category_search_refresh(bigint) OWNER TO commerce_definer;
ALTER FUNCTION catalog_category_search_rebuild() OWNER TO commerce_definer;
ALTER FUNCTION catalog_category_search_product_changed() OWNER TO commerce_definer;
ALTER FUNCTION catalog_category_search_link_changed() OWNER TO commerce_definer;
ALTER FUNCTION catalog_category_search_category_moved() OWNER TO commerce_definer;
REVOKE CREATE ON SCHEMA public FROM commerce_definer;
REVOKE ALL ON FUNCTION catalog_category_search_refresh(bigint), catalog_category_search_rebuild(),
    catalog_category_search_product_changed(), catalog_category_search_link_changed(),
    catalog_category_search_category_moved()
    FROM PUBLIC;
GRANT SELECT, INSERT, DELETE ON catalog_category_search TO commerce_definer;
GRANT SELECT ON catalog_category_search_source TO commerce_definer;
GRANT SELECT ON catalog_category_search TO commerce_customer, commerce_manager, commerce_readonly, commerce_seller;

SELECT catalog_category_search_rebuild();
"""

REVERSE = """
DROP TRIGGER catalog_category_search_category ON catalog_category;
DROP TRIGGER catalog_category_search_link ON catalog_product_category;
DROP TRIGGER catalog_category_search_product ON catalog_product;
DROP FUNCTION catalog_category_search_category_moved();
DROP FUNCTION catalog_category_search_link_changed();
DROP FUNCTION catalog_category_search_product_changed();
DROP FUNCTION catalog_category_search_rebuild();
DROP FUNCTION catalog_category_search_refresh(bigint);
DROP VIEW catalog_category_search_source;
DROP TABLE catalog_category_search;
"""


class Migration(migrations.Migration):
    dependencies = [("catalog", "0020_search_vector_category_ancestors")]

    operations = [
        BtreeGinExtension(),
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunSQL(FORWARD, REVERSE)],
            state_operations=[
                migrations.CreateModel(
                    name="CategorySearch",
                    fields=[
                        (
                            "pk",
                            models.CompositePrimaryKey(
                                "product_id",
                                "category_id",
                                blank=True,
                                editable=False,
                                primary_key=True,
                                serialize=False,
                            ),
                        ),
                        ("product_id", models.BigIntegerField(db_column="id")),
                        ("category_id", models.BigIntegerField()),
                        ("search_vector", SearchVectorField(null=True)),
                    ],
                    options={"db_table": "catalog_category_search"},
                ),
            ],
        ),
    ]

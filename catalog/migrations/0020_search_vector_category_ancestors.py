"""Search finds a product by the names of its categories' ancestors too.

A product is linked to leaf categories ("Wireless Soundbars"), so until now a shopper's
search for "audio" or "soundbars" missed it. The vector's C weight now holds the names
of every linked category and of their ancestors below the top level (each once, by
category id; the ancestors are the ids in the category's materialized path). The ten
departments' names are left out ("Sports & Outdoors", "Beauty & Personal Care",
"Office Products"): each would make words like "outdoor", "care" or "products" match a
tenth of the catalog, which is noise in results and, measured on the full data set,
makes frequent words slower to rank within a category; a department is one click away
in the menu. A product linked to a department directly still has its name.

Kept by triggers, as before: product text and product-category links call the same
function; a category rename or move (its path changes, and the subtree's re-path
changes each descendant's) now re-indexes every product linked anywhere in the renamed
or moved subtree, in one statement-level trigger (transition tables) instead of the
per-row rename trigger.

The existing vectors are recomputed here, set-based, in one statement with three
triggers off for it: the audit log's (a derived column recomputed by a migration is not
a business change; it would log one before/after image per product, ~1 GB at full
scale), updated_at's (no product was edited) and the search-changed stamp's. The
search's precomputed lists are then rebuilt from the new vectors in the same
transaction, so no list is ever older than a vector it speaks for; a stamp would have
made every product "changed within the lists' grace period" and sent every search down
the live-ranking path until an hourly refresh (seen on the full data set: QP-01 went
from ~0.1 s to seconds). ALTER TABLE ... DISABLE TRIGGER takes a SHARE ROW EXCLUSIVE
lock: storefront reads go on, catalog writes wait for the migration (4 min at full
scale). Reverse: the previous function and trigger, and the vectors recomputed with them.
"""

from django.db import migrations

NEW_FUNCTION = """
CREATE OR REPLACE FUNCTION catalog_product_search_vector(
    p_id bigint, p_name text, p_brand text, p_description text) RETURNS tsvector
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
    SELECT setweight(to_tsvector('english', coalesce(p_name, '')), 'A')
        || setweight(to_tsvector('english', coalesce(p_brand, '')), 'B')
        || setweight(to_tsvector('english', coalesce(
               (SELECT string_agg(c.name, ' ' ORDER BY c.id)
                  FROM public.catalog_category c
                 WHERE c.id IN (SELECT a.id::bigint
                                  FROM public.catalog_product_category pc
                                  JOIN public.catalog_category l ON l.id = pc.category_id
                                 CROSS JOIN LATERAL unnest(string_to_array(btrim(l.path, '/'), '/'))
                                       WITH ORDINALITY AS a(id, level)
                                 WHERE pc.product_id = p_id
                                   AND (a.level > 1 OR a.id::bigint = l.id))), '')), 'C')
        || setweight(to_tsvector('english', coalesce(p_description, '')), 'D')
$$;
"""

OLD_FUNCTION = """
CREATE OR REPLACE FUNCTION catalog_product_search_vector(
    p_id bigint, p_name text, p_brand text, p_description text) RETURNS tsvector
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
    SELECT setweight(to_tsvector('english', coalesce(p_name, '')), 'A')
        || setweight(to_tsvector('english', coalesce(p_brand, '')), 'B')
        || setweight(to_tsvector('english', coalesce(
               (SELECT string_agg(c.name, ' ' ORDER BY c.id)
                  FROM public.catalog_product_category pc
                  JOIN public.catalog_category c ON c.id = pc.category_id
                 WHERE pc.product_id = p_id), '')), 'C')
        || setweight(to_tsvector('english', coalesce(p_description, '')), 'D')
$$;
"""

NEW_TRIGGER = """
DROP TRIGGER catalog_category_reindex_products ON catalog_category;
DROP FUNCTION catalog_category_reindex_products();

CREATE FUNCTION catalog_category_reindex_subtree() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    UPDATE public.catalog_product p
       SET search_vector = public.catalog_product_search_vector(p.id, p.name, p.brand, p.description)
     WHERE p.id IN (
           SELECT pc.product_id
             FROM (SELECT n.path
                     FROM new_rows n JOIN old_rows o ON o.id = n.id
                    WHERE (n.name, n.path) IS DISTINCT FROM (o.name, o.path)) changed
             JOIN public.catalog_category d ON starts_with(d.path, changed.path)
             JOIN public.catalog_product_category pc ON pc.category_id = d.id);
    RETURN NULL;
END
$$;
CREATE TRIGGER catalog_category_reindex_subtree
    AFTER UPDATE ON catalog_category
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_category_reindex_subtree();

GRANT CREATE ON SCHEMA public TO commerce_definer;
ALTER FUNCTION catalog_category_reindex_subtree() OWNER TO commerce_definer;
REVOKE CREATE ON SCHEMA public FROM commerce_definer;
REVOKE ALL ON FUNCTION catalog_category_reindex_subtree() FROM PUBLIC;
"""

OLD_TRIGGER = """
DROP TRIGGER catalog_category_reindex_subtree ON catalog_category;
DROP FUNCTION catalog_category_reindex_subtree();

CREATE FUNCTION catalog_category_reindex_products() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    UPDATE public.catalog_product p
       SET search_vector = public.catalog_product_search_vector(p.id, p.name, p.brand, p.description)
     WHERE p.id IN (SELECT product_id FROM public.catalog_product_category WHERE category_id = NEW.id);
    RETURN NULL;
END
$$;
CREATE TRIGGER catalog_category_reindex_products
    AFTER UPDATE OF name ON catalog_category
    FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name)
    EXECUTE FUNCTION catalog_category_reindex_products();

GRANT CREATE ON SCHEMA public TO commerce_definer;
ALTER FUNCTION catalog_category_reindex_products() OWNER TO commerce_definer;
REVOKE CREATE ON SCHEMA public FROM commerce_definer;
REVOKE ALL ON FUNCTION catalog_category_reindex_products() FROM PUBLIC;
"""

# The function belongs to commerce_definer: replaced in its role, as catalog 0016 does.
REPLACE_AS_DEFINER = """
GRANT CREATE ON SCHEMA public TO commerce_definer;
SET ROLE commerce_definer;
{function}
RESET ROLE;
REVOKE CREATE ON SCHEMA public FROM commerce_definer;
"""

RECOMPUTE = """
ALTER TABLE catalog_product DISABLE TRIGGER audit_update;
ALTER TABLE catalog_product DISABLE TRIGGER touch_updated_at;
ALTER TABLE catalog_product DISABLE TRIGGER catalog_product_zz_search_changed;
UPDATE catalog_product p
   SET search_vector = n.vector
  FROM (SELECT id, catalog_product_search_vector(id, name, brand, description) AS vector
          FROM catalog_product) n
 WHERE n.id = p.id AND p.search_vector IS DISTINCT FROM n.vector;
ALTER TABLE catalog_product ENABLE TRIGGER catalog_product_zz_search_changed;
ALTER TABLE catalog_product ENABLE TRIGGER touch_updated_at;
ALTER TABLE catalog_product ENABLE TRIGGER audit_update;
SELECT catalog_search_terms_refresh();
"""


class Migration(migrations.Migration):
    dependencies = [("catalog", "0019_drop_redundant_indexes")]

    operations = [
        migrations.RunSQL(
            REPLACE_AS_DEFINER.format(function=NEW_FUNCTION) + NEW_TRIGGER + RECOMPUTE,
            REPLACE_AS_DEFINER.format(function=OLD_FUNCTION) + OLD_TRIGGER + RECOMPUTE,
        ),
    ]

"""Derived values of the catalog, kept by the database.

- updated_at columns (touch_updated_at, reusable by every app)
- category path/depth, subtree re-path on a move, cycles refused (SQLSTATE 23514)
- product.is_listed (active product of an active seller)
- product.price = lowest active variant price (recomputed under the product's row lock)
- product.search_vector: name A, brand B, category names C, description D
- product rating_sum/rating_count from published reviews, by delta on the locked row
- every product has at least one variant (deferred constraint triggers)

Triggers that must see or write rows the caller cannot are SECURITY DEFINER, owned by
commerce_definer with a pinned search_path (../shared/DATABASE-SECURITY.md items 6, 7, 11).
"""

from django.db import migrations

DEFINER_GRANTS = """
GRANT SELECT, UPDATE ON catalog_product TO commerce_definer;
GRANT SELECT ON catalog_category, catalog_product_category, catalog_variant, accounts_seller
   TO commerce_definer;
"""

UPDATED_AT = """
CREATE OR REPLACE FUNCTION touch_updated_at() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END
$$;
CREATE TRIGGER touch_updated_at BEFORE UPDATE ON catalog_product
    FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
CREATE TRIGGER touch_updated_at BEFORE UPDATE ON catalog_variant
    FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
CREATE TRIGGER touch_updated_at BEFORE UPDATE ON catalog_review
    FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
"""

CATEGORY_PATHS = """
-- Path of ids from the root, e.g. '/1/7/42/'. A category may not move under itself or
-- one of its descendants. Moves re-path the whole subtree in one statement.
CREATE OR REPLACE FUNCTION catalog_category_set_path() RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
    parent_path text;
BEGIN
    IF NEW.parent_id IS NULL THEN
        NEW.path := '/' || NEW.id || '/';
    ELSE
        SELECT path INTO parent_path FROM catalog_category WHERE id = NEW.parent_id FOR SHARE;
        IF parent_path IS NULL THEN
            RAISE EXCEPTION 'parent category % does not exist', NEW.parent_id USING ERRCODE = '23503';
        END IF;
        IF NEW.id = NEW.parent_id OR parent_path LIKE '%/' || NEW.id || '/%' THEN
            RAISE EXCEPTION 'category % cannot be moved under itself or one of its descendants', NEW.id
                USING ERRCODE = '23514', CONSTRAINT = 'catalog_category_no_cycles';
        END IF;
        NEW.path := parent_path || NEW.id || '/';
    END IF;
    NEW.depth := length(NEW.path) - length(replace(NEW.path, '/', '')) - 2;
    RETURN NEW;
END
$$;
CREATE TRIGGER catalog_category_set_path
    BEFORE INSERT OR UPDATE OF parent_id ON catalog_category
    FOR EACH ROW EXECUTE FUNCTION catalog_category_set_path();

CREATE OR REPLACE FUNCTION catalog_category_repath_subtree() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    UPDATE catalog_category
       SET path = NEW.path || substr(path, length(OLD.path) + 1),
           depth = NEW.depth + (length(path) - length(replace(path, '/', '')))
                             - (length(OLD.path) - length(replace(OLD.path, '/', '')))
     WHERE path LIKE OLD.path || '%' AND id <> NEW.id;
    RETURN NULL;
END
$$;
CREATE TRIGGER catalog_category_repath_subtree
    AFTER UPDATE OF parent_id ON catalog_category
    FOR EACH ROW WHEN (OLD.path IS DISTINCT FROM NEW.path)
    EXECUTE FUNCTION catalog_category_repath_subtree();
"""

LISTING = """
CREATE OR REPLACE FUNCTION catalog_product_set_listed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    NEW.is_listed := NEW.status = 'active'
        AND coalesce((SELECT is_active FROM public.accounts_seller WHERE id = NEW.seller_id), false);
    RETURN NEW;
END
$$;
CREATE TRIGGER catalog_product_set_listed
    BEFORE INSERT OR UPDATE OF status, seller_id, is_listed ON catalog_product
    FOR EACH ROW EXECUTE FUNCTION catalog_product_set_listed();

CREATE OR REPLACE FUNCTION accounts_seller_relist_products() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    UPDATE public.catalog_product
       SET is_listed = (status = 'active' AND NEW.is_active)
     WHERE seller_id = NEW.id AND is_listed IS DISTINCT FROM (status = 'active' AND NEW.is_active);
    RETURN NULL;
END
$$;
CREATE TRIGGER accounts_seller_relist_products
    AFTER UPDATE OF is_active ON accounts_seller
    FOR EACH ROW WHEN (OLD.is_active IS DISTINCT FROM NEW.is_active)
    EXECUTE FUNCTION accounts_seller_relist_products();
"""

PRICE = """
-- Not fired by stock changes: checkouts never touch the product row.
CREATE OR REPLACE FUNCTION catalog_variant_reprice_product() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    pid bigint;
BEGIN
    FOR pid IN
        SELECT DISTINCT unnest(ARRAY[CASE WHEN TG_OP <> 'INSERT' THEN OLD.product_id END,
                                     CASE WHEN TG_OP <> 'DELETE' THEN NEW.product_id END]) AS id
        ORDER BY 1
    LOOP
        CONTINUE WHEN pid IS NULL;
        -- Lock first, then read: the read takes a fresh snapshot after the lock, so two
        -- concurrent variant edits of one product cannot both compute from stale rows.
        PERFORM 1 FROM public.catalog_product WHERE id = pid FOR NO KEY UPDATE;
        UPDATE public.catalog_product p
           SET price = v.min_price
          FROM (SELECT min(price) AS min_price FROM public.catalog_variant
                 WHERE product_id = pid AND is_active) v
         WHERE p.id = pid AND p.price IS DISTINCT FROM v.min_price;
    END LOOP;
    RETURN NULL;
END
$$;
CREATE TRIGGER catalog_variant_reprice_product
    AFTER INSERT OR DELETE ON catalog_variant
    FOR EACH ROW EXECUTE FUNCTION catalog_variant_reprice_product();
CREATE TRIGGER catalog_variant_reprice_product_upd
    AFTER UPDATE ON catalog_variant
    FOR EACH ROW
    WHEN ((OLD.price, OLD.is_active, OLD.product_id) IS DISTINCT FROM (NEW.price, NEW.is_active, NEW.product_id))
    EXECUTE FUNCTION catalog_variant_reprice_product();
"""

SEARCH = """
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

CREATE OR REPLACE FUNCTION catalog_product_set_search_vector() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    NEW.search_vector := catalog_product_search_vector(NEW.id, NEW.name, NEW.brand, NEW.description);
    RETURN NEW;
END
$$;
CREATE TRIGGER catalog_product_set_search_vector
    BEFORE INSERT OR UPDATE OF name, brand, description ON catalog_product
    FOR EACH ROW EXECUTE FUNCTION catalog_product_set_search_vector();

CREATE OR REPLACE FUNCTION catalog_product_category_reindex() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    UPDATE public.catalog_product p
       SET search_vector = public.catalog_product_search_vector(p.id, p.name, p.brand, p.description)
     WHERE p.id IN (SELECT product_id FROM changed);
    RETURN NULL;
END
$$;
CREATE TRIGGER catalog_product_category_reindex_ins
    AFTER INSERT ON catalog_product_category REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_product_category_reindex();
CREATE TRIGGER catalog_product_category_reindex_del
    AFTER DELETE ON catalog_product_category REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_product_category_reindex();

CREATE OR REPLACE FUNCTION catalog_category_reindex_products() RETURNS trigger
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
"""

RATINGS = """
-- Delta updates on the product row, which the UPDATE locks: two concurrent reviews of
-- one product both count (a recount would lose one). Only published reviews count.
CREATE OR REPLACE FUNCTION catalog_review_update_rating() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    old_counts boolean := TG_OP <> 'INSERT' AND OLD.status = 'published';
    new_counts boolean := TG_OP <> 'DELETE' AND NEW.status = 'published';
BEGIN
    IF TG_OP = 'UPDATE' AND old_counts AND new_counts
       AND OLD.product_id = NEW.product_id AND OLD.rating = NEW.rating THEN
        RETURN NULL;
    END IF;
    IF old_counts THEN
        UPDATE public.catalog_product
           SET rating_sum = rating_sum - OLD.rating, rating_count = rating_count - 1
         WHERE id = OLD.product_id;
    END IF;
    IF new_counts THEN
        UPDATE public.catalog_product
           SET rating_sum = rating_sum + NEW.rating, rating_count = rating_count + 1
         WHERE id = NEW.product_id;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER catalog_review_update_rating
    AFTER INSERT OR DELETE OR UPDATE OF status, rating, product_id ON catalog_review
    FOR EACH ROW EXECUTE FUNCTION catalog_review_update_rating();

-- Shoppers' reviews go through moderation: whatever a shopper's request writes, a new or
-- edited review is pending, and only staff may publish or reject.
CREATE OR REPLACE FUNCTION catalog_review_moderation() RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
    is_staff_role boolean := pg_catalog.pg_has_role(current_user, 'commerce_manager', 'MEMBER');
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.product_id <> OLD.product_id THEN
        RAISE EXCEPTION 'a review cannot move to another product' USING ERRCODE = '23514';
    END IF;
    IF NOT is_staff_role THEN
        IF TG_OP = 'INSERT' OR (NEW.rating, NEW.title, NEW.body) IS DISTINCT FROM (OLD.rating, OLD.title, OLD.body) THEN
            NEW.status := 'pending';
            NEW.moderated_at := NULL;
        ELSIF NEW.status IS DISTINCT FROM OLD.status THEN
            RAISE EXCEPTION 'only staff can publish or reject reviews' USING ERRCODE = '42501';
        END IF;
        IF TG_OP = 'INSERT' THEN
            NEW.is_verified_purchase := false;
        ELSE
            NEW.is_verified_purchase := OLD.is_verified_purchase;
        END IF;
    ELSIF TG_OP = 'UPDATE' AND NEW.status IS DISTINCT FROM OLD.status THEN
        NEW.moderated_at := now();
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER catalog_review_moderation
    BEFORE INSERT OR UPDATE ON catalog_review
    FOR EACH ROW EXECUTE FUNCTION catalog_review_moderation();
"""

VARIANT_REQUIRED = """
CREATE OR REPLACE FUNCTION catalog_product_require_variant() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    pid bigint;
BEGIN
    -- Separate statements: a record's fields are resolved only when its branch runs.
    IF TG_TABLE_NAME = 'catalog_product' THEN
        pid := NEW.id;
    ELSE
        pid := OLD.product_id;
    END IF;
    IF EXISTS (SELECT 1 FROM public.catalog_product WHERE id = pid)
       AND NOT EXISTS (SELECT 1 FROM public.catalog_variant WHERE product_id = pid) THEN
        RAISE EXCEPTION 'product % must have at least one variant', pid
            USING ERRCODE = '23514', CONSTRAINT = 'catalog_product_has_variant';
    END IF;
    RETURN NULL;
END
$$;
CREATE CONSTRAINT TRIGGER catalog_product_has_variant
    AFTER INSERT ON catalog_product DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION catalog_product_require_variant();
CREATE CONSTRAINT TRIGGER catalog_variant_keeps_product_sold
    AFTER DELETE OR UPDATE OF product_id ON catalog_variant DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION catalog_product_require_variant();
"""

OWNERSHIP = """
GRANT CREATE ON SCHEMA public TO commerce_definer;
ALTER FUNCTION catalog_product_set_listed() OWNER TO commerce_definer;
ALTER FUNCTION accounts_seller_relist_products() OWNER TO commerce_definer;
ALTER FUNCTION catalog_variant_reprice_product() OWNER TO commerce_definer;
ALTER FUNCTION catalog_product_search_vector(bigint, text, text, text) OWNER TO commerce_definer;
ALTER FUNCTION catalog_product_category_reindex() OWNER TO commerce_definer;
ALTER FUNCTION catalog_category_reindex_products() OWNER TO commerce_definer;
ALTER FUNCTION catalog_review_update_rating() OWNER TO commerce_definer;
ALTER FUNCTION catalog_product_require_variant() OWNER TO commerce_definer;
REVOKE CREATE ON SCHEMA public FROM commerce_definer;
REVOKE ALL ON FUNCTION catalog_product_set_listed(), accounts_seller_relist_products(),
    catalog_variant_reprice_product(), catalog_product_search_vector(bigint, text, text, text),
    catalog_product_category_reindex(), catalog_category_reindex_products(),
    catalog_review_update_rating(), catalog_product_require_variant() FROM PUBLIC;
-- The search-vector builder is called by the invoker trigger on product writes.
GRANT EXECUTE ON FUNCTION catalog_product_search_vector(bigint, text, text, text)
   TO commerce_manager, commerce_seller;
"""

REVERSE = """
DROP TRIGGER IF EXISTS catalog_variant_keeps_product_sold ON catalog_variant;
DROP TRIGGER IF EXISTS catalog_product_has_variant ON catalog_product;
DROP FUNCTION IF EXISTS catalog_product_require_variant();
DROP TRIGGER IF EXISTS catalog_review_moderation ON catalog_review;
DROP FUNCTION IF EXISTS catalog_review_moderation();
DROP TRIGGER IF EXISTS catalog_review_update_rating ON catalog_review;
DROP FUNCTION IF EXISTS catalog_review_update_rating();
DROP TRIGGER IF EXISTS catalog_category_reindex_products ON catalog_category;
DROP FUNCTION IF EXISTS catalog_category_reindex_products();
DROP TRIGGER IF EXISTS catalog_product_category_reindex_del ON catalog_product_category;
DROP TRIGGER IF EXISTS catalog_product_category_reindex_ins ON catalog_product_category;
DROP FUNCTION IF EXISTS catalog_product_category_reindex();
DROP TRIGGER IF EXISTS catalog_product_set_search_vector ON catalog_product;
DROP FUNCTION IF EXISTS catalog_product_set_search_vector();
DROP FUNCTION IF EXISTS catalog_product_search_vector(bigint, text, text, text);
DROP TRIGGER IF EXISTS catalog_variant_reprice_product_upd ON catalog_variant;
DROP TRIGGER IF EXISTS catalog_variant_reprice_product ON catalog_variant;
DROP FUNCTION IF EXISTS catalog_variant_reprice_product();
DROP TRIGGER IF EXISTS accounts_seller_relist_products ON accounts_seller;
DROP FUNCTION IF EXISTS accounts_seller_relist_products();
DROP TRIGGER IF EXISTS catalog_product_set_listed ON catalog_product;
DROP FUNCTION IF EXISTS catalog_product_set_listed();
DROP TRIGGER IF EXISTS catalog_category_repath_subtree ON catalog_category;
DROP FUNCTION IF EXISTS catalog_category_repath_subtree();
DROP TRIGGER IF EXISTS catalog_category_set_path ON catalog_category;
DROP FUNCTION IF EXISTS catalog_category_set_path();
DROP TRIGGER IF EXISTS touch_updated_at ON catalog_review;
DROP TRIGGER IF EXISTS touch_updated_at ON catalog_variant;
DROP TRIGGER IF EXISTS touch_updated_at ON catalog_product;
DROP FUNCTION IF EXISTS touch_updated_at();
REVOKE ALL ON catalog_product, catalog_category, catalog_product_category, catalog_variant, accounts_seller
  FROM commerce_definer;
"""


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]

    operations = [
        migrations.RunSQL(
            DEFINER_GRANTS
            + UPDATED_AT
            + CATEGORY_PATHS
            + LISTING
            + PRICE
            + SEARCH
            + RATINGS
            + VARIANT_REQUIRED
            + OWNERSHIP,
            REVERSE,
        ),
    ]

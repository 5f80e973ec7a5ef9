"""Who may see and change the catalog, and the audit of prices and stock.

Storefront requests (commerce_customer) see listed products only (active product of an
active seller) and, through them, their categories, images and variants; the published
reviews plus their own; and only their own wishlist. Sellers' public profile columns are
readable, their contact details and payout token are not. Staff (commerce_manager) run
the catalog; analysts (commerce_readonly) read it.
"""

from django.db import migrations

FORWARD = """
-- Sellers: public columns for everyone, the rest for staff and the seller's own scope.
ALTER TABLE accounts_seller ENABLE ROW LEVEL SECURITY;
ALTER TABLE accounts_seller FORCE ROW LEVEL SECURITY;
CREATE POLICY seller_owner ON accounts_seller TO commerce_admin USING (true) WITH CHECK (true);
CREATE POLICY seller_definer ON accounts_seller FOR SELECT TO commerce_definer USING (true);
CREATE POLICY seller_staff ON accounts_seller TO commerce_manager USING (true) WITH CHECK (true);
CREATE POLICY seller_public ON accounts_seller FOR SELECT TO commerce_customer, commerce_readonly
    USING (is_active);
CREATE POLICY seller_self ON accounts_seller FOR SELECT TO commerce_seller USING (id = app_seller_id());
GRANT SELECT (id, company_name, slug, description, is_active, created_at) ON accounts_seller
   TO commerce_customer, commerce_readonly;
GRANT SELECT ON accounts_seller TO commerce_seller;
GRANT SELECT, INSERT, UPDATE ON accounts_seller TO commerce_manager;

ALTER TABLE accounts_seller_member ENABLE ROW LEVEL SECURITY;
ALTER TABLE accounts_seller_member FORCE ROW LEVEL SECURITY;
CREATE POLICY seller_member_owner ON accounts_seller_member TO commerce_admin USING (true) WITH CHECK (true);
CREATE POLICY seller_member_staff ON accounts_seller_member TO commerce_manager USING (true) WITH CHECK (true);
CREATE POLICY seller_member_self ON accounts_seller_member FOR SELECT TO commerce_customer, commerce_seller
    USING (user_id = app_user_id());
GRANT SELECT ON accounts_seller_member TO commerce_customer, commerce_seller;
GRANT SELECT, INSERT, UPDATE, DELETE ON accounts_seller_member TO commerce_manager;

-- Categories are public.
ALTER TABLE catalog_category ENABLE ROW LEVEL SECURITY;
ALTER TABLE catalog_category FORCE ROW LEVEL SECURITY;
CREATE POLICY category_owner ON catalog_category TO commerce_admin USING (true) WITH CHECK (true);
CREATE POLICY category_staff ON catalog_category TO commerce_manager USING (true) WITH CHECK (true);
CREATE POLICY category_read ON catalog_category FOR SELECT
    TO commerce_customer, commerce_readonly, commerce_seller, commerce_definer USING (true);
GRANT SELECT ON catalog_category TO commerce_customer, commerce_readonly, commerce_seller;
GRANT SELECT, INSERT, UPDATE, DELETE ON catalog_category TO commerce_manager;

-- Products: listed ones for shoppers; a seller also sees all of its own.
ALTER TABLE catalog_product ENABLE ROW LEVEL SECURITY;
ALTER TABLE catalog_product FORCE ROW LEVEL SECURITY;
CREATE POLICY product_owner ON catalog_product TO commerce_admin USING (true) WITH CHECK (true);
CREATE POLICY product_definer ON catalog_product TO commerce_definer USING (true) WITH CHECK (true);
CREATE POLICY product_staff ON catalog_product TO commerce_manager USING (true) WITH CHECK (true);
CREATE POLICY product_analyst ON catalog_product FOR SELECT TO commerce_readonly USING (true);
CREATE POLICY product_listed ON catalog_product FOR SELECT TO commerce_customer, commerce_seller
    USING (is_listed);
CREATE POLICY product_seller_own ON catalog_product FOR SELECT TO commerce_seller
    USING (seller_id = app_seller_id());
GRANT SELECT ON catalog_product TO commerce_customer, commerce_readonly, commerce_seller;
GRANT SELECT, INSERT, UPDATE, DELETE ON catalog_product TO commerce_manager;

-- Rows hanging off a product are visible when the product is (its policy applies inside).
ALTER TABLE catalog_product_category ENABLE ROW LEVEL SECURITY;
ALTER TABLE catalog_product_category FORCE ROW LEVEL SECURITY;
CREATE POLICY product_category_owner ON catalog_product_category TO commerce_admin USING (true) WITH CHECK (true);
CREATE POLICY product_category_staff ON catalog_product_category TO commerce_manager USING (true) WITH CHECK (true);
CREATE POLICY product_category_read ON catalog_product_category FOR SELECT
    TO commerce_customer, commerce_readonly, commerce_seller, commerce_definer
    USING (EXISTS (SELECT 1 FROM catalog_product p WHERE p.id = product_id));
GRANT SELECT ON catalog_product_category TO commerce_customer, commerce_readonly, commerce_seller;
GRANT SELECT, INSERT, UPDATE, DELETE ON catalog_product_category TO commerce_manager;

ALTER TABLE catalog_product_image ENABLE ROW LEVEL SECURITY;
ALTER TABLE catalog_product_image FORCE ROW LEVEL SECURITY;
CREATE POLICY product_image_owner ON catalog_product_image TO commerce_admin USING (true) WITH CHECK (true);
CREATE POLICY product_image_staff ON catalog_product_image TO commerce_manager USING (true) WITH CHECK (true);
CREATE POLICY product_image_read ON catalog_product_image FOR SELECT
    TO commerce_customer, commerce_readonly, commerce_seller
    USING (EXISTS (SELECT 1 FROM catalog_product p WHERE p.id = product_id));
GRANT SELECT ON catalog_product_image TO commerce_customer, commerce_readonly, commerce_seller;
GRANT SELECT, INSERT, UPDATE, DELETE ON catalog_product_image TO commerce_manager;

ALTER TABLE catalog_variant ENABLE ROW LEVEL SECURITY;
ALTER TABLE catalog_variant FORCE ROW LEVEL SECURITY;
CREATE POLICY variant_owner ON catalog_variant TO commerce_admin USING (true) WITH CHECK (true);
CREATE POLICY variant_definer ON catalog_variant FOR SELECT TO commerce_definer USING (true);
CREATE POLICY variant_staff ON catalog_variant TO commerce_manager USING (true) WITH CHECK (true);
CREATE POLICY variant_read ON catalog_variant FOR SELECT
    TO commerce_customer, commerce_readonly, commerce_seller
    USING (EXISTS (SELECT 1 FROM catalog_product p WHERE p.id = product_id));
GRANT SELECT ON catalog_variant TO commerce_customer, commerce_readonly, commerce_seller;
GRANT SELECT, INSERT, UPDATE, DELETE ON catalog_variant TO commerce_manager;

-- Reviews: published ones for everyone; shoppers write and edit their own.
ALTER TABLE catalog_review ENABLE ROW LEVEL SECURITY;
ALTER TABLE catalog_review FORCE ROW LEVEL SECURITY;
CREATE POLICY review_owner ON catalog_review TO commerce_admin USING (true) WITH CHECK (true);
CREATE POLICY review_staff ON catalog_review TO commerce_manager USING (true) WITH CHECK (true);
CREATE POLICY review_published ON catalog_review FOR SELECT
    TO commerce_customer, commerce_readonly, commerce_seller
    USING (status = 'published' AND EXISTS (SELECT 1 FROM catalog_product p WHERE p.id = product_id));
CREATE POLICY review_own_read ON catalog_review FOR SELECT TO commerce_customer
    USING (user_id = app_user_id());
CREATE POLICY review_own_write ON catalog_review FOR INSERT TO commerce_customer
    WITH CHECK (user_id = app_user_id() AND EXISTS (SELECT 1 FROM catalog_product p WHERE p.id = product_id));
CREATE POLICY review_own_update ON catalog_review FOR UPDATE TO commerce_customer
    USING (user_id = app_user_id()) WITH CHECK (user_id = app_user_id());
CREATE POLICY review_own_delete ON catalog_review FOR DELETE TO commerce_customer
    USING (user_id = app_user_id());
GRANT SELECT ON catalog_review TO commerce_readonly, commerce_seller;
GRANT SELECT, INSERT, UPDATE, DELETE ON catalog_review TO commerce_customer, commerce_manager;

-- Wishlists are private.
ALTER TABLE catalog_wishlist_item ENABLE ROW LEVEL SECURITY;
ALTER TABLE catalog_wishlist_item FORCE ROW LEVEL SECURITY;
CREATE POLICY wishlist_owner ON catalog_wishlist_item TO commerce_admin USING (true) WITH CHECK (true);
CREATE POLICY wishlist_shopper ON catalog_wishlist_item TO commerce_customer
    USING (user_id = app_user_id())
    WITH CHECK (user_id = app_user_id() AND EXISTS (SELECT 1 FROM catalog_product p WHERE p.id = product_id));
GRANT SELECT, INSERT, DELETE ON catalog_wishlist_item TO commerce_customer;
"""

AUDIT = """
CREATE TRIGGER audit_insert_delete AFTER INSERT OR DELETE ON catalog_product
    FOR EACH ROW EXECUTE FUNCTION audit_record_change('id', 'search_vector', 'description');
CREATE TRIGGER audit_update AFTER UPDATE ON catalog_product
    FOR EACH ROW
    WHEN ((OLD.cost, OLD.status, OLD.seller_id) IS DISTINCT FROM (NEW.cost, NEW.status, NEW.seller_id))
    EXECUTE FUNCTION audit_record_change('id', 'search_vector', 'description');
CREATE TRIGGER audit_insert_delete AFTER INSERT OR DELETE ON catalog_variant
    FOR EACH ROW EXECUTE FUNCTION audit_record_change('id');
CREATE TRIGGER audit_update AFTER UPDATE ON catalog_variant
    FOR EACH ROW
    WHEN ((OLD.price, OLD.stock, OLD.is_active, OLD.sku) IS DISTINCT FROM (NEW.price, NEW.stock, NEW.is_active, NEW.sku))
    EXECUTE FUNCTION audit_record_change('id', 'updated_at');
CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON accounts_seller
    FOR EACH ROW EXECUTE FUNCTION audit_record_change('id');
CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON accounts_seller_member
    FOR EACH ROW EXECUTE FUNCTION audit_record_change('id');
"""

REVERSE = """
DROP TRIGGER IF EXISTS audit ON accounts_seller_member;
DROP TRIGGER IF EXISTS audit ON accounts_seller;
DROP TRIGGER IF EXISTS audit_update ON catalog_variant;
DROP TRIGGER IF EXISTS audit_insert_delete ON catalog_variant;
DROP TRIGGER IF EXISTS audit_update ON catalog_product;
DROP TRIGGER IF EXISTS audit_insert_delete ON catalog_product;
DO $$
DECLARE
    t text;
    pol record;
BEGIN
    FOREACH t IN ARRAY ARRAY['accounts_seller', 'accounts_seller_member', 'catalog_category', 'catalog_product',
                             'catalog_product_category', 'catalog_product_image', 'catalog_variant',
                             'catalog_review', 'catalog_wishlist_item'] LOOP
        FOR pol IN SELECT policyname FROM pg_policies WHERE schemaname = 'public' AND tablename = t LOOP
            EXECUTE format('DROP POLICY %I ON %I', pol.policyname, t);
        END LOOP;
        EXECUTE format('ALTER TABLE %I NO FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I DISABLE ROW LEVEL SECURITY', t);
        EXECUTE format('REVOKE ALL ON %I FROM commerce_customer, commerce_manager, commerce_readonly, commerce_seller', t);
    END LOOP;
END
$$;
"""


class Migration(migrations.Migration):
    dependencies = [("catalog", "0002_catalog_derived_values")]

    operations = [migrations.RunSQL(FORWARD + AUDIT, REVERSE)]

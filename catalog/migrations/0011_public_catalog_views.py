"""The public catalog as two views for the storefront's listing and search (QP-01).

Under FORCE'd row-level security PostgreSQL evaluates a table's policy qual before any
operator that is not LEAKPROOF, so a shopper's `search_vector @@ query`, `name %> query`
or price range could not be index conditions next to the `is_listed` policy: search read
every match through a SECURITY DEFINER function and then joined and ranked it, and
category filters paid a policy sub-select per candidate row.

catalog_listed_product and catalog_listed_product_category are views owned by
commerce_definer (views run with their owner's rights, and the definer's policies are
`true`), so the planner sees plain tables and chooses freely between the GIN indexes and
the ordered listing indexes. What a shopper can read through them is exactly what the
customer policy allows, stated in the view: listed products only, and only their public
columns (no cost, no status, no description). They are granted to the roles that read the
storefront. Every other read of products and categories still goes through RLS.
"""

from django.db import migrations

FORWARD = """
-- The definer's own policy on product categories (it shared the shoppers' policy, whose
-- per-row EXISTS is pointless for a role that sees every product).
ALTER POLICY product_category_read ON catalog_product_category
    TO commerce_customer, commerce_readonly, commerce_seller;
CREATE POLICY product_category_definer ON catalog_product_category FOR SELECT TO commerce_definer USING (true);

GRANT CREATE ON SCHEMA public TO commerce_definer;
SET ROLE commerce_definer;
CREATE VIEW catalog_listed_product AS
SELECT id, seller_id, name, slug, brand, price, currency, rating_avg, rating_count, created_at,
       units_sold, search_vector
  FROM catalog_product
 WHERE is_listed;
CREATE VIEW catalog_listed_product_category AS
SELECT pc.product_id, pc.category_id
  FROM catalog_product_category pc
 WHERE EXISTS (SELECT FROM catalog_product p WHERE p.id = pc.product_id AND p.is_listed);
RESET ROLE;
REVOKE CREATE ON SCHEMA public FROM commerce_definer;
GRANT SELECT ON catalog_listed_product, catalog_listed_product_category
    TO commerce_customer, commerce_manager, commerce_readonly;
"""

REVERSE = """
DROP VIEW catalog_listed_product_category;
DROP VIEW catalog_listed_product;
DROP POLICY product_category_definer ON catalog_product_category;
ALTER POLICY product_category_read ON catalog_product_category
    TO commerce_customer, commerce_definer, commerce_readonly, commerce_seller;
"""


class Migration(migrations.Migration):
    dependencies = [("catalog", "0010_star_counts")]

    operations = [migrations.RunSQL(FORWARD, REVERSE)]

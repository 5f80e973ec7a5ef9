"""The seller portal's scope (role commerce_seller with app.seller_id).

A seller reads its own products (catalog 0003), edits only stock and low-stock threshold
of its own variants (audited by the variant audit trigger), reads its own order lines and
the number, status and date of the orders they belong to (never the shopper's address or
payment), and its own payouts. Payouts are written by compute_payouts (the owner) only.
"""

from django.db import migrations

FORWARD = """
CREATE POLICY variant_seller_stock ON catalog_variant FOR UPDATE TO commerce_seller
    USING (EXISTS (SELECT 1 FROM catalog_product p WHERE p.id = product_id AND p.seller_id = app_seller_id()))
    WITH CHECK (EXISTS (SELECT 1 FROM catalog_product p WHERE p.id = product_id AND p.seller_id = app_seller_id()));
GRANT UPDATE (stock, low_stock_threshold, updated_at) ON catalog_variant TO commerce_seller;

-- Through a definer function: an EXISTS over orders_order_item here would make the two
-- tables' policies refer to each other (infinite recursion for a role with both).
CREATE OR REPLACE FUNCTION orders_order_has_seller_line(p_order_id bigint, p_seller_id bigint)
RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
    SELECT p_seller_id IS NOT NULL AND EXISTS (
        SELECT 1 FROM public.orders_order_item WHERE order_id = p_order_id AND seller_id = p_seller_id)
$$;
GRANT CREATE ON SCHEMA public TO commerce_definer;
ALTER FUNCTION orders_order_has_seller_line(bigint, bigint) OWNER TO commerce_definer;
REVOKE CREATE ON SCHEMA public FROM commerce_definer;
REVOKE ALL ON FUNCTION orders_order_has_seller_line(bigint, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION orders_order_has_seller_line(bigint, bigint) TO commerce_seller;
CREATE POLICY order_seller ON orders_order FOR SELECT TO commerce_seller
    USING (orders_order_has_seller_line(id, app_seller_id()));
GRANT SELECT (id, number, status, placed_at, currency) ON orders_order TO commerce_seller;

ALTER TABLE orders_seller_payout ENABLE ROW LEVEL SECURITY;
ALTER TABLE orders_seller_payout FORCE ROW LEVEL SECURITY;
CREATE POLICY payout_owner ON orders_seller_payout TO commerce_admin USING (true) WITH CHECK (true);
CREATE POLICY payout_staff ON orders_seller_payout TO commerce_manager USING (true) WITH CHECK (true);
CREATE POLICY payout_seller ON orders_seller_payout FOR SELECT TO commerce_seller USING (seller_id = app_seller_id());
GRANT SELECT ON orders_seller_payout TO commerce_seller, commerce_manager, commerce_readonly;
GRANT UPDATE (status) ON orders_seller_payout TO commerce_manager;
CREATE POLICY payout_analyst ON orders_seller_payout FOR SELECT TO commerce_readonly USING (true);

CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON orders_seller_payout
    FOR EACH ROW EXECUTE FUNCTION audit_record_change('id');
"""

REVERSE = """
DROP TRIGGER IF EXISTS audit ON orders_seller_payout;
DROP POLICY IF EXISTS payout_analyst ON orders_seller_payout;
DROP POLICY IF EXISTS payout_seller ON orders_seller_payout;
DROP POLICY IF EXISTS payout_staff ON orders_seller_payout;
DROP POLICY IF EXISTS payout_owner ON orders_seller_payout;
REVOKE ALL ON orders_seller_payout FROM commerce_seller, commerce_manager, commerce_readonly;
ALTER TABLE orders_seller_payout NO FORCE ROW LEVEL SECURITY;
ALTER TABLE orders_seller_payout DISABLE ROW LEVEL SECURITY;
REVOKE SELECT (id, number, status, placed_at, currency) ON orders_order FROM commerce_seller;
DROP POLICY IF EXISTS order_seller ON orders_order;
DROP FUNCTION IF EXISTS orders_order_has_seller_line(bigint, bigint);
REVOKE UPDATE (stock, low_stock_threshold, updated_at) ON catalog_variant FROM commerce_seller;
DROP POLICY IF EXISTS variant_seller_stock ON catalog_variant;
"""


class Migration(migrations.Migration):
    dependencies = [("orders", "0006_seller_payouts"), ("catalog", "0006_price_guard")]

    operations = [migrations.RunSQL(FORWARD, REVERSE)]

"""Who may see and change carts, orders and payments; the audit of orders and payments.

Shoppers reach their own cart (by user, or by the anonymous token in app.cart_token),
their own orders, lines, status history and payment records; they never write orders
directly (order_place, order_record_payment and order_cancel do, for them only).
Sellers see their own order lines. Staff read everything and move an order's status and
tracking number (column privileges: nothing else of a placed order can change anyway).
"""

from django.db import migrations

FORWARD = """
ALTER TABLE orders_cart ENABLE ROW LEVEL SECURITY;
ALTER TABLE orders_cart FORCE ROW LEVEL SECURITY;
CREATE POLICY cart_owner ON orders_cart TO commerce_admin USING (true) WITH CHECK (true);
CREATE POLICY cart_definer ON orders_cart TO commerce_definer USING (true) WITH CHECK (true);
CREATE POLICY cart_shopper ON orders_cart TO commerce_customer
    USING (user_id = app_user_id() OR (user_id IS NULL AND token = app_cart_token()))
    WITH CHECK (user_id = app_user_id() OR (user_id IS NULL AND token = app_cart_token()));
GRANT SELECT, INSERT, UPDATE, DELETE ON orders_cart TO commerce_customer;

ALTER TABLE orders_cart_item ENABLE ROW LEVEL SECURITY;
ALTER TABLE orders_cart_item FORCE ROW LEVEL SECURITY;
CREATE POLICY cart_item_owner ON orders_cart_item TO commerce_admin USING (true) WITH CHECK (true);
CREATE POLICY cart_item_definer ON orders_cart_item TO commerce_definer USING (true) WITH CHECK (true);
CREATE POLICY cart_item_shopper ON orders_cart_item TO commerce_customer
    USING (EXISTS (SELECT 1 FROM orders_cart c WHERE c.id = cart_id))
    WITH CHECK (EXISTS (SELECT 1 FROM orders_cart c WHERE c.id = cart_id));
GRANT SELECT, INSERT, UPDATE, DELETE ON orders_cart_item TO commerce_customer;

ALTER TABLE orders_order ENABLE ROW LEVEL SECURITY;
ALTER TABLE orders_order FORCE ROW LEVEL SECURITY;
CREATE POLICY order_owner ON orders_order TO commerce_admin USING (true) WITH CHECK (true);
CREATE POLICY order_definer ON orders_order TO commerce_definer USING (true) WITH CHECK (true);
CREATE POLICY order_staff ON orders_order TO commerce_manager USING (true) WITH CHECK (true);
CREATE POLICY order_shopper ON orders_order FOR SELECT TO commerce_customer USING (user_id = app_user_id());
GRANT SELECT ON orders_order TO commerce_customer, commerce_manager;
GRANT UPDATE (status, tracking_number, updated_at) ON orders_order TO commerce_manager;

ALTER TABLE orders_order_item ENABLE ROW LEVEL SECURITY;
ALTER TABLE orders_order_item FORCE ROW LEVEL SECURITY;
CREATE POLICY order_item_owner ON orders_order_item TO commerce_admin USING (true) WITH CHECK (true);
CREATE POLICY order_item_definer ON orders_order_item TO commerce_definer USING (true) WITH CHECK (true);
CREATE POLICY order_item_staff ON orders_order_item FOR SELECT TO commerce_manager USING (true);
CREATE POLICY order_item_shopper ON orders_order_item FOR SELECT TO commerce_customer
    USING (EXISTS (SELECT 1 FROM orders_order o WHERE o.id = order_id));
CREATE POLICY order_item_seller ON orders_order_item FOR SELECT TO commerce_seller
    USING (seller_id = app_seller_id());
GRANT SELECT ON orders_order_item TO commerce_customer, commerce_manager, commerce_seller;

ALTER TABLE orders_order_status_history ENABLE ROW LEVEL SECURITY;
ALTER TABLE orders_order_status_history FORCE ROW LEVEL SECURITY;
CREATE POLICY order_history_owner ON orders_order_status_history TO commerce_admin USING (true) WITH CHECK (true);
CREATE POLICY order_history_definer ON orders_order_status_history TO commerce_definer USING (true) WITH CHECK (true);
CREATE POLICY order_history_staff ON orders_order_status_history FOR SELECT TO commerce_manager USING (true);
CREATE POLICY order_history_shopper ON orders_order_status_history FOR SELECT TO commerce_customer
    USING (EXISTS (SELECT 1 FROM orders_order o WHERE o.id = order_id));
GRANT SELECT ON orders_order_status_history TO commerce_customer, commerce_manager;

ALTER TABLE orders_payment_transaction ENABLE ROW LEVEL SECURITY;
ALTER TABLE orders_payment_transaction FORCE ROW LEVEL SECURITY;
CREATE POLICY payment_owner ON orders_payment_transaction TO commerce_admin USING (true) WITH CHECK (true);
CREATE POLICY payment_definer ON orders_payment_transaction TO commerce_definer USING (true) WITH CHECK (true);
CREATE POLICY payment_staff ON orders_payment_transaction FOR SELECT TO commerce_manager USING (true);
CREATE POLICY payment_shopper ON orders_payment_transaction FOR SELECT TO commerce_customer
    USING (EXISTS (SELECT 1 FROM orders_order o WHERE o.id = order_id));
GRANT SELECT ON orders_payment_transaction TO commerce_customer, commerce_manager;

-- Reference data: everyone reads, staff maintain.
GRANT SELECT ON orders_shipping_method, orders_tax_rate TO commerce_customer, commerce_manager, commerce_readonly;
GRANT INSERT, UPDATE, DELETE ON orders_shipping_method, orders_tax_rate TO commerce_manager;

-- The definer's rights on catalog rows it restocks and verifies.
CREATE POLICY variant_definer_write ON catalog_variant FOR UPDATE TO commerce_definer USING (true) WITH CHECK (true);
CREATE POLICY review_definer ON catalog_review TO commerce_definer USING (true) WITH CHECK (true);
CREATE POLICY address_definer ON accounts_address FOR SELECT TO commerce_definer USING (true);
CREATE POLICY payment_method_definer ON accounts_payment_method FOR SELECT TO commerce_definer USING (true);
CREATE POLICY product_image_definer ON catalog_product_image FOR SELECT TO commerce_definer USING (true);

CREATE TRIGGER audit_insert AFTER INSERT ON orders_order
    FOR EACH ROW EXECUTE FUNCTION audit_record_change('number', 'payment_token');
CREATE TRIGGER audit_update AFTER UPDATE ON orders_order
    FOR EACH ROW WHEN ((OLD.status, OLD.tracking_number) IS DISTINCT FROM (NEW.status, NEW.tracking_number))
    EXECUTE FUNCTION audit_record_change('number', 'payment_token', 'updated_at');
CREATE TRIGGER audit AFTER INSERT ON orders_payment_transaction
    FOR EACH ROW EXECUTE FUNCTION audit_record_change('id');
CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON orders_shipping_method
    FOR EACH ROW EXECUTE FUNCTION audit_record_change('code');
CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON orders_tax_rate
    FOR EACH ROW EXECUTE FUNCTION audit_record_change('id');
"""

REVERSE = """
DROP TRIGGER IF EXISTS audit ON orders_tax_rate;
DROP TRIGGER IF EXISTS audit ON orders_shipping_method;
DROP TRIGGER IF EXISTS audit ON orders_payment_transaction;
DROP TRIGGER IF EXISTS audit_update ON orders_order;
DROP TRIGGER IF EXISTS audit_insert ON orders_order;
DROP POLICY IF EXISTS product_image_definer ON catalog_product_image;
DROP POLICY IF EXISTS payment_method_definer ON accounts_payment_method;
DROP POLICY IF EXISTS address_definer ON accounts_address;
DROP POLICY IF EXISTS review_definer ON catalog_review;
DROP POLICY IF EXISTS variant_definer_write ON catalog_variant;
REVOKE ALL ON orders_shipping_method, orders_tax_rate FROM commerce_customer, commerce_manager, commerce_readonly;
DO $$
DECLARE
    t text;
    pol record;
BEGIN
    FOREACH t IN ARRAY ARRAY['orders_cart', 'orders_cart_item', 'orders_order', 'orders_order_item',
                             'orders_order_status_history', 'orders_payment_transaction'] LOOP
        FOR pol IN SELECT policyname FROM pg_policies WHERE schemaname = 'public' AND tablename = t LOOP
            EXECUTE format('DROP POLICY %I ON %I', pol.policyname, t);
        END LOOP;
        EXECUTE format('ALTER TABLE %I NO FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I DISABLE ROW LEVEL SECURITY', t);
        EXECUTE format('REVOKE ALL ON %I FROM commerce_customer, commerce_manager, commerce_seller', t);
    END LOOP;
END
$$;
"""


class Migration(migrations.Migration):
    dependencies = [("orders", "0003_place_order_routine")]

    operations = [migrations.RunSQL(FORWARD, REVERSE)]

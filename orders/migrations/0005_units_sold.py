"""product.units_sold (best sellers) kept by the database.

Counted when an order is paid and taken back when a paid order is cancelled or refunded,
in the payment or staff transaction, never in the place-order transaction: checkouts
therefore never lock product rows. Products are locked in ascending id order, so two
orders being paid at once cannot deadlock.
"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION orders_order_count_units_sold() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    direction integer;
BEGIN
    IF OLD.status = 'pending_payment' AND NEW.status = 'paid' THEN
        direction := 1;
    ELSIF OLD.status IN ('paid', 'processing', 'shipped', 'delivered') AND NEW.status IN ('cancelled', 'refunded') THEN
        direction := -1;
    ELSE
        RETURN NULL;
    END IF;
    PERFORM 1 FROM public.catalog_product
     WHERE id IN (SELECT product_id FROM public.orders_order_item WHERE order_id = NEW.id)
     ORDER BY id FOR NO KEY UPDATE;
    UPDATE public.catalog_product p
       SET units_sold = p.units_sold + direction * sold.quantity
      FROM (SELECT product_id, sum(quantity) AS quantity
              FROM public.orders_order_item WHERE order_id = NEW.id GROUP BY product_id) sold
     WHERE p.id = sold.product_id;
    RETURN NULL;
END
$$;
GRANT CREATE ON SCHEMA public TO commerce_definer;
ALTER FUNCTION orders_order_count_units_sold() OWNER TO commerce_definer;
REVOKE CREATE ON SCHEMA public FROM commerce_definer;
REVOKE ALL ON FUNCTION orders_order_count_units_sold() FROM PUBLIC;
CREATE TRIGGER orders_order_count_units_sold AFTER UPDATE OF status ON orders_order
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status)
    EXECUTE FUNCTION orders_order_count_units_sold();

-- Catch up with orders that exist already.
UPDATE catalog_product p SET units_sold = coalesce(s.quantity, 0)
  FROM (SELECT i.product_id, sum(i.quantity) AS quantity
          FROM orders_order_item i JOIN orders_order o ON o.id = i.order_id
         WHERE o.status IN ('paid', 'processing', 'shipped', 'delivered')
         GROUP BY i.product_id) s
 WHERE s.product_id = p.id AND p.units_sold IS DISTINCT FROM s.quantity;
"""

REVERSE = """
DROP TRIGGER IF EXISTS orders_order_count_units_sold ON orders_order;
DROP FUNCTION IF EXISTS orders_order_count_units_sold();
"""


class Migration(migrations.Migration):
    dependencies = [("orders", "0004_orders_access")]

    operations = [migrations.RunSQL(FORWARD, REVERSE)]

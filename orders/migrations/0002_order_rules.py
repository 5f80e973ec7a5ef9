"""The order lifecycle, held by the database.

- Status state machine: only these moves are allowed (anything else: SQLSTATE SW020)
      pending_payment -> paid | payment_failed | cancelled
      paid            -> processing | cancelled | refunded
      processing      -> shipped | cancelled | refunded
      shipped         -> delivered | refunded
      delivered       -> refunded
  cancelled, refunded and payment_failed are final.
- Every status (the first one included) is written to orders_order_status_history with
  the database role, the application user and the time.
- A placed order's money, lines and snapshots cannot change (SW021); only status and
  tracking number move.
- Moving into cancelled / refunded / payment_failed puts the stock back, locking the
  variants in ascending id order like the place-order routine does (no deadlocks).
- Reviews become "verified purchase" when the shopper has a delivered line for the product.
- Carts: updated_at kept by triggers; an item change touches its cart row, so a checkout
  that locks the cart waits for in-flight cart edits and vice versa.
"""

from django.db import migrations

FORWARD = r"""
CREATE SEQUENCE IF NOT EXISTS orders_order_number_seq START 100001;

CREATE TRIGGER touch_updated_at BEFORE UPDATE ON orders_cart
    FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
CREATE TRIGGER touch_updated_at BEFORE UPDATE ON orders_cart_item
    FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
CREATE TRIGGER touch_updated_at BEFORE UPDATE ON orders_order
    FOR EACH ROW EXECUTE FUNCTION touch_updated_at();

CREATE OR REPLACE FUNCTION orders_cart_item_touch_cart() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    UPDATE orders_cart SET updated_at = now()
     WHERE id = CASE WHEN TG_OP = 'DELETE' THEN OLD.cart_id ELSE NEW.cart_id END;
    RETURN NULL;
END
$$;
CREATE TRIGGER orders_cart_item_touch_cart AFTER INSERT OR UPDATE OR DELETE ON orders_cart_item
    FOR EACH ROW EXECUTE FUNCTION orders_cart_item_touch_cart();

CREATE OR REPLACE FUNCTION orders_order_guard() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    IF (NEW.number, NEW.user_id, NEW.currency, NEW.subtotal, NEW.discount, NEW.shipping, NEW.tax, NEW.total,
        NEW.tax_rate, NEW.promotion_code, NEW.ship_name, NEW.ship_line1, NEW.ship_line2, NEW.ship_city,
        NEW.ship_region, NEW.ship_postal_code, NEW.ship_country, NEW.shipping_method_code,
        NEW.shipping_method_name, NEW.payment_token, NEW.card_brand, NEW.card_last4, NEW.idempotency_key,
        NEW.placed_at)
       IS DISTINCT FROM
       (OLD.number, OLD.user_id, OLD.currency, OLD.subtotal, OLD.discount, OLD.shipping, OLD.tax, OLD.total,
        OLD.tax_rate, OLD.promotion_code, OLD.ship_name, OLD.ship_line1, OLD.ship_line2, OLD.ship_city,
        OLD.ship_region, OLD.ship_postal_code, OLD.ship_country, OLD.shipping_method_code,
        OLD.shipping_method_name, OLD.payment_token, OLD.card_brand, OLD.card_last4, OLD.idempotency_key,
        OLD.placed_at) THEN
        RAISE EXCEPTION 'order %: a placed order''s amounts and details cannot change', OLD.number
            USING ERRCODE = 'SW021';
    END IF;
    IF NEW.status IS DISTINCT FROM OLD.status AND NOT (
        (OLD.status = 'pending_payment' AND NEW.status IN ('paid', 'payment_failed', 'cancelled')) OR
        (OLD.status = 'paid' AND NEW.status IN ('processing', 'cancelled', 'refunded')) OR
        (OLD.status = 'processing' AND NEW.status IN ('shipped', 'cancelled', 'refunded')) OR
        (OLD.status = 'shipped' AND NEW.status IN ('delivered', 'refunded')) OR
        (OLD.status = 'delivered' AND NEW.status = 'refunded')) THEN
        RAISE EXCEPTION 'order %: % -> % is not an allowed status change', OLD.number, OLD.status, NEW.status
            USING ERRCODE = 'SW020';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER orders_order_guard BEFORE UPDATE ON orders_order
    FOR EACH ROW EXECUTE FUNCTION orders_order_guard();

CREATE OR REPLACE FUNCTION orders_order_item_immutable() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    RAISE EXCEPTION 'order lines cannot be changed or removed once placed' USING ERRCODE = 'SW021';
END
$$;
CREATE TRIGGER orders_order_item_immutable BEFORE UPDATE OR DELETE ON orders_order_item
    FOR EACH ROW EXECUTE FUNCTION orders_order_item_immutable();

-- Status history, written by the database on every status (including the first).
CREATE OR REPLACE FUNCTION orders_order_record_status() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    request_role text := current_setting('role');
BEGIN
    INSERT INTO public.orders_order_status_history (order_id, from_status, to_status, db_role, app_user_id, changed_at)
    VALUES (NEW.id, CASE WHEN TG_OP = 'UPDATE' THEN OLD.status ELSE '' END, NEW.status,
            CASE WHEN request_role = 'none' THEN session_user::text ELSE request_role END,
            public.app_user_id(), clock_timestamp());
    RETURN NULL;
END
$$;
CREATE TRIGGER orders_order_record_status_ins AFTER INSERT ON orders_order
    FOR EACH ROW EXECUTE FUNCTION orders_order_record_status();
CREATE TRIGGER orders_order_record_status_upd AFTER UPDATE OF status ON orders_order
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status)
    EXECUTE FUNCTION orders_order_record_status();

-- Stock comes back when an order stops holding it.
CREATE OR REPLACE FUNCTION orders_order_restock() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    PERFORM 1 FROM public.catalog_variant
     WHERE id IN (SELECT variant_id FROM public.orders_order_item WHERE order_id = NEW.id)
     ORDER BY id FOR NO KEY UPDATE;
    UPDATE public.catalog_variant v
       SET stock = v.stock + back.quantity
      FROM (SELECT variant_id, sum(quantity) AS quantity
              FROM public.orders_order_item WHERE order_id = NEW.id GROUP BY variant_id) back
     WHERE v.id = back.variant_id;
    RETURN NULL;
END
$$;
CREATE TRIGGER orders_order_restock AFTER UPDATE OF status ON orders_order
    FOR EACH ROW
    WHEN (NEW.status IN ('cancelled', 'refunded', 'payment_failed')
          AND OLD.status NOT IN ('cancelled', 'refunded', 'payment_failed'))
    EXECUTE FUNCTION orders_order_restock();

-- Verified purchase: a delivered line of this product for this shopper.
CREATE OR REPLACE FUNCTION orders_order_verify_reviews() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    UPDATE public.catalog_review
       SET is_verified_purchase = true
     WHERE user_id = NEW.user_id AND NOT is_verified_purchase
       AND product_id IN (SELECT product_id FROM public.orders_order_item WHERE order_id = NEW.id);
    RETURN NULL;
END
$$;
CREATE TRIGGER orders_order_verify_reviews AFTER UPDATE OF status ON orders_order
    FOR EACH ROW WHEN (NEW.status = 'delivered' AND OLD.status IS DISTINCT FROM 'delivered')
    EXECUTE FUNCTION orders_order_verify_reviews();

CREATE OR REPLACE FUNCTION catalog_review_has_delivered_purchase(p_user_id bigint, p_product_id bigint)
RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
    SELECT EXISTS (SELECT 1 FROM public.orders_order o
                     JOIN public.orders_order_item i ON i.order_id = o.id
                    WHERE o.user_id = p_user_id AND o.status = 'delivered' AND i.product_id = p_product_id)
$$;

-- The moderation trigger now derives the flag from orders instead of refusing it.
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
    ELSIF TG_OP = 'UPDATE' AND NEW.status IS DISTINCT FROM OLD.status THEN
        NEW.moderated_at := now();
    END IF;
    IF TG_OP = 'INSERT' OR NEW.user_id IS DISTINCT FROM OLD.user_id
       OR NEW.is_verified_purchase IS DISTINCT FROM OLD.is_verified_purchase THEN
        NEW.is_verified_purchase := catalog_review_has_delivered_purchase(NEW.user_id, NEW.product_id);
    END IF;
    RETURN NEW;
END
$$;

GRANT SELECT, INSERT ON orders_order_status_history TO commerce_definer;
GRANT SELECT ON orders_order, orders_order_item TO commerce_definer;
GRANT SELECT, UPDATE ON catalog_variant TO commerce_definer;
GRANT SELECT, UPDATE ON catalog_review TO commerce_definer;
GRANT CREATE ON SCHEMA public TO commerce_definer;
ALTER FUNCTION orders_order_record_status() OWNER TO commerce_definer;
ALTER FUNCTION orders_order_restock() OWNER TO commerce_definer;
ALTER FUNCTION orders_order_verify_reviews() OWNER TO commerce_definer;
ALTER FUNCTION catalog_review_has_delivered_purchase(bigint, bigint) OWNER TO commerce_definer;
REVOKE CREATE ON SCHEMA public FROM commerce_definer;
REVOKE ALL ON FUNCTION orders_order_record_status(), orders_order_restock(), orders_order_verify_reviews(),
    catalog_review_has_delivered_purchase(bigint, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION catalog_review_has_delivered_purchase(bigint, bigint)
   TO commerce_customer, commerce_manager;
"""

REVERSE = r"""
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
DROP FUNCTION IF EXISTS catalog_review_has_delivered_purchase(bigint, bigint);
DROP TRIGGER IF EXISTS orders_order_verify_reviews ON orders_order;
DROP FUNCTION IF EXISTS orders_order_verify_reviews();
DROP TRIGGER IF EXISTS orders_order_restock ON orders_order;
DROP FUNCTION IF EXISTS orders_order_restock();
DROP TRIGGER IF EXISTS orders_order_record_status_upd ON orders_order;
DROP TRIGGER IF EXISTS orders_order_record_status_ins ON orders_order;
DROP FUNCTION IF EXISTS orders_order_record_status();
DROP TRIGGER IF EXISTS orders_order_item_immutable ON orders_order_item;
DROP FUNCTION IF EXISTS orders_order_item_immutable();
DROP TRIGGER IF EXISTS orders_order_guard ON orders_order;
DROP FUNCTION IF EXISTS orders_order_guard();
DROP TRIGGER IF EXISTS orders_cart_item_touch_cart ON orders_cart_item;
DROP FUNCTION IF EXISTS orders_cart_item_touch_cart();
DROP TRIGGER IF EXISTS touch_updated_at ON orders_order;
DROP TRIGGER IF EXISTS touch_updated_at ON orders_cart_item;
DROP TRIGGER IF EXISTS touch_updated_at ON orders_cart;
DROP SEQUENCE IF EXISTS orders_order_number_seq;
REVOKE ALL ON orders_order_status_history, orders_order, orders_order_item FROM commerce_definer;
REVOKE UPDATE ON catalog_variant, catalog_review FROM commerce_definer;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0001_initial"),
        ("catalog", "0005_review_author_trigger"),
    ]

    operations = [migrations.RunSQL(FORWARD, REVERSE)]

"""The place-order routine and the payment saga's database steps.

order_place(address_id, shipping_code, payment_method_id, promotion_code, idempotency_key)
  One transaction, as the shopper named by app.user_id (SECURITY DEFINER, but it acts
  only for the caller's own cart, address and payment method):
  1. serializes the shopper's own checkouts (advisory lock) and returns the existing
     order for a repeated idempotency key (double submit = one order);
  2. locks the cart row (waits for in-flight cart edits), then the variants the cart
     needs in ascending id order (concurrent checkouts wait, never deadlock), with a
     bounded lock wait;
  3. validates stock and the promotion (locking the promotion row), snapshots names,
     SKUs, sellers, unit prices and the address, computes the totals, writes order,
     lines and redemption (the first status-history row comes from a trigger), decrements
     stock and empties the cart.

Business failures raise these SQLSTATEs (class SW), mapped to messages by orders.services:
  SW001 out of stock (DETAIL: the SKU)      SW002 cart is empty
  SW003 promotion not valid (DETAIL: unknown | expired | not_yet_valid | below_minimum |
        not_applicable)                      SW004 promotion used up
  SW005 promotion already used by you        SW006 address / payment / shipping not found
  SW007 payment method expired               SW010 not logged in
  SW020 illegal status change                SW021 placed orders are immutable
  SW022 order cannot be cancelled now        55P03 busy (lock wait timed out): try again

Rounding rule: prices are exact decimals; a percentage discount is rounded half-up to
the cent once per order; tax = (subtotal - discount + shipping) x rate, rounded half-up
to the cent once per order; the discount is spread over the eligible lines in proportion
to their totals, the rounding remainder going to the largest line.
"""

from django.db import migrations

FORWARD = r"""
CREATE OR REPLACE FUNCTION orders_tax_rate(p_country text, p_region text, p_on date)
RETURNS numeric
LANGUAGE sql STABLE
SET search_path = pg_catalog, public, pg_temp
AS $$
    SELECT coalesce((
        SELECT rate FROM public.orders_tax_rate
         WHERE country = p_country
           AND (region = '' OR lower(region) = lower(coalesce(p_region, '')))
           AND valid_from <= p_on AND (valid_until IS NULL OR valid_until > p_on)
         ORDER BY (region <> '') DESC, valid_from DESC
         LIMIT 1), 0)
$$;

-- Checks a code for a shopper and a cart; returns the discount. Raises SW003/SW004/SW005.
CREATE OR REPLACE FUNCTION orders_promotion_discount(
    p_user_id bigint, p_cart_id bigint, p_code text, p_subtotal numeric, p_lock boolean,
    OUT promotion_id bigint, OUT discount numeric, OUT eligible numeric, OUT eligible_variants bigint[])
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    promo public.promotions_promotion%ROWTYPE;
    used integer;
BEGIN
    IF p_lock THEN
        SELECT * INTO promo FROM public.promotions_promotion
         WHERE lower(code) = lower(btrim(p_code)) FOR UPDATE;
    ELSE
        SELECT * INTO promo FROM public.promotions_promotion WHERE lower(code) = lower(btrim(p_code));
    END IF;
    IF NOT FOUND OR NOT promo.is_active THEN
        RAISE EXCEPTION 'unknown promotion code' USING ERRCODE = 'SW003', DETAIL = 'unknown';
    END IF;
    IF now() < promo.starts_at THEN
        RAISE EXCEPTION 'promotion not yet valid' USING ERRCODE = 'SW003', DETAIL = 'not_yet_valid';
    END IF;
    IF now() >= promo.ends_at THEN
        RAISE EXCEPTION 'promotion expired' USING ERRCODE = 'SW003', DETAIL = 'expired';
    END IF;
    SELECT coalesce(sum(v.price * ci.quantity), 0), coalesce(array_agg(v.id), '{}') INTO eligible, eligible_variants
      FROM public.orders_cart_item ci
      JOIN public.catalog_variant v ON v.id = ci.variant_id
     WHERE ci.cart_id = p_cart_id
       AND (promo.scope = 'site'
            OR (promo.scope = 'products' AND v.product_id IN (
                    SELECT ppp.product_id FROM public.promotions_promotion_product ppp WHERE ppp.promotion_id = promo.id))
            OR (promo.scope = 'categories' AND EXISTS (
                    SELECT 1 FROM public.catalog_product_category pc
                      JOIN public.catalog_category c ON c.id = pc.category_id
                      JOIN public.promotions_promotion_category ppc ON ppc.promotion_id = promo.id
                      JOIN public.catalog_category pcat ON pcat.id = ppc.category_id
                     WHERE pc.product_id = v.product_id AND c.path LIKE pcat.path || '%')));
    IF eligible = 0 THEN
        RAISE EXCEPTION 'promotion does not apply to these items' USING ERRCODE = 'SW003', DETAIL = 'not_applicable';
    END IF;
    IF p_subtotal < promo.minimum_purchase THEN
        RAISE EXCEPTION 'order below the promotion minimum of %', promo.minimum_purchase
            USING ERRCODE = 'SW003', DETAIL = 'below_minimum';
    END IF;
    IF promo.max_uses IS NOT NULL AND promo.uses_count >= promo.max_uses THEN
        RAISE EXCEPTION 'promotion used up' USING ERRCODE = 'SW004';
    END IF;
    SELECT uses INTO used FROM public.promotions_usage
     WHERE promotions_usage.promotion_id = promo.id AND user_id = p_user_id;
    IF coalesce(used, 0) >= promo.per_customer_limit THEN
        RAISE EXCEPTION 'promotion already used' USING ERRCODE = 'SW005';
    END IF;
    promotion_id := promo.id;
    IF promo.kind = 'percentage' THEN
        discount := round(eligible * promo.value / 100, 2);
    ELSE
        discount := least(promo.value, eligible);
    END IF;
END
$$;

CREATE OR REPLACE FUNCTION order_place(
    p_address_id bigint, p_shipping_code text, p_payment_method_id bigint,
    p_promotion_code text, p_idempotency_key uuid)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    buyer bigint := public.app_user_id();
    v_cart bigint;
    v_order bigint;
    addr public.accounts_address%ROWTYPE;
    card public.accounts_payment_method%ROWTYPE;
    ship public.orders_shipping_method%ROWTYPE;
    short record;
    v_subtotal numeric(12, 2);
    promo record;
    v_discount numeric(12, 2) := 0;
    v_eligible numeric(12, 2) := 0;
    v_scope bigint[] := '{}';
    v_shipping numeric(12, 2);
    v_rate numeric;
    v_tax numeric(12, 2);
BEGIN
    IF buyer IS NULL THEN
        RAISE EXCEPTION 'log in to place an order' USING ERRCODE = 'SW010';
    END IF;
    PERFORM pg_advisory_xact_lock(hashtextextended('order_place', buyer));
    SELECT id INTO v_order FROM public.orders_order
     WHERE user_id = buyer AND idempotency_key = p_idempotency_key;
    IF FOUND THEN
        RETURN v_order;  -- the same form submitted again
    END IF;

    SELECT * INTO addr FROM public.accounts_address WHERE id = p_address_id AND user_id = buyer;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'address not found' USING ERRCODE = 'SW006', DETAIL = 'address';
    END IF;
    SELECT * INTO card FROM public.accounts_payment_method WHERE id = p_payment_method_id AND user_id = buyer;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'payment method not found' USING ERRCODE = 'SW006', DETAIL = 'payment_method';
    END IF;
    IF make_date(card.exp_year, card.exp_month, 1) < date_trunc('month', now() AT TIME ZONE 'UTC')::date THEN
        RAISE EXCEPTION 'payment method expired' USING ERRCODE = 'SW007';
    END IF;
    SELECT * INTO ship FROM public.orders_shipping_method WHERE code = p_shipping_code AND is_active;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'shipping method not found' USING ERRCODE = 'SW006', DETAIL = 'shipping_method';
    END IF;

    PERFORM set_config('lock_timeout', '5s', true);
    SELECT c.id INTO v_cart FROM public.orders_cart c WHERE c.user_id = buyer FOR UPDATE;
    IF NOT FOUND OR NOT EXISTS (SELECT 1 FROM public.orders_cart_item WHERE orders_cart_item.cart_id = v_cart) THEN
        RAISE EXCEPTION 'your cart is empty' USING ERRCODE = 'SW002';
    END IF;
    -- Ascending id order: every checkout takes these locks in the same order.
    PERFORM 1 FROM public.catalog_variant v
     WHERE v.id IN (SELECT ci.variant_id FROM public.orders_cart_item ci WHERE ci.cart_id = v_cart)
     ORDER BY v.id FOR NO KEY UPDATE;

    SELECT v.sku, p.name, v.stock, ci.quantity INTO short
      FROM public.orders_cart_item ci
      JOIN public.catalog_variant v ON v.id = ci.variant_id
      JOIN public.catalog_product p ON p.id = v.product_id
     WHERE ci.cart_id = v_cart AND (v.stock < ci.quantity OR NOT v.is_active OR NOT p.is_listed)
     ORDER BY v.id LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'not enough stock of % (% left, % wanted)', short.name, short.stock, short.quantity
            USING ERRCODE = 'SW001', DETAIL = short.sku;
    END IF;

    SELECT sum(v.price * ci.quantity) INTO v_subtotal
      FROM public.orders_cart_item ci JOIN public.catalog_variant v ON v.id = ci.variant_id
     WHERE ci.cart_id = v_cart;

    IF coalesce(btrim(p_promotion_code), '') <> '' THEN
        SELECT * INTO promo FROM public.orders_promotion_discount(buyer, v_cart, p_promotion_code, v_subtotal, true);
        v_discount := promo.discount;
        v_eligible := promo.eligible;
        v_scope := promo.eligible_variants;
    END IF;

    v_shipping := CASE WHEN ship.free_over IS NOT NULL AND v_subtotal - v_discount >= ship.free_over THEN 0
                       ELSE ship.price END;
    v_rate := public.orders_tax_rate(addr.country, addr.region, (now() AT TIME ZONE 'UTC')::date);
    v_tax := round((v_subtotal - v_discount + v_shipping) * v_rate, 2);

    INSERT INTO public.orders_order (
        number, user_id, status, currency, subtotal, discount, shipping, tax, total, tax_rate,
        promotion_code, ship_name, ship_line1, ship_line2, ship_city, ship_region, ship_postal_code,
        ship_country, shipping_method_code, shipping_method_name, payment_method_id, payment_token,
        card_brand, card_last4, idempotency_key, tracking_number, placed_at, updated_at)
    VALUES (
        'SW-' || to_char(now() AT TIME ZONE 'UTC', 'YYYY') || '-' || nextval('public.orders_order_number_seq'),
        buyer, 'pending_payment', ship.currency, v_subtotal, v_discount, v_shipping, v_tax,
        v_subtotal - v_discount + v_shipping + v_tax, v_rate,
        CASE WHEN v_discount > 0 THEN upper(btrim(p_promotion_code)) ELSE '' END,
        addr.full_name, addr.line1, addr.line2, addr.city, addr.region, addr.postal_code, addr.country,
        ship.code, ship.name, card.id, card.processor_token, card.brand, card.last4, p_idempotency_key, '',
        now(), now())
    RETURNING id INTO v_order;

    INSERT INTO public.orders_order_item (
        order_id, variant_id, product_id, seller_id, product_name, variant_name, sku, image_url,
        unit_price, quantity, line_total, discount, commission_rate)
    SELECT v_order, l.variant_id, l.product_id, l.seller_id, l.product_name, l.variant_name, l.sku, l.image_url,
           l.price, l.quantity, l.line_total,
           l.share + CASE WHEN l.rank = 1 THEN v_discount - sum(l.share) OVER () ELSE 0 END,
           l.commission_rate
      FROM (
        SELECT v.id AS variant_id, p.id AS product_id, p.seller_id, p.name AS product_name,
               v.name AS variant_name, v.sku, v.price, ci.quantity, v.price * ci.quantity AS line_total,
               coalesce((SELECT i.url FROM public.catalog_product_image i WHERE i.product_id = p.id
                          ORDER BY i.position, i.id LIMIT 1), '') AS image_url,
               s.commission_rate,
               CASE WHEN v_discount > 0 AND v.id = ANY(v_scope)
                    THEN round(v_discount * (v.price * ci.quantity) / v_eligible, 2) ELSE 0 END AS share,
               row_number() OVER (ORDER BY v.id = ANY(v_scope) DESC, v.price * ci.quantity DESC, v.id) AS rank
          FROM public.orders_cart_item ci
          JOIN public.catalog_variant v ON v.id = ci.variant_id
          JOIN public.catalog_product p ON p.id = v.product_id
          JOIN public.accounts_seller s ON s.id = p.seller_id
         WHERE ci.cart_id = v_cart
      ) l;

    UPDATE public.catalog_variant v SET stock = v.stock - ci.quantity
      FROM public.orders_cart_item ci
     WHERE ci.cart_id = v_cart AND v.id = ci.variant_id;

    IF v_discount > 0 THEN
        INSERT INTO public.promotions_redemption (promotion_id, order_id, user_id, amount, created_at)
        VALUES (promo.promotion_id, v_order, buyer, v_discount, now());
    END IF;

    DELETE FROM public.orders_cart_item ci WHERE ci.cart_id = v_cart;
    RETURN v_order;
END
$$;

-- The checkout page's live totals: the same computation, no locks, no writes.
CREATE OR REPLACE FUNCTION order_quote(p_address_id bigint, p_shipping_code text, p_promotion_code text,
    OUT subtotal numeric, OUT discount numeric, OUT shipping numeric, OUT tax numeric, OUT total numeric,
    OUT promotion_error text)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    buyer bigint := public.app_user_id();
    v_cart bigint;
    addr public.accounts_address%ROWTYPE;
    ship public.orders_shipping_method%ROWTYPE;
    promo record;
    state text;
    detail text;
BEGIN
    SELECT c.id INTO v_cart FROM public.orders_cart c WHERE c.user_id = buyer;
    SELECT coalesce(sum(v.price * ci.quantity), 0) INTO subtotal
      FROM public.orders_cart_item ci JOIN public.catalog_variant v ON v.id = ci.variant_id
     WHERE ci.cart_id = v_cart;
    discount := 0;
    IF coalesce(btrim(p_promotion_code), '') <> '' AND subtotal > 0 THEN
        BEGIN
            SELECT * INTO promo FROM public.orders_promotion_discount(buyer, v_cart, p_promotion_code, subtotal, false);
            discount := promo.discount;
        EXCEPTION WHEN SQLSTATE 'SW003' OR SQLSTATE 'SW004' OR SQLSTATE 'SW005' THEN
            GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, detail = PG_EXCEPTION_DETAIL;
            promotion_error := CASE state WHEN 'SW004' THEN 'exhausted' WHEN 'SW005' THEN 'already_used'
                                          ELSE coalesce(nullif(detail, ''), 'unknown') END;
        END;
    END IF;
    SELECT * INTO ship FROM public.orders_shipping_method WHERE code = p_shipping_code AND is_active;
    shipping := CASE WHEN NOT FOUND THEN 0
                     WHEN ship.free_over IS NOT NULL AND subtotal - discount >= ship.free_over THEN 0
                     ELSE ship.price END;
    SELECT * INTO addr FROM public.accounts_address WHERE id = p_address_id AND user_id = buyer;
    tax := CASE WHEN FOUND THEN round((subtotal - discount + shipping)
                                      * public.orders_tax_rate(addr.country, addr.region,
                                                               (now() AT TIME ZONE 'UTC')::date), 2)
                ELSE 0 END;
    total := subtotal - discount + shipping + tax;
END
$$;

-- Payment saga steps. A payment result is recorded once per idempotency key; the order
-- moves to paid only on a successful capture of its full total, to payment_failed only
-- on a refused or failed authorization. Shoppers may record results for their own
-- orders only (the checkout runs in their request); staff and operators for any order.
CREATE OR REPLACE FUNCTION order_record_payment(
    p_order_id bigint, p_kind text, p_status text, p_amount numeric, p_reference text,
    p_idempotency_key text, p_error_code text)
RETURNS text
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    o public.orders_order%ROWTYPE;
    -- Staff in the back office, or an operator command (the owner login, no request role).
    caller_is_staff boolean := current_setting('role') IN ('commerce_manager', 'none');
BEGIN
    SELECT * INTO o FROM public.orders_order WHERE id = p_order_id FOR UPDATE;
    IF NOT FOUND OR (o.user_id IS DISTINCT FROM public.app_user_id() AND NOT caller_is_staff) THEN
        RAISE EXCEPTION 'order not found' USING ERRCODE = 'SW006', DETAIL = 'order';
    END IF;
    INSERT INTO public.orders_payment_transaction
           (order_id, kind, status, amount, currency, processor_reference, idempotency_key, error_code, created_at)
    VALUES (o.id, p_kind, p_status, p_amount, o.currency, coalesce(p_reference, ''), p_idempotency_key,
            coalesce(p_error_code, ''), now())
    ON CONFLICT (idempotency_key) DO NOTHING;
    IF o.status = 'pending_payment' THEN
        IF p_kind = 'capture' AND p_status = 'succeeded' AND p_amount = o.total THEN
            UPDATE public.orders_order SET status = 'paid' WHERE id = o.id;
            RETURN 'paid';
        ELSIF p_kind = 'authorize' AND p_status IN ('declined', 'failed') THEN
            UPDATE public.orders_order SET status = 'payment_failed' WHERE id = o.id;
            RETURN 'payment_failed';
        END IF;
    END IF;
    RETURN o.status;
END
$$;

-- A shopper cancels their own order before it ships.
CREATE OR REPLACE FUNCTION order_cancel(p_order_id bigint)
RETURNS text
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    o public.orders_order%ROWTYPE;
BEGIN
    SELECT * INTO o FROM public.orders_order WHERE id = p_order_id AND user_id = public.app_user_id() FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'order not found' USING ERRCODE = 'SW006', DETAIL = 'order';
    END IF;
    IF o.status NOT IN ('pending_payment', 'paid', 'processing') THEN
        RAISE EXCEPTION 'order % is % and can no longer be cancelled', o.number, o.status USING ERRCODE = 'SW022';
    END IF;
    UPDATE public.orders_order SET status = 'cancelled' WHERE id = o.id;
    RETURN o.status;  -- the status it had, so the caller knows whether to refund
END
$$;

GRANT SELECT, INSERT, UPDATE ON orders_order TO commerce_definer;
GRANT SELECT, INSERT ON orders_order_item, orders_payment_transaction TO commerce_definer;
GRANT SELECT, UPDATE ON orders_cart TO commerce_definer;
GRANT SELECT, DELETE ON orders_cart_item TO commerce_definer;
GRANT SELECT ON orders_shipping_method, orders_tax_rate, accounts_address, accounts_payment_method,
    catalog_product_image TO commerce_definer;
GRANT SELECT (id, commission_rate) ON accounts_seller TO commerce_definer;
GRANT USAGE ON SEQUENCE orders_order_number_seq TO commerce_definer;
GRANT CREATE ON SCHEMA public TO commerce_definer;
ALTER FUNCTION orders_tax_rate(text, text, date) OWNER TO commerce_definer;
ALTER FUNCTION orders_promotion_discount(bigint, bigint, text, numeric, boolean) OWNER TO commerce_definer;
ALTER FUNCTION order_place(bigint, text, bigint, text, uuid) OWNER TO commerce_definer;
ALTER FUNCTION order_quote(bigint, text, text) OWNER TO commerce_definer;
ALTER FUNCTION order_record_payment(bigint, text, text, numeric, text, text, text) OWNER TO commerce_definer;
ALTER FUNCTION order_cancel(bigint) OWNER TO commerce_definer;
REVOKE CREATE ON SCHEMA public FROM commerce_definer;
REVOKE ALL ON FUNCTION orders_tax_rate(text, text, date),
    orders_promotion_discount(bigint, bigint, text, numeric, boolean),
    order_place(bigint, text, bigint, text, uuid), order_quote(bigint, text, text),
    order_record_payment(bigint, text, text, numeric, text, text, text), order_cancel(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION order_place(bigint, text, bigint, text, uuid), order_quote(bigint, text, text),
    order_record_payment(bigint, text, text, numeric, text, text, text), order_cancel(bigint)
   TO commerce_customer;
GRANT EXECUTE ON FUNCTION order_record_payment(bigint, text, text, numeric, text, text, text),
    orders_tax_rate(text, text, date) TO commerce_manager;
"""

REVERSE = r"""
DROP FUNCTION IF EXISTS order_cancel(bigint);
DROP FUNCTION IF EXISTS order_record_payment(bigint, text, text, numeric, text, text, text);
DROP FUNCTION IF EXISTS order_quote(bigint, text, text);
DROP FUNCTION IF EXISTS order_place(bigint, text, bigint, text, uuid);
DROP FUNCTION IF EXISTS orders_promotion_discount(bigint, bigint, text, numeric, boolean);
DROP FUNCTION IF EXISTS orders_tax_rate(text, text, date);
REVOKE ALL ON orders_order, orders_order_item, orders_payment_transaction, orders_cart, orders_cart_item,
    orders_shipping_method, orders_tax_rate, accounts_address, accounts_payment_method,
    catalog_product_image FROM commerce_definer;
REVOKE ALL ON SEQUENCE orders_order_number_seq FROM commerce_definer;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0002_order_rules"),
        ("promotions", "0002_redemption_limits"),
    ]

    operations = [migrations.RunSQL(FORWARD, REVERSE)]

"""Analytics materialized views, each with the unique index REFRESH ... CONCURRENTLY
needs, and one function that refreshes them all.

Revenue is goods net of discounts (sum of line totals - line discounts); shipping and tax
are reported apart. Days are UTC days. Only orders that hold a sale count: paid,
processing, shipped, delivered. The views hold shopper-level rows (customer LTV), so they
are granted to staff and analysts only, never to the storefront role (a materialized view
cannot have row-level security).
"""

from django.db import migrations

COUNTED = "('paid', 'processing', 'shipped', 'delivered')"

FORWARD = f"""
CREATE MATERIALIZED VIEW reports_daily_sales AS
SELECT (o.placed_at AT TIME ZONE 'UTC')::date AS day,
       count(*)::integer AS orders,
       sum(l.units)::integer AS units,
       sum(o.subtotal) AS subtotal,
       sum(o.discount) AS discount,
       sum(o.subtotal - o.discount) AS revenue,
       sum(o.shipping) AS shipping,
       sum(o.tax) AS tax,
       count(DISTINCT o.user_id)::integer AS customers
  FROM orders_order o
  JOIN LATERAL (SELECT sum(i.quantity) AS units FROM orders_order_item i WHERE i.order_id = o.id) l ON true
 WHERE o.status IN {COUNTED}
 GROUP BY 1
WITH NO DATA;
CREATE UNIQUE INDEX reports_daily_sales_day ON reports_daily_sales (day);

CREATE MATERIALIZED VIEW reports_product_performance AS
SELECT i.product_id,
       count(DISTINCT i.order_id)::integer AS orders,
       sum(i.quantity)::integer AS units,
       sum(i.line_total - i.discount) AS revenue,
       min((o.placed_at AT TIME ZONE 'UTC')::date) AS first_sold_on,
       max((o.placed_at AT TIME ZONE 'UTC')::date) AS last_sold_on
  FROM orders_order_item i
  JOIN orders_order o ON o.id = i.order_id
 WHERE o.status IN {COUNTED}
 GROUP BY i.product_id
WITH NO DATA;
CREATE UNIQUE INDEX reports_product_performance_product ON reports_product_performance (product_id);
CREATE INDEX reports_product_performance_revenue ON reports_product_performance (revenue DESC);

CREATE MATERIALIZED VIEW reports_customer_ltv AS
SELECT o.user_id,
       count(*)::integer AS orders,
       sum(o.subtotal - o.discount) AS revenue,
       round(avg(o.subtotal - o.discount), 2) AS average_order,
       min((o.placed_at AT TIME ZONE 'UTC')::date) AS first_order_on,
       max((o.placed_at AT TIME ZONE 'UTC')::date) AS last_order_on
  FROM orders_order o
 WHERE o.status IN {COUNTED}
 GROUP BY o.user_id
WITH NO DATA;
CREATE UNIQUE INDEX reports_customer_ltv_user ON reports_customer_ltv (user_id);
CREATE INDEX reports_customer_ltv_revenue ON reports_customer_ltv (revenue DESC);

-- Refreshes every analytics view and reports how long each took. A view never
-- populated is filled plainly first (CONCURRENTLY needs existing data); after that,
-- CONCURRENTLY lets reports and checkouts go on while it runs.
CREATE OR REPLACE FUNCTION reports_refresh_analytics()
RETURNS TABLE (view_name text, seconds numeric, row_count bigint)
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    v text;
    started timestamptz;
BEGIN
    FOREACH v IN ARRAY ARRAY['reports_daily_sales', 'reports_product_performance', 'reports_customer_ltv'] LOOP
        started := clock_timestamp();
        IF (SELECT relispopulated FROM pg_class WHERE oid = ('public.' || v)::regclass) THEN
            EXECUTE format('REFRESH MATERIALIZED VIEW CONCURRENTLY public.%I', v);
        ELSE
            EXECUTE format('REFRESH MATERIALIZED VIEW public.%I', v);
        END IF;
        view_name := v;
        seconds := round(extract(epoch FROM clock_timestamp() - started)::numeric, 3);
        EXECUTE format('SELECT count(*) FROM public.%I', v) INTO row_count;
        RETURN NEXT;
    END LOOP;
END
$$;
REVOKE ALL ON FUNCTION reports_refresh_analytics() FROM PUBLIC;

SELECT * FROM reports_refresh_analytics();

GRANT SELECT ON reports_daily_sales, reports_product_performance, reports_customer_ltv
   TO commerce_manager, commerce_readonly;
"""

REVERSE = """
DROP FUNCTION IF EXISTS reports_refresh_analytics();
DROP MATERIALIZED VIEW IF EXISTS reports_customer_ltv;
DROP MATERIALIZED VIEW IF EXISTS reports_product_performance;
DROP MATERIALIZED VIEW IF EXISTS reports_daily_sales;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_analytics_model_state"),
        ("orders", "0005_units_sold"),
    ]

    operations = [migrations.RunSQL(FORWARD, REVERSE)]

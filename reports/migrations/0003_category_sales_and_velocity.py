"""Two more analytics views for the staff reports.

reports_category_daily_sales: revenue and units per UTC day and category. Each order line
counts once, for its product's deepest linked category (lowest id on a tie), so rolling up
to any ancestor through category.path never counts a line twice.
reports_variant_velocity: units sold per variant over the last 30 days (low-stock alerts).
Both are refreshed by reports_refresh_analytics() with the others.
"""

from django.db import migrations

COUNTED = "('paid', 'processing', 'shipped', 'delivered')"

FORWARD = f"""
CREATE MATERIALIZED VIEW reports_category_daily_sales AS
SELECT (o.placed_at AT TIME ZONE 'UTC')::date AS day,
       home.category_id,
       count(DISTINCT o.id)::integer AS orders,
       sum(i.quantity)::integer AS units,
       sum(i.line_total - i.discount) AS revenue
  FROM orders_order_item i
  JOIN orders_order o ON o.id = i.order_id
  JOIN LATERAL (SELECT pc.category_id FROM catalog_product_category pc
                  JOIN catalog_category c ON c.id = pc.category_id
                 WHERE pc.product_id = i.product_id
                 ORDER BY c.depth DESC, c.id LIMIT 1) home ON true
 WHERE o.status IN {COUNTED}
 GROUP BY 1, 2
WITH NO DATA;
CREATE UNIQUE INDEX reports_category_daily_sales_key ON reports_category_daily_sales (day, category_id);
CREATE INDEX reports_category_daily_sales_category ON reports_category_daily_sales (category_id, day);

CREATE MATERIALIZED VIEW reports_variant_velocity AS
SELECT i.variant_id, sum(i.quantity)::integer AS units_30d
  FROM orders_order_item i
  JOIN orders_order o ON o.id = i.order_id
 WHERE o.status IN {COUNTED} AND o.placed_at >= now() - interval '30 days'
 GROUP BY i.variant_id
WITH NO DATA;
CREATE UNIQUE INDEX reports_variant_velocity_variant ON reports_variant_velocity (variant_id);

CREATE OR REPLACE FUNCTION reports_refresh_analytics()
RETURNS TABLE (view_name text, seconds numeric, row_count bigint)
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    v text;
    started timestamptz;
BEGIN
    FOREACH v IN ARRAY ARRAY['reports_daily_sales', 'reports_product_performance', 'reports_customer_ltv',
                             'reports_category_daily_sales', 'reports_variant_velocity'] LOOP
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

SELECT * FROM reports_refresh_analytics();
GRANT SELECT ON reports_category_daily_sales, reports_variant_velocity TO commerce_manager, commerce_readonly;
"""

REVERSE = """
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
DROP MATERIALIZED VIEW IF EXISTS reports_variant_velocity;
DROP MATERIALIZED VIEW IF EXISTS reports_category_daily_sales;
"""


class Migration(migrations.Migration):
    dependencies = [("reports", "0002_analytics_views")]

    operations = [migrations.RunSQL(FORWARD, REVERSE)]

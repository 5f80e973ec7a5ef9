"""Pre-aggregations that make the sales-by-category report (QP-08) and the seller dashboard
(QP-06) reads of a few thousand index entries instead of scans of order lines.

reports_category_daily_sales now holds, per UTC day and category, the sales of the
category's whole subtree: each order line still counts once for its product's home
category (deepest linked category, lowest id on a tie), and that leaf aggregate is added
to the home category and to every ancestor named in its path. Rolling up is therefore an
equality lookup, (category_id, day), no longer a `path LIKE` join over every descendant.
The view keeps units and revenue (which add up along the tree); distinct orders do not
add up across children, so the column is gone (nothing read it).

reports_seller_monthly_sales holds orders, units, revenue and the unrounded commission per
seller and UTC month. A materialized view cannot have row-level security, so no request
role may read it: sellers get their rows through reports_seller_monthly_sales(months), a
SECURITY DEFINER function that reads only app.seller_id's rows. The figures are as of the
last analytics refresh (hourly by cron, `manage.py refresh_analytics`); the page says so.
Computing the current month live was tried and dropped: the order lines have no date, so
a big seller's month meant walking all of its lines (80-250 ms at full scale).
"""

from django.db import migrations

COUNTED = "('paid', 'processing', 'shipped', 'delivered')"

VIEWS = ", ".join(
    f"'{v}'"
    for v in (
        "reports_daily_sales",
        "reports_product_performance",
        "reports_customer_ltv",
        "reports_category_daily_sales",
        "reports_variant_velocity",
        "reports_seller_monthly_sales",
    )
)

REFRESH_FUNCTION = """
CREATE OR REPLACE FUNCTION reports_refresh_analytics()
RETURNS TABLE (view_name text, seconds numeric, row_count bigint)
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    v text;
    started timestamptz;
BEGIN
    FOREACH v IN ARRAY ARRAY[%s] LOOP
        started := clock_timestamp();
        IF (SELECT relispopulated FROM pg_class WHERE oid = ('public.' || v)::regclass) THEN
            EXECUTE format('REFRESH MATERIALIZED VIEW CONCURRENTLY public.%%I', v);
        ELSE
            EXECUTE format('REFRESH MATERIALIZED VIEW public.%%I', v);
        END IF;
        view_name := v;
        seconds := round(extract(epoch FROM clock_timestamp() - started)::numeric, 3);
        EXECUTE format('SELECT count(*) FROM public.%%I', v) INTO row_count;
        RETURN NEXT;
    END LOOP;
END
$$;
"""

FORWARD = f"""
DROP MATERIALIZED VIEW reports_category_daily_sales;
CREATE MATERIALIZED VIEW reports_category_daily_sales AS
WITH leaf AS (
    SELECT (o.placed_at AT TIME ZONE 'UTC')::date AS day,
           home.category_id,
           sum(i.quantity) AS units,
           sum(i.line_total - i.discount) AS revenue
      FROM orders_order_item i
      JOIN orders_order o ON o.id = i.order_id
      JOIN LATERAL (SELECT pc.category_id FROM catalog_product_category pc
                      JOIN catalog_category c ON c.id = pc.category_id
                     WHERE pc.product_id = i.product_id
                     ORDER BY c.depth DESC, c.id LIMIT 1) home ON true
     WHERE o.status IN {COUNTED}
     GROUP BY 1, 2
)
SELECT leaf.day, a.category_id, sum(leaf.units)::integer AS units, sum(leaf.revenue) AS revenue
  FROM leaf
  JOIN catalog_category c ON c.id = leaf.category_id
  CROSS JOIN LATERAL unnest(string_to_array(btrim(c.path, '/'), '/')::bigint[]) AS a(category_id)
 GROUP BY 1, 2
WITH NO DATA;
CREATE UNIQUE INDEX reports_category_daily_sales_key ON reports_category_daily_sales (day, category_id);
CREATE INDEX reports_category_daily_sales_category
    ON reports_category_daily_sales (category_id, day) INCLUDE (units, revenue);

CREATE MATERIALIZED VIEW reports_seller_monthly_sales AS
SELECT i.seller_id,
       date_trunc('month', o.placed_at AT TIME ZONE 'UTC')::date AS month,
       count(DISTINCT o.id)::integer AS orders,
       sum(i.quantity)::integer AS units,
       sum(i.line_total - i.discount) AS revenue,
       sum((i.line_total - i.discount) * i.commission_rate) AS commission_exact
  FROM orders_order_item i
  JOIN orders_order o ON o.id = i.order_id
 WHERE o.status IN {COUNTED}
 GROUP BY 1, 2
WITH NO DATA;
CREATE UNIQUE INDEX reports_seller_monthly_sales_key ON reports_seller_monthly_sales (seller_id, month);

{REFRESH_FUNCTION % VIEWS}

REFRESH MATERIALIZED VIEW reports_category_daily_sales;
REFRESH MATERIALIZED VIEW reports_seller_monthly_sales;
GRANT SELECT ON reports_category_daily_sales TO commerce_manager, commerce_readonly;
GRANT SELECT ON reports_seller_monthly_sales TO commerce_manager, commerce_readonly, commerce_definer;

-- The seller dashboard (QP-06): the last p_months months from the view, as of its last
-- refresh; only the rows of the seller named by app.seller_id (none without one).
-- Commission: the line revenue x the rate snapshotted on each line, summed per month and
-- rounded half-up to the cent.
CREATE FUNCTION reports_seller_monthly_sales(p_months integer)
RETURNS TABLE (month date, orders integer, units integer, revenue numeric, commission numeric)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
    SELECT m.month, m.orders, m.units, m.revenue, round(m.commission_exact, 2)
      FROM reports_seller_monthly_sales m
     WHERE m.seller_id = app_seller_id()
       AND m.month >= (date_trunc('month', now() AT TIME ZONE 'UTC')
                       - make_interval(months => greatest(p_months, 1) - 1))::date
     ORDER BY m.month DESC
$$;
GRANT CREATE ON SCHEMA public TO commerce_definer;
ALTER FUNCTION reports_seller_monthly_sales(integer) OWNER TO commerce_definer;
REVOKE CREATE ON SCHEMA public FROM commerce_definer;
REVOKE ALL ON FUNCTION reports_seller_monthly_sales(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION reports_seller_monthly_sales(integer) TO commerce_seller;
"""

REVERSE = f"""
DROP FUNCTION reports_seller_monthly_sales(integer);
DROP MATERIALIZED VIEW reports_seller_monthly_sales;
{REFRESH_FUNCTION % VIEWS.replace(", 'reports_seller_monthly_sales'", "")}
DROP MATERIALIZED VIEW reports_category_daily_sales;
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
 GROUP BY 1, 2;
CREATE UNIQUE INDEX reports_category_daily_sales_key ON reports_category_daily_sales (day, category_id);
CREATE INDEX reports_category_daily_sales_category ON reports_category_daily_sales (category_id, day);
GRANT SELECT ON reports_category_daily_sales TO commerce_manager, commerce_readonly;
"""


class Migration(migrations.Migration):
    dependencies = [("reports", "0003_category_sales_and_velocity"), ("orders", "0007_seller_scope")]

    operations = [migrations.RunSQL(FORWARD, REVERSE)]

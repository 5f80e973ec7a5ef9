"""reports_customer_ltv carries each customer's loyalty quartile.

The staff page "Customer lifetime value: loyalty quartiles" ranked every customer with
NTILE(4) over the view on each visit: a sort of 909 k rows, 2.2-3.1 s at full scale. The
quartile is now computed when the view is refreshed (the same NTILE(4) over lifetime
revenue, highest first, customer id breaking ties), so the page groups stored values
(0.16-0.24 s at full scale) and shows the quartiles as of the last analytics refresh, like
every other figure on that page. The refresh sorts the view's rows once more: the view's
query went from 6.2 to 12.7 s at full scale (its CONCURRENTLY refresh: 37 s, hourly).
Same rows and columns as before plus `revenue_quartile`.
"""

from django.db import migrations, models

COUNTED = "('paid', 'processing', 'shipped', 'delivered')"


def view(quartile: str) -> str:
    return f"""
DROP MATERIALIZED VIEW reports_customer_ltv;
CREATE MATERIALIZED VIEW reports_customer_ltv AS
SELECT o.user_id,
       count(*)::integer AS orders,
       sum(o.subtotal - o.discount) AS revenue,
       round(avg(o.subtotal - o.discount), 2) AS average_order,
       min((o.placed_at AT TIME ZONE 'UTC')::date) AS first_order_on,
       max((o.placed_at AT TIME ZONE 'UTC')::date) AS last_order_on{quartile}
  FROM orders_order o
 WHERE o.status IN {COUNTED}
 GROUP BY o.user_id
WITH NO DATA;
CREATE UNIQUE INDEX reports_customer_ltv_user ON reports_customer_ltv (user_id);
CREATE INDEX reports_customer_ltv_revenue ON reports_customer_ltv (revenue DESC);
REFRESH MATERIALIZED VIEW reports_customer_ltv;
GRANT SELECT ON reports_customer_ltv TO commerce_manager, commerce_readonly;
"""


FORWARD = view(
    """,
       ntile(4) OVER (ORDER BY sum(o.subtotal - o.discount) DESC, o.user_id)::smallint AS revenue_quartile"""
)
REVERSE = view("")


class Migration(migrations.Migration):
    dependencies = [("reports", "0005_category_sales_home_once")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunSQL(FORWARD, REVERSE)],
            state_operations=[
                migrations.AddField(
                    model_name="customerlifetimevalue",
                    name="revenue_quartile",
                    field=models.SmallIntegerField(),
                    preserve_default=False,
                )
            ],
        )
    ]

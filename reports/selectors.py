"""Staff report queries. They read the analytics views and the catalog only (never shopper
tables), so analysts' database role can run every one of them. Window functions do the
comparisons: LAG for month-over-month, NTILE for loyalty quartiles, ROW_NUMBER for rankings.

Each function returns a Table: the exact rows a page shows, which is also what its CSV
export writes.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import connection


@dataclass
class Table:
    columns: list[str]
    rows: list[tuple[Any, ...]]
    notes: list[str] = field(default_factory=list)

    def column(self, name: str) -> list[Any]:
        index = self.columns.index(name)
        return [row[index] for row in self.rows]


def _table(sql: str, params: list[Any]) -> Table:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return Table([c.name for c in cursor.description], [tuple(r) for r in cursor.fetchall()])


def _change(now: Decimal | int | None, before: Decimal | int | None) -> Decimal | None:
    if now is None or not before:
        return None
    return (Decimal(now - before) * 100 / Decimal(before)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def previous_month(first: datetime.date) -> datetime.date:
    return (first - datetime.timedelta(days=1)).replace(day=1)


def kpis(*, month: datetime.date) -> Table:
    """Revenue, orders, average order value and new customers: this month vs the last."""
    this = month_start(month)
    last = previous_month(this)
    following = (this + datetime.timedelta(days=32)).replace(day=1)
    sql = """
        WITH periods(label, starts, ends) AS (VALUES ('this', %s::date, %s::date), ('last', %s::date, %s::date))
        SELECT p.label,
               coalesce(sum(d.revenue), 0) AS revenue,
               coalesce(sum(d.orders), 0)::integer AS orders,
               (SELECT count(*) FROM reports_customer_ltv c
                 WHERE c.first_order_on >= p.starts AND c.first_order_on < p.ends)::integer AS new_customers
          FROM periods p
          LEFT JOIN reports_daily_sales d ON d.day >= p.starts AND d.day < p.ends
         GROUP BY p.label, p.starts, p.ends
    """
    raw = {r[0]: r[1:] for r in _table(sql, [this, following, last, this]).rows}
    rows = []
    names = ["Revenue", "Orders", "Average order value", "New customers"]
    for index, name in enumerate(names):
        if name == "Average order value":
            now = (raw["this"][0] / raw["this"][1]).quantize(Decimal("0.01")) if raw["this"][1] else Decimal("0.00")
            before = (raw["last"][0] / raw["last"][1]).quantize(Decimal("0.01")) if raw["last"][1] else Decimal("0.00")
        else:
            source = {0: 0, 1: 1, 3: 2}[index]
            now, before = raw["this"][source], raw["last"][source]
        rows.append((name, now, before, _change(now, before)))
    return Table(["measure", f"{this:%B %Y}", f"{last:%B %Y}", "change_percent"], rows)


def monthly_revenue(*, start: datetime.date, end: datetime.date) -> Table:
    """Revenue per month with month-over-month growth (LAG)."""
    sql = """
        SELECT to_char(month, 'YYYY-MM') AS month, revenue, orders,
               round((revenue - lag(revenue) OVER w) * 100 / nullif(lag(revenue) OVER w, 0), 1) AS growth_percent
          FROM (SELECT date_trunc('month', day)::date AS month, sum(revenue) AS revenue,
                       sum(orders)::integer AS orders
                  FROM reports_daily_sales
                 WHERE day >= %s AND day <= %s
                 GROUP BY 1) m
        WINDOW w AS (ORDER BY month)
        ORDER BY month
    """
    return _table(sql, [month_start(start), end])


def loyalty_quartiles() -> Table:
    """Customers split into four equal groups by lifetime revenue (NTILE(4)), top first."""
    sql = """
        SELECT quartile, count(*)::integer AS customers, min(revenue) AS min_revenue, max(revenue) AS max_revenue,
               round(avg(revenue), 2) AS average_revenue, round(avg(orders), 2) AS average_orders,
               sum(revenue) AS revenue
          FROM (SELECT revenue, orders, ntile(4) OVER (ORDER BY revenue DESC, user_id) AS quartile
                  FROM reports_customer_ltv) q
         GROUP BY quartile
         ORDER BY quartile
    """
    return _table(sql, [])


def top_customers(*, limit: int = 20) -> Table:
    sql = """
        SELECT user_id AS customer_id, orders, revenue, average_order, first_order_on, last_order_on
          FROM reports_customer_ltv ORDER BY revenue DESC, user_id LIMIT %s
    """
    return _table(sql, [limit])


_TOP_CATEGORY = """
    (SELECT top.id FROM catalog_category top
      WHERE top.depth = 0 AND c.path LIKE top.path || '%%')
"""


def best_sellers_per_category(*, per_category: int = 5) -> Table:
    """The top products by units sold in each top-level category (ROW_NUMBER)."""
    sql = f"""
        WITH ranked AS (
            SELECT tc.name AS category, p.name AS product, pp.units, pp.revenue,
                   row_number() OVER (PARTITION BY tc.id ORDER BY pp.units DESC, pp.revenue DESC, p.id) AS rank
              FROM reports_product_performance pp
              JOIN catalog_product p ON p.id = pp.product_id
              JOIN LATERAL (SELECT pc.category_id FROM catalog_product_category pc
                              JOIN catalog_category cc ON cc.id = pc.category_id
                             WHERE pc.product_id = p.id ORDER BY cc.depth DESC, cc.id LIMIT 1) home ON true
              JOIN catalog_category c ON c.id = home.category_id
              JOIN catalog_category tc ON tc.id = {_TOP_CATEGORY}
        )
        SELECT category, rank, product, units, revenue FROM ranked WHERE rank <= %s ORDER BY category, rank
    """
    return _table(sql, [per_category])


def top_rated_per_category(*, per_category: int = 5, min_reviews: int = 3) -> Table:
    """QP-07 for every top-level category: best average rating with enough reviews."""
    sql = f"""
        WITH ranked AS (
            SELECT tc.name AS category, p.name AS product, p.rating_avg, p.rating_count,
                   row_number() OVER (PARTITION BY tc.id ORDER BY p.rating_avg DESC, p.rating_count DESC, p.id)
                       AS rank
              FROM catalog_product p
              JOIN LATERAL (SELECT pc.category_id FROM catalog_product_category pc
                              JOIN catalog_category cc ON cc.id = pc.category_id
                             WHERE pc.product_id = p.id ORDER BY cc.depth DESC, cc.id LIMIT 1) home ON true
              JOIN catalog_category c ON c.id = home.category_id
              JOIN catalog_category tc ON tc.id = {_TOP_CATEGORY}
             WHERE p.is_listed AND p.rating_count >= %s
        )
        SELECT category, rank, product, rating_avg, rating_count FROM ranked WHERE rank <= %s ORDER BY category, rank
    """
    return _table(sql, [min_reviews, per_category])


def sales_by_category(*, start: datetime.date, end: datetime.date, parent_id: int | None = None) -> Table:
    """QP-08: revenue per category for a date range; the children of `parent_id` (or the
    top level), each including its whole subtree (the analytics view holds subtree totals
    per category and day, so this reads (category_id, day) index entries). Drill down by
    choosing a row."""
    sql = """
        SELECT c.id AS category_id, c.name AS category,
               EXISTS (SELECT 1 FROM catalog_category k WHERE k.parent_id = c.id) AS has_children,
               coalesce(sum(s.units), 0)::integer AS units,
               coalesce(sum(s.revenue), 0) AS revenue
          FROM catalog_category c
          LEFT JOIN reports_category_daily_sales s ON s.category_id = c.id AND s.day >= %s AND s.day <= %s
         WHERE c.parent_id IS NOT DISTINCT FROM %s
         GROUP BY c.id, c.name, c.position
         ORDER BY revenue DESC, c.position, c.name
    """
    return _table(sql, [start, end, parent_id])


def low_stock(*, limit: int = 200) -> Table:
    """Variants at or under their threshold, with 30-day sales velocity and days of cover."""
    sql = """
        SELECT v.sku, p.name AS product, v.name AS variant, v.stock, v.low_stock_threshold,
               coalesce(vv.units_30d, 0) AS sold_30_days,
               round(coalesce(vv.units_30d, 0) / 30.0, 2) AS per_day,
               CASE WHEN coalesce(vv.units_30d, 0) = 0 THEN NULL
                    ELSE round(v.stock / (vv.units_30d / 30.0), 1) END AS days_of_cover
          FROM catalog_variant v
          JOIN catalog_product p ON p.id = v.product_id
          LEFT JOIN reports_variant_velocity vv ON vv.variant_id = v.id
         WHERE v.is_active AND p.status = 'active' AND v.stock <= v.low_stock_threshold
         ORDER BY days_of_cover ASC NULLS LAST, v.stock, v.sku
         LIMIT %s
    """
    return _table(sql, [limit])

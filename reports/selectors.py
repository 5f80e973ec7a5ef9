"""Staff report queries. They read the analytics views and the catalog only (never shopper
tables), so analysts' database role can run every one of them. Window functions do the
comparisons: LAG for month-over-month, NTILE for loyalty quartiles (ranked in the view
when it is refreshed), ROW_NUMBER for rankings.

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
    """Customers split into four equal groups by lifetime revenue (NTILE(4)), top first.
    The quartile is ranked when the analytics views are refreshed (reports 0006), not per
    visit: ranking 900 k customers took 2-3 s."""
    sql = """
        SELECT revenue_quartile AS quartile, count(*)::integer AS customers, min(revenue) AS min_revenue,
               max(revenue) AS max_revenue, round(avg(revenue), 2) AS average_revenue,
               round(avg(orders), 2) AS average_orders, sum(revenue) AS revenue
          FROM reports_customer_ltv
         GROUP BY revenue_quartile
         ORDER BY revenue_quartile
    """
    return _table(sql, [])


def top_customers(*, limit: int = 20) -> Table:
    sql = """
        SELECT user_id AS customer_id, orders, revenue, average_order, first_order_on, last_order_on
          FROM reports_customer_ltv ORDER BY revenue DESC, user_id LIMIT %s
    """
    return _table(sql, [limit])


# Per-department rankings read the category listing (catalog 0012: a row per listed product
# and each category of its subtree's ancestors, departments included) along its indexes, as
# the storefront's department pages do. Finding each product's "home" department instead
# (its deepest category's top ancestor, per product) read all 500 k products: 2.9-4.1 s
# per report at full scale.


def best_sellers_per_category(*, per_category: int = 5, candidates: int = 5000) -> Table:
    """The top listed products by units sold (the live counter) in each department, with
    their revenue from the analytics view. The best `candidates` products overall are
    ranked first (the best-seller index); a department with fewer than `per_category` of
    them is then read in full, so the result is exact either way."""
    columns = "t.id AS category_id, t.name AS category, p.id AS product_id, p.name AS product, p.units_sold AS units"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM catalog_product WHERE is_listed ORDER BY units_sold DESC, id LIMIT %s", [candidates]
        )
        top = [product_id for (product_id,) in cursor.fetchall()]
        cursor.execute(
            f"""
            SELECT {columns}
              FROM catalog_category_listing l
              JOIN catalog_category t ON t.id = l.category_id AND t.depth = 0
              JOIN catalog_product p ON p.id = l.id
             WHERE l.id = ANY(%s)
            """,
            [top],
        )
        by_department: dict[int, list[tuple[Any, ...]]] = {}
        for row in cursor.fetchall():
            by_department.setdefault(row[0], []).append(row)
        if len(top) == candidates:  # more listed products than candidates: check the departments
            cursor.execute("SELECT id FROM catalog_category WHERE depth = 0")
            short = [d for (d,) in cursor.fetchall() if len(by_department.get(d, [])) < per_category]
            for department in short:
                cursor.execute(
                    f"""
                    SELECT {columns}
                      FROM catalog_category_listing l
                      JOIN catalog_category t ON t.id = l.category_id
                      JOIN catalog_product p ON p.id = l.id
                     WHERE l.category_id = %s
                     ORDER BY p.units_sold DESC, p.id
                     LIMIT %s
                    """,
                    [department, per_category],
                )
                by_department[department] = list(cursor.fetchall())
        ranked = [
            (row, rank)
            for rows in by_department.values()
            for rank, row in enumerate(sorted(rows, key=lambda r: (-r[4], r[2]))[:per_category], start=1)
        ]
        cursor.execute(
            "SELECT product_id, revenue FROM reports_product_performance WHERE product_id = ANY(%s)",
            [[row[2] for row, _rank in ranked]],
        )
        revenue = dict(cursor.fetchall())
    rows = sorted(
        ((row[1], rank, row[3], row[4], revenue.get(row[2], Decimal("0.00"))) for row, rank in ranked),
        key=lambda r: (r[0], r[1]),
    )
    return Table(["category", "rank", "product", "units", "revenue"], rows)


def top_rated_per_category(*, per_category: int = 5, min_reviews: int = 3) -> Table:
    """QP-07 for every department: best average rating among listed products with enough
    reviews, along the category listing's top-rated index (ten short index scans)."""
    # The minimum is written into the statement: a parameter there would keep a generic
    # plan off the partial index (rating_count >= 3).
    sql = f"""
        SELECT t.name AS category, b.rank, p.name AS product, b.rating_avg, b.rating_count
          FROM catalog_category t
         CROSS JOIN LATERAL (
               SELECT l.id, l.rating_avg, l.rating_count,
                      row_number() OVER (ORDER BY l.rating_avg DESC, l.rating_count DESC, l.id) AS rank
                 FROM catalog_category_listing l
                WHERE l.category_id = t.id AND l.rating_count >= {int(min_reviews)}
                ORDER BY l.rating_avg DESC, l.rating_count DESC, l.id
                LIMIT %s) b
          JOIN catalog_product p ON p.id = b.id
         WHERE t.depth = 0
         ORDER BY t.name, b.rank
    """
    return _table(sql, [per_category])


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

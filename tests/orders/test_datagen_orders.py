"""Orders, promotions, shipping and tax from the data generator (orders.datagen)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection, transaction

from catalog.datagen import CATALOG_REBUILT_TABLES, generate
from catalog.integrity import run_catalog_checks
from orders.datagen import ORDER_TABLES, REBUILT_TABLES, _Rebuild
from orders.integrity import run_order_checks
from tests.conftest import sql

pytestmark = pytest.mark.django_db

STATUSES = {
    "pending_payment",
    "paid",
    "processing",
    "shipped",
    "delivered",
    "cancelled",
    "refunded",
    "payment_failed",
}
# Orders without ids and with numbers relative to the first (sequences are not rolled
# back): number, total, status, time.
ORDER_FINGERPRINT = """
SELECT md5(string_agg(concat_ws('|', split_part(number, '-', 2), n, total, status, placed_at), E'\\n' ORDER BY id)),
       count(*)
  FROM (SELECT id, number, total, status, placed_at,
               split_part(number, '-', 3)::bigint - min(split_part(number, '-', 3)::bigint) OVER () AS n
          FROM orders_order) o
"""


def failed_checks() -> list[Any]:
    return [r for r in (*run_catalog_checks(), *run_order_checks()) if not r.ok]


def assert_orders_are_consistent(scale_orders: int) -> None:
    assert sql("SELECT count(*) FROM orders_order") == [(scale_orders,)]
    statuses = {status for (status,) in sql("SELECT DISTINCT status FROM orders_order")}
    assert statuses == STATUSES
    assert failed_checks() == []
    # Totals: the README's rule, shipping free over 50 for standard, taxed at the order's rate.
    bad = sql(
        """
        SELECT count(*) FROM orders_order
         WHERE shipping <> CASE WHEN shipping_method_code = 'standard' AND subtotal - discount >= 50 THEN 0
                                WHEN shipping_method_code = 'standard' THEN 4.99 ELSE 14.99 END
            OR tax <> round((subtotal - discount + shipping) * tax_rate, 2)
            OR total <> subtotal - discount + shipping + tax
            OR (promotion_code = '') <> (discount = 0)
        """
    )
    assert bad == [(0,)]
    # Status history: starts from '' to pending_payment, times increase, as the admin role.
    assert sql(
        """
        SELECT count(*) FROM (
            SELECT order_id, from_status, to_status, db_role, app_user_id, changed_at,
                   lag(to_status) OVER w AS previous, lag(changed_at) OVER w AS previous_at,
                   row_number() OVER w AS step
              FROM orders_order_status_history WINDOW w AS (PARTITION BY order_id ORDER BY changed_at, id)) h
         WHERE (step = 1 AND (from_status <> '' OR to_status <> 'pending_payment'))
            OR (step > 1 AND (from_status <> previous OR changed_at <= previous_at))
            OR db_role <> 'commerce_admin' OR app_user_id IS NOT NULL
        """
    ) == [(0,)]
    # Payments: paid orders were captured in full; declined authorizations failed the payment.
    assert sql(
        """
        SELECT count(*) FROM orders_order o
         WHERE (o.status IN ('paid', 'processing', 'shipped', 'delivered', 'refunded')
                AND NOT EXISTS (SELECT 1 FROM orders_payment_transaction p WHERE p.order_id = o.id
                                   AND p.kind = 'capture' AND p.status = 'succeeded' AND p.amount = o.total))
            OR (o.status = 'payment_failed'
                AND NOT EXISTS (SELECT 1 FROM orders_payment_transaction p WHERE p.order_id = o.id
                                   AND p.kind = 'authorize' AND p.status = 'declined'))
            OR (o.status = 'refunded'
                AND NOT EXISTS (SELECT 1 FROM orders_payment_transaction p WHERE p.order_id = o.id
                                   AND p.kind = 'refund'))
            OR (o.status = 'pending_payment' AND EXISTS (SELECT 1 FROM orders_payment_transaction p
                                                           WHERE p.order_id = o.id))
        """
    ) == [(0,)]
    # Line snapshots match the catalog; discounts spread within each line.
    assert sql(
        """
        SELECT count(*) FROM orders_order_item i
          JOIN catalog_variant v ON v.id = i.variant_id JOIN catalog_product p ON p.id = i.product_id
          JOIN accounts_seller s ON s.id = i.seller_id
         WHERE v.product_id <> p.id OR p.seller_id <> s.id OR i.sku <> v.sku OR i.unit_price <> v.price
            OR i.commission_rate <> s.commission_rate OR i.product_name <> p.name OR i.image_url = ''
            OR i.discount > i.line_total
        """
    ) == [(0,)]
    # Verified purchases exactly where a delivered line exists.
    assert sql(
        """
        SELECT count(*) FROM catalog_review r
         WHERE r.is_verified_purchase <> EXISTS (
             SELECT 1 FROM orders_order o JOIN orders_order_item i ON i.order_id = o.id
              WHERE o.user_id = r.user_id AND o.status = 'delivered' AND i.product_id = r.product_id)
        """
    ) == [(0,)]
    # Buyers had joined before ordering; numbers continue from the sequence.
    assert sql(
        "SELECT count(*) FROM orders_order o JOIN accounts_user u ON u.id = o.user_id WHERE u.date_joined > o.placed_at"
    ) == [(0,)]
    [(highest, sequence)] = sql(
        "SELECT max(split_part(number, '-', 3)::bigint), (SELECT last_value FROM orders_order_number_seq)"
        "  FROM orders_order"
    )
    assert sequence >= highest
    # Line, status-history and payment ids follow the orders' time order (steps in order,
    # authorize, capture, refund within an order), whatever the inserts' plans, and the
    # sequences continue past them.
    assert sql(
        "SELECT count(*) FROM (SELECT order_id, lag(order_id) OVER (ORDER BY id) AS before FROM orders_order_item) t"
        " WHERE before > order_id"
    ) == [(0,)]
    assert sql(
        """
        SELECT count(*) FROM (
            SELECT order_id, changed_at, lag(order_id) OVER w AS before, lag(changed_at) OVER w AS before_at
              FROM orders_order_status_history WINDOW w AS (ORDER BY id)) t
         WHERE (before, before_at) > (order_id, changed_at)
        """
    ) == [(0,)]
    assert sql(
        """
        SELECT count(*) FROM (
            SELECT id, lag(id) OVER (ORDER BY order_id, array_position(ARRAY['authorize', 'capture', 'refund'],
                                                                        kind::text)) AS before
              FROM orders_payment_transaction) t
         WHERE before > id
        """
    ) == [(0,)]
    for table in ("orders_order_item", "orders_order_status_history", "orders_payment_transaction"):
        assert sql(
            f"SELECT (SELECT last_value FROM pg_sequences WHERE sequencename = '{table}_id_seq') >= max(id)"
            f"  FROM {table}"
        ) == [(True,)], table
    assert sql("SELECT count(*) FROM orders_shipping_method WHERE code IN ('standard', 'express')") == [(2,)]
    assert sql("SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal AND tgenabled = 'D'") == [(0,)]


def test_demo_orders() -> None:
    counts = generate(scale="demo", seed=42)
    assert counts["orders"] == 300
    assert 600 < counts["order_items"] < 900
    assert counts["promotions"] == 5
    assert_orders_are_consistent(300)
    # Shares: mostly delivered, some promotions, all lines 1-5 per order.
    [(delivered, promoted)] = sql(
        "SELECT avg((status = 'delivered')::int), avg((promotion_code <> '')::int) FROM orders_order"
    )
    assert delivered > 0.7 and 0.03 < promoted < 0.15
    assert (
        sql("SELECT min(n), max(n) FROM (SELECT count(*) AS n FROM orders_order_item GROUP BY order_id) t")[0][0] >= 1
    )
    # The analytics views were refreshed.
    assert sql("SELECT count(*) FROM reports_daily_sales")[0][0] > 100


def test_the_same_seed_gives_the_same_orders() -> None:
    prints = []
    for seed in (42, 42, 43):
        with transaction.atomic():
            generate(scale="demo", seed=seed)
            prints.append(sql(ORDER_FINGERPRINT)[0])
            transaction.set_rollback(True)
    assert prints[0] == prints[1]
    assert prints[0] != prints[2]


def test_the_order_triggers_are_on_after_the_load() -> None:
    generate(scale="demo", seed=3, bulk=True)
    assert sql(
        "SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal AND tgenabled = 'D'"
        " AND tgrelid::regclass::text = ANY(%s)",
        [list(ORDER_TABLES)],
    ) == [(0,)]
    assert failed_checks() == []


SCHEMA_OF_ORDER_TABLES = """
SELECT 'constraint', conrelid::regclass::text, conname, pg_get_constraintdef(oid), condeferrable, condeferred
  FROM pg_constraint WHERE conrelid = ANY(%s::regclass[])
 UNION ALL
SELECT 'index', indrelid::regclass::text, indexrelid::regclass::text, pg_get_indexdef(indexrelid), indisunique,
       indisprimary
  FROM pg_index WHERE indrelid = ANY(%s::regclass[])
"""


def test_a_bulk_load_restores_the_constraints_and_indexes_of_the_order_and_catalog_tables() -> None:
    category_tables = ("catalog_category_listing", "catalog_category_search")  # rebuilt after the orders
    tables = [[*REBUILT_TABLES, *CATALOG_REBUILT_TABLES, *category_tables]] * 2
    before = set(sql(SCHEMA_OF_ORDER_TABLES, tables))
    assert sum(row[0] == "constraint" and "FOREIGN KEY" in row[3] for row in before) >= 22
    assert sum(row[0] == "index" and "USING gin" in row[3] for row in before) >= 5  # trigram, full text
    generate(scale="demo", seed=5, bulk=True)
    assert set(sql(SCHEMA_OF_ORDER_TABLES, tables)) == before
    assert sql("SELECT count(*) FROM pg_constraint WHERE NOT convalidated") == [(0,)]
    assert sql("SELECT count(*) FROM pg_index WHERE NOT (indisvalid AND indisready AND indislive)") == [(0,)]
    assert sql("SELECT count(*) FROM orders_order_item")[0][0] > 500
    assert failed_checks() == []


def test_a_bulk_load_drops_the_primary_keys_no_foreign_key_refers_to_and_rebuilds_them() -> None:
    # Kept through the inserts, a primary key cost more than its build after them; the
    # orders' stays (the lines, status rows, payments and redemptions refer to it).
    with transaction.atomic(), connection.cursor() as cursor:
        rebuilt = _Rebuild(cursor)
        rebuilt.drop(cursor)
        [(left,)] = sql(
            "SELECT array_agg(indrelid::regclass::text ORDER BY 1) FROM pg_index"
            " WHERE indisprimary AND indrelid = ANY(%s::regclass[])",
            [list(REBUILT_TABLES)],
        )
        transaction.set_rollback(True)
    assert left == ["orders_order"]
    primary = sorted(table for table, _name, kind, _definition, _valid in rebuilt.constraints if kind == "p")
    assert primary == sorted(f"public.{table}" for table in REBUILT_TABLES if table != "orders_order")


@pytest.mark.slow
def test_small_scale_orders() -> None:
    counts = generate(scale="small", seed=42)
    assert counts["orders"] == 100_000
    assert 230_000 < counts["order_items"] < 270_000
    assert_orders_are_consistent(100_000)
    # Weekends and November/December sell more than weekdays and the rest of the year.
    [(weekend, weekday)] = sql(
        "SELECT count(*) FILTER (WHERE extract(isodow FROM placed_at) >= 6) / 2.0::float,"
        "       count(*) FILTER (WHERE extract(isodow FROM placed_at) BETWEEN 1 AND 4) / 4.0::float FROM orders_order"
    )
    assert weekend > 1.15 * weekday
    [(season, rest)] = sql(
        "SELECT count(*) FILTER (WHERE extract(month FROM placed_at) IN (11, 12)) / 2.0::float,"
        "       count(*) FILTER (WHERE extract(month FROM placed_at) BETWEEN 3 AND 9) / 7.0::float FROM orders_order"
    )
    assert season > 1.2 * rest
    # Some heavy buyers: the top 1 % of customers placed over 5 % of the orders.
    [(top_share,)] = sql(
        "SELECT sum(n) FILTER (WHERE rank <= 100)::float / sum(n) FROM"
        " (SELECT count(*) AS n, row_number() OVER (ORDER BY count(*) DESC) AS rank"
        "    FROM orders_order GROUP BY user_id) t"
    )
    assert top_share > 0.05


def test_check_integrity_finds_wrong_verified_purchase_flags() -> None:
    generate(scale="demo", seed=42)
    [(verified,)] = sql("SELECT count(*) FROM catalog_review WHERE is_verified_purchase")
    assert verified > 0  # the generator derived some from delivered lines
    assert failed_checks() == []
    # Flip one flag each way past the moderation trigger (which would re-derive it).
    sql("SET CONSTRAINTS ALL IMMEDIATE")  # ALTER TABLE needs no queued checks
    sql("ALTER TABLE catalog_review DISABLE TRIGGER USER")
    sql(
        "UPDATE catalog_review SET is_verified_purchase = NOT is_verified_purchase"
        " WHERE id IN ((SELECT min(id) FROM catalog_review WHERE is_verified_purchase),"
        "              (SELECT min(id) FROM catalog_review WHERE NOT is_verified_purchase))"
    )
    sql("SET CONSTRAINTS ALL IMMEDIATE")
    sql("ALTER TABLE catalog_review ENABLE TRIGGER USER")
    [wrong] = [r for r in failed_checks() if r.name == "verified purchases"]
    assert wrong.count == 2
    assert [r.name for r in failed_checks()] == ["verified purchases"]


def test_a_bulk_load_truncates_only_tables_that_never_had_a_row() -> None:
    """generate_data truncates the empty tables it loads (catalog.datagen._truncate_empty_tables:
    no WAL for their rows at wal_level=minimal); a table with rows keeps them and its file."""
    from tests.factories import UserFactory

    user = UserFactory()
    [(file_before,)] = sql("SELECT pg_relation_filenode('accounts_user')")
    generate(scale="demo", seed=11, bulk=True)
    assert sql("SELECT count(*) FROM accounts_user WHERE id = %s", [user.pk]) == [(1,)]
    assert sql("SELECT pg_relation_filenode('accounts_user')") == [(file_before,)]
    assert failed_checks() == []


def test_which_tables_are_truncated() -> None:
    from django.db import connection

    from catalog.datagen import _truncate_empty_tables

    sql("CREATE TABLE probe_parent (id bigint PRIMARY KEY)")
    sql("CREATE TABLE probe_child (parent_id bigint REFERENCES probe_parent)")  # empty: goes along
    sql("CREATE TABLE probe_kept (id bigint PRIMARY KEY)")
    sql("CREATE TABLE probe_full (kept_id bigint REFERENCES probe_kept)")
    sql("INSERT INTO probe_full VALUES (NULL)")  # has a row, and refers to probe_kept
    tables = ("probe_parent", "probe_child", "probe_kept", "probe_full")
    files = dict(sql("SELECT relname, relfilenode FROM pg_class WHERE relname = ANY(%s)", [list(tables)]))
    # In a savepoint: a table created in the same subtransaction is truncated in place.
    with transaction.atomic(), connection.cursor() as cursor:
        assert _truncate_empty_tables(cursor, ("probe_parent", "probe_kept", "probe_full")) == 2
    after = dict(sql("SELECT relname, relfilenode FROM pg_class WHERE relname = ANY(%s)", [list(tables)]))
    changed = {table for table in tables if after[table] != files[table]}
    assert changed == {"probe_parent", "probe_child"}
    assert sql("SELECT count(*) FROM probe_full") == [(1,)]

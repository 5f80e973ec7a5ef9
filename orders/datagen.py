"""Generated orders, promotions, shipping methods and tax rates: set-based, deterministic.

Called by catalog.datagen.generate in its transaction, in two steps: stage_orders after
the catalog is staged (the lines need the variants' reserved ids and the products'
popularity ranks) and before it is inserted, so that units sold and verified purchases
go into the products' and reviews' one insert (a later UPDATE would write half a
gigabyte of products and their indexes a second time: 4-5 minutes at full scale);
insert_orders after the catalog is in.
Every pseudo-random number is pg_temp.rnd(seed, stream, i), as in catalog.datagen.

Shape
- Orders are spread over the three years before DATA_END, one day at a time: a day's
  share grows with the shop (x1.6 over the period), is higher at weekends and in
  November/December (Black Friday to Christmas highest), lower in January. The last eight
  days get at least 48 orders, so that even the demo scale has recent orders in every
  in-flight status. Ids, numbers and placed_at increase together.
- The buyer has joined before the order (customers are numbered in order of joining); 30 %
  of orders go to every 50th customer (heavy buyers).
- 1-5 lines (mean 2.5), products by the reviews' popularity ranks (power law), one of the
  product's active variants; quantities mostly 1.
- Each order follows a path (normal, cancelled after payment, refunded after delivery,
  payment declined) and is in the last status of it whose time is before DATA_END; the
  status history has one row per step taken, with increasing times.
- About 8 % of orders use the site-wide percentage promotion running at the time (within
  its per-customer limit). The discount is spread over the lines in proportion to their
  totals, the rounding remainder going to the largest line.

Triggers
The user triggers of the order, promotion and reference tables are disabled while this
loads, at every scale (with row triggers on, also catalog_product's and catalog_review's
around the UPDATE that sets the two derived values there): the state machine would
refuse historical rows, and the status history, counters and audit rows are written
here instead. Every derived value is set as the
triggers would: status history, payment transactions, promotion uses_count and usage
rows, product.units_sold (paid..delivered lines) and reviews' is_verified_purchase (a
delivered line of the product). Stock is the generated current stock (not decremented).

Bulk mode (medium and full scale)
The foreign keys, the primary keys and unique constraints no foreign key refers to, and
the secondary indexes of REBUILT_TABLES are dropped before the rows go in and re-created
after them, in the same transaction, from their own definitions (pg_get_constraintdef,
pg_get_indexdef): same names, same definitions, same deferrability. Each foreign key is
re-added NOT VALID and then validated, one set-based check instead of one queued row
lookup per inserted row; each index is built once, sorted, instead of grown row by row.
On an error the rollback restores them all.

Parallel bulk load (the command, outside a transaction, `--jobs` > 1)
The staged rows the inserts read (SHARED_STAGING) are UNLOGGED tables in STAGING_SCHEMA,
committed with the catalog together with the drop of the keys and indexes. The four big
tables then go in as two STREAMS, each one transaction on its own connection that
truncates its (empty) tables, inserts them and builds their indexes; the promotions'
rows, the keys (NOT VALID, then validated per table over the connections) and the
triggers follow. What one transaction would write, row for row (tested). If a stream or
the step after it fails, recover_parallel_insert() empties the order tables and restores
their schema; the first transaction's catalog stays (catalog.datagen.generate says so).
"""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import TYPE_CHECKING, Any

from django.db import connection, transaction

from orders.demo import SHIPPING

if TYPE_CHECKING:
    from catalog.datagen import Scale, _Runner

DAYS = 1095  # three years of orders before DATA_END
RECENT_DAYS = 8
RECENT_MIN_ORDERS = 48
PROMOTION_SHARE = 0.08
HEAVY_SHARE = 0.3  # of orders, from every HEAVY_EVERY-th customer
HEAVY_EVERY = 50

# (country, region, name, rate): sales tax of the US states and the countries addresses
# are generated in; valid for the whole period. Anything else pays no tax.
TAX_RATES: tuple[tuple[str, str, str, str], ...] = (
    ("US", "AZ", "Arizona sales tax", "0.05600"),
    ("US", "CA", "California sales tax", "0.07250"),
    ("US", "CO", "Colorado sales tax", "0.02900"),
    ("US", "FL", "Florida sales tax", "0.06000"),
    ("US", "GA", "Georgia sales tax", "0.04000"),
    ("US", "IL", "Illinois sales tax", "0.06250"),
    ("US", "MA", "Massachusetts sales tax", "0.06250"),
    ("US", "ME", "Maine sales tax", "0.05500"),
    ("US", "MN", "Minnesota sales tax", "0.06875"),
    ("US", "NC", "North Carolina sales tax", "0.04750"),
    ("US", "NY", "New York sales tax", "0.04000"),
    ("US", "OH", "Ohio sales tax", "0.05750"),
    ("US", "PA", "Pennsylvania sales tax", "0.06000"),
    ("US", "TN", "Tennessee sales tax", "0.07000"),
    ("US", "TX", "Texas sales tax", "0.06250"),
    ("US", "UT", "Utah sales tax", "0.06100"),
    ("US", "WA", "Washington sales tax", "0.06500"),
    ("US", "WI", "Wisconsin sales tax", "0.05000"),
    ("CA", "", "Canada GST", "0.05000"),
    ("AU", "", "Australian GST", "0.10000"),
    ("GB", "", "UK VAT", "0.20000"),
    ("DE", "", "German VAT", "0.19000"),
    ("FR", "", "French VAT", "0.20000"),
    ("NL", "", "Dutch VAT", "0.21000"),
)
TAX_VALID_FROM = date(2020, 1, 1)

# Tables written; their user triggers are disabled from stage_orders to the end of insert_orders.
ORDER_TABLES = (
    "orders_shipping_method",
    "orders_tax_rate",
    "promotions_promotion",
    "promotions_usage",
    "promotions_redemption",
    "orders_order",
    "orders_order_item",
    "orders_order_status_history",
    "orders_payment_transaction",
)
# With row triggers on (demo, small), the two values the orders drive are set by an
# UPDATE after the orders are in, with these tables' triggers disabled for it; in bulk
# mode catalog.datagen writes them in the rows' insert from gen_sold and gen_verified.
DERIVED_CATALOG_TABLES = ("catalog_product", "catalog_review")
ANALYZED_TABLES = ORDER_TABLES + DERIVED_CATALOG_TABLES
# Bulk mode: their foreign keys, primary keys and unique constraints (unless a foreign key
# refers to one: the orders' primary key stays) and secondary indexes are dropped for the
# load and re-created after it, each index built once from the sorted rows. Check
# constraints stay. A primary key kept through an insert costs more than its build after
# it (10 M status rows: 11.6 s inserted with it against 5.3-6.5 s without it and 2.6-3.1 s
# to add it; the kept keys were also left 40 % larger, with the pages of split leaves).
REBUILT_TABLES = (
    "orders_order",
    "orders_order_item",
    "orders_order_status_history",
    "orders_payment_transaction",
    "promotions_redemption",
    "promotions_usage",
)
# Parallel bulk load (orders.datagen.insert_orders_in_parallel): the order tables in two
# streams of about equal work, each on its own connection in its own transaction (session
# 15's load, primary keys built after the inserts: orders 130 s + payments 107 s + their
# indexes ~105 s; lines 98 s + status history 63 s + their indexes 160 s). The payments
# read the orders inserted before them in the same stream; the promotions' redemptions
# go in the other (8-17 s in session 15's loads), right after the status history, which
# reads the same staged orders (after both streams, read back from disk, they had taken
# 6 s in one full load and 42 s in the next).
STREAMS: tuple[tuple[str, ...], ...] = (
    ("orders_order", "orders_payment_transaction"),
    ("orders_order_item", "orders_order_status_history", "promotions_redemption", "promotions_usage"),
)
# Where the staging tables the streams read live: UNLOGGED tables in their own schema,
# committed with the catalog so the streams' connections can read them, dropped at the end;
# and the staged reviews, so that parallel workers read them (a temporary table is read by
# its own session only) for the verified purchases.
STAGING_SCHEMA = "shopwave_datagen"
SHARED_STAGING = frozenset(
    {
        "gen_ship",
        "gen_rate",
        "gen_path",
        "gen_promo",
        "gen_day",
        "gen_order",
        "gen_sellable",
        "gen_item",
        "gen_total",
        "gen_review",
        "gen_product",
        "gen_search",
        "gen_search_names",
    }
)
SQL_REBUILT_CONSTRAINTS = """
SELECT format('%%I.%%I', n.nspname, t.relname), quote_ident(c.conname), c.contype, pg_get_constraintdef(c.oid),
       c.convalidated
  FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace
 WHERE c.conrelid = ANY(%(tables)s::regclass[])
   AND (c.contype = 'f'
        OR (c.contype IN ('p', 'u')
            AND NOT EXISTS (SELECT 1 FROM pg_constraint r WHERE r.contype = 'f' AND r.conindid = c.conindid)))
 ORDER BY c.contype DESC, t.relname, c.conname
"""
# Indexes that belong to no constraint (the primary keys' and unique constraints' do).
SQL_REBUILT_INDEXES = """
SELECT format('%%I.%%I', n.nspname, x.relname), pg_get_indexdef(i.indexrelid), format('%%I.%%I', n.nspname, t.relname)
  FROM pg_index i JOIN pg_class x ON x.oid = i.indexrelid JOIN pg_namespace n ON n.oid = x.relnamespace
  JOIN pg_class t ON t.oid = i.indrelid
 WHERE i.indrelid = ANY(%(tables)s::regclass[]) AND NOT i.indisprimary
   AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.conrelid = i.indrelid)
 ORDER BY x.relname
"""

SQL_SHIPPING = """
INSERT INTO orders_shipping_method (code, name, price, currency, free_over, min_days, max_days, is_active, position)
SELECT x.code, x.name, x.price::numeric, 'USD', x.free_over::numeric, x.min_days, x.max_days, true, x.position
  FROM jsonb_to_recordset(%(shipping)s::jsonb)
       AS x(code text, name text, price text, free_over text, min_days int, max_days int, position int)
ON CONFLICT (code) DO NOTHING
"""
SQL_TAX = """
INSERT INTO orders_tax_rate (country, region, name, rate, valid_from, valid_until)
SELECT x.country, x.region, x.name, x.rate::numeric, %(tax_from)s::date, NULL
  FROM jsonb_to_recordset(%(tax)s::jsonb) AS x(country text, region text, name text, rate text)
 WHERE NOT EXISTS (SELECT 1 FROM orders_tax_rate t WHERE t.country = x.country AND t.region = x.region)
"""
SQL_STAGE_REFERENCE = (
    """
    CREATE TEMP TABLE gen_ship ON COMMIT DROP AS
    SELECT code, name, price, free_over, min_days, max_days FROM orders_shipping_method
     WHERE code IN ('standard', 'express')
    """,
    # The rate of every (country, region) an address has, by the checkout's own function.
    """
    CREATE TEMP TABLE gen_rate ON COMMIT DROP AS
    SELECT country, region, orders_tax_rate(country, region, (%(end)s::timestamptz AT TIME ZONE 'UTC')::date) AS rate
      FROM (SELECT DISTINCT country, region FROM accounts_address) a
    """,
    # The status path of each kind of order: 1 normal, 2 cancelled, 3 refunded, 4 declined.
    """
    CREATE TEMP TABLE gen_path ON COMMIT DROP AS
    SELECT * FROM (VALUES
        (1, ARRAY['pending_payment', 'paid', 'processing', 'shipped', 'delivered']),
        (2, ARRAY['pending_payment', 'paid', 'cancelled']),
        (3, ARRAY['pending_payment', 'paid', 'processing', 'shipped', 'delivered', 'refunded']),
        (4, ARRAY['pending_payment', 'payment_failed'])) AS t(kind, statuses)
    """,
)

# Promotion i runs from about W0 + (i - 1) * step for 1.5-2.5 steps: the one an order at
# time t uses, i = 1 + floor((t - W0) / step), is always running then.
SQL_STAGE_PROMOTIONS = """
CREATE TEMP TABLE gen_promo ON COMMIT DROP AS
SELECT g.i, %(promo_base)s::bigint + g.i AS id,
       (ARRAY['SPRING', 'SUMMER', 'AUTUMN', 'WINTER', 'FLASH', 'HELLO', 'THANKS', 'VIP', 'WEEKEND', 'TREAT'])
           [1 + floor(pg_temp.rnd(%(seed)s, 'promo_word', g.i) * 10)::int] || x.pct || '-' || lpad(g.i::text, 4, '0')
           AS code,
       x.pct,
       (ARRAY[1, 1, 1, 1, 1, 1, 1, 2, 2, 3])[1 + floor(pg_temp.rnd(%(seed)s, 'promo_limit', g.i) * 10)::int] AS lim,
       s.starts_at,
       s.starts_at + %(step)s * interval '1 day' * (1.5 + pg_temp.rnd(%(seed)s, 'promo_length', g.i))
           + interval '2 days' AS ends_at
  FROM generate_series(1, %(promotions)s) AS g(i)
 CROSS JOIN LATERAL (
     SELECT (ARRAY[5, 10, 10, 15, 15, 20, 25, 30])[1 + floor(pg_temp.rnd(%(seed)s, 'promo_pct', g.i) * 8)::int] AS pct
 ) x
 CROSS JOIN LATERAL (
     SELECT %(end)s::timestamptz - interval '1 day' * %(days)s + %(step)s * interval '1 day' * (g.i - 1)
            - interval '1 day' AS starts_at
 ) s
"""
SQL_PROMOTIONS = """
INSERT INTO promotions_promotion (id, code, description, kind, value, currency, minimum_purchase, starts_at, ends_at,
                                  is_active, scope, max_uses, per_customer_limit, uses_count, created_at)
SELECT id, code, pct || ' %% off everything', 'percentage', pct, 'USD', 0, starts_at, ends_at, true, 'site', NULL,
       lim, 0, starts_at - interval '7 days'
  FROM gen_promo
"""

# Orders per day: weights by weekday, season and growth; the last RECENT_DAYS days share
# `recent` orders, the others the rest (exact counts: differences of floored cumulative sums).
SQL_STAGE_DAYS = """
CREATE TEMP TABLE gen_day ON COMMIT DROP AS
WITH w AS (
    SELECT d, day_start, d >= %(days)s - %(recent_days)s AS recent,
           (1 + 0.6 * d / %(days)s)
           * CASE extract(isodow FROM day_start) WHEN 6 THEN 1.35 WHEN 7 THEN 1.3 WHEN 5 THEN 1.1 ELSE 1.0 END
           * CASE WHEN extract(month FROM day_start) = 11 AND extract(day FROM day_start) >= 23 THEN 2.2
                  WHEN extract(month FROM day_start) = 11 THEN 1.4
                  WHEN extract(month FROM day_start) = 12 AND extract(day FROM day_start) <= 20 THEN 1.7
                  WHEN extract(month FROM day_start) = 12 THEN 1.1
                  WHEN extract(month FROM day_start) = 1 THEN 0.85
                  WHEN extract(month FROM day_start) = 2 THEN 0.9
                  ELSE 1.0 END
           * (0.9 + 0.2 * pg_temp.rnd(%(seed)s, 'day', d)) AS weight
      FROM (SELECT d, %(end)s::timestamptz - interval '1 day' * (%(days)s - d) AS day_start
              FROM generate_series(0, %(days)s - 1) AS g(d)) t
), c AS (
    SELECT d, day_start, recent,
           sum(weight) OVER (PARTITION BY recent ORDER BY d) AS upto,
           sum(weight) OVER (PARTITION BY recent ORDER BY d) - weight AS before,
           sum(weight) OVER (PARTITION BY recent) AS total
      FROM w
), n AS (
    SELECT d, day_start,
           (floor(CASE WHEN recent THEN %(recent)s ELSE %(n)s - %(recent)s END * upto / total)
            - floor(CASE WHEN recent THEN %(recent)s ELSE %(n)s - %(recent)s END * before / total))::bigint AS cnt
      FROM c
)
SELECT d, day_start, cnt, (sum(cnt) OVER (ORDER BY d) - cnt + 1)::bigint AS first_o FROM n
"""

# One row per order with everything but the money: buyer, time, path and its step times,
# the status reached, shipping method, promotion candidate.
SQL_STAGE_ORDERS = """
CREATE TEMP TABLE gen_order ON COMMIT DROP AS
SELECT z.o, %(order_base)s::bigint + z.o AS id, z.user_no, z.placed_at, z.n_lines, z.ship_code, z.kind, z.ts,
       z.n_steps, p.statuses[z.n_steps] AS status, z.promo_no, coalesce(pr.pct, 0)::smallint AS pct, pr.lim
  FROM (
    SELECT y.*,
           -- the steps done by the end: how many of the path's times (ascending) are <= it,
           -- counted by width_bucket (a subquery over unnest(ts) per row kept the statement
           -- out of parallel workers: full scale 130 s)
           CASE WHEN %(n)s - y.o < 2 THEN 1  -- the newest two: payment not finished yet
                ELSE width_bucket(%(end)s::timestamptz, y.ts) END AS n_steps
      FROM (
        SELECT x.o, x.placed_at, x.user_no, x.n_lines, x.ship_code, x.kind, x.promo_no,
               CASE x.kind
                   WHEN 1 THEN ARRAY[x.placed_at, x.t_pay, x.t_proc, x.t_ship, x.t_deliv]
                   WHEN 2 THEN ARRAY[x.placed_at, x.t_pay, x.t_pay + (x.t_proc - x.t_pay) * (0.1 + 0.8 * x.r_end)]
                   WHEN 3 THEN ARRAY[x.placed_at, x.t_pay, x.t_proc, x.t_ship, x.t_deliv,
                                     x.t_deliv + interval '2 days' + interval '28 days' * x.r_end]
                   ELSE ARRAY[x.placed_at, x.t_pay]
               END AS ts
          FROM (
            SELECT t.*, t.t_ship + interval '1 day' * (s.min_days
                                                      + floor(pg_temp.rnd(%(seed)s, 'transit', t.o)
                                                              * (s.max_days - s.min_days + 1)))
                        + interval '8 hours' * pg_temp.rnd(%(seed)s, 'delivery_hour', t.o) AS t_deliv
              FROM (
                SELECT u.*,
                       u.placed_at + interval '1 minute' + interval '9 minutes' * pg_temp.rnd(%(seed)s, 'pay', u.o)
                           AS t_pay,
                       u.placed_at + interval '12 hours' + interval '1 day' * pg_temp.rnd(%(seed)s, 'process', u.o)
                           AS t_proc,
                       u.placed_at + interval '12 hours' + interval '1 day' * pg_temp.rnd(%(seed)s, 'process', u.o)
                           + interval '12 hours' + interval '36 hours' * pg_temp.rnd(%(seed)s, 'ship', u.o) AS t_ship,
                       pg_temp.rnd(%(seed)s, 'path_end', u.o) AS r_end
                  FROM (
                    SELECT v.o, v.placed_at, v.joined,
                           CASE WHEN v.joined >= %(heavy_every)s
                                     AND pg_temp.rnd(%(seed)s, 'heavy', v.o) < %(heavy_share)s
                                THEN %(heavy_every)s * (1 + floor(pg_temp.rnd(%(seed)s, 'buyer', v.o)
                                                                  * floor(v.joined / %(heavy_every)s)))::bigint
                                ELSE 1 + floor(pg_temp.rnd(%(seed)s, 'buyer', v.o) * v.joined)::bigint
                           END AS user_no,
                           1 + width_bucket(pg_temp.rnd(%(seed)s, 'lines', v.o),
                                            ARRAY[0.25, 0.55, 0.77, 0.90]::double precision[]) AS n_lines,
                           CASE WHEN pg_temp.rnd(%(seed)s, 'express', v.o) < 0.15 THEN 'express' ELSE 'standard' END
                               AS ship_code,
                           CASE WHEN v.r_fate < 0.015 THEN 4 WHEN v.r_fate < 0.045 THEN 2
                                WHEN v.r_fate < 0.065 THEN 3 ELSE 1 END AS kind,
                           CASE WHEN pg_temp.rnd(%(seed)s, 'promo', v.o) < %(promo_share)s
                                THEN least(%(promotions)s,
                                           1 + floor(extract(epoch FROM v.placed_at - %(w0)s::timestamptz)
                                                     / 86400 / %(step)s))::int
                           END AS promo_no
                      FROM (
                        SELECT q.o, q.placed_at, pg_temp.rnd(%(seed)s, 'fate', q.o) AS r_fate,
                               -- customers who had joined by then (they are numbered in order of joining)
                               greatest(1, floor(%(customers)s * (1 - extract(epoch FROM %(end)s::timestamptz
                                                                                  - q.placed_at)
                                                                      / (1460 * 86400.0))))::bigint AS joined
                          FROM (
                            SELECT g.o,
                                   dd.day_start + interval '1 day' * (f.x - 0.15 * sin(2 * pi() * f.x) / (2 * pi()))
                                       AS placed_at
                              FROM gen_day dd
                             CROSS JOIN LATERAL generate_series(dd.first_o, dd.first_o + dd.cnt - 1) AS g(o)
                             CROSS JOIN LATERAL (
                                 SELECT ((g.o - dd.first_o) + pg_temp.rnd(%(seed)s, 'minute', g.o)) / dd.cnt AS x
                             ) f
                          ) q
                      ) v
                  ) u
              ) t
              JOIN gen_ship s ON s.code = t.ship_code
          ) x
      ) y
  ) z
  JOIN gen_path p ON p.kind = z.kind
  LEFT JOIN gen_promo pr ON pr.i = z.promo_no
"""
# A shopper uses a promotion at most per_customer_limit times: later orders go without.
SQL_PROMO_LIMITS = """
UPDATE gen_order g SET promo_no = NULL, pct = 0
  FROM (SELECT o, row_number() OVER (PARTITION BY promo_no, user_no ORDER BY o) AS k, lim
          FROM gen_order WHERE promo_no IS NOT NULL) x
 WHERE x.o = g.o AND x.k > x.lim
"""

# What can be sold, by popularity rank (the reviews' ranks): one row per product with
# the arrays of its active variants.
SQL_STAGE_SELLABLE = """
CREATE TEMP TABLE gen_sellable ON COMMIT DROP AS
SELECT (row_number() OVER (ORDER BY rv.r) - 1)::bigint AS r, p.id AS product_id, p.seller_id,
       left(p.name, 200) AS product_name, '/static/img/products/' || p.top_slug || '.svg' AS image_url,
       s.commission_rate, v.ids, v.names, v.skus, v.prices
  FROM gen_reviewable rv
  JOIN gen_product p ON p.id = rv.id
  JOIN accounts_seller s ON s.id = p.seller_id
  JOIN (SELECT product_id, array_agg(id ORDER BY id) AS ids, array_agg(name ORDER BY id) AS names,
               array_agg(sku ORDER BY id) AS skus, array_agg(price ORDER BY id) AS prices
          FROM gen_variant WHERE is_active GROUP BY product_id) v ON v.product_id = p.id
"""
# Lines: product of rank floor(m * u ** zipf); two lines of one product take different
# variants where it has several.
SQL_STAGE_ITEMS = """
CREATE TEMP TABLE gen_item ON COMMIT DROP AS
SELECT l.o, l.k::smallint AS k, l.r, l.user_no, x.vi::smallint AS vi, l.qty::smallint AS qty,
       s.prices[x.vi] AS unit_price, s.prices[x.vi] * l.qty AS line_total,
       round(s.prices[x.vi] * l.qty * l.pct / 100, 2) AS share, l.pct,
       l.status IN ('paid', 'processing', 'shipped', 'delivered') AS sold, l.status = 'delivered' AS delivered
  FROM (
    SELECT o.o, g.k, o.user_no, o.pct, o.status,
           floor(%(sellable)s * power(pg_temp.rnd(%(seed)s, 'line_product', o.o * 8 + g.k), %(zipf)s))::bigint AS r,
           pg_temp.rnd(%(seed)s, 'line_variant', o.o) AS r_variant,
           1 + width_bucket(pg_temp.rnd(%(seed)s, 'quantity', o.o * 8 + g.k),
                            ARRAY[0.8, 0.93, 0.98, 0.99]::double precision[]) AS qty
      FROM gen_order o
     CROSS JOIN LATERAL generate_series(1, o.n_lines) AS g(k)
  ) l
  JOIN gen_sellable s ON s.r = l.r
 CROSS JOIN LATERAL (
     SELECT 1 + mod(floor(l.r_variant * cardinality(s.ids))::int + l.k, cardinality(s.ids)) AS vi
 ) x
"""
# Per order: subtotal, discount (rounded half-up once), the remainder of the spread
# discount and the line that takes it (largest total, then first).
SQL_STAGE_TOTALS = """
CREATE TEMP TABLE gen_total ON COMMIT DROP AS
SELECT o, subtotal, discount, discount - shares AS remainder, 7 - mod(largest, 8)::smallint AS largest_k
  FROM (SELECT o, sum(line_total) AS subtotal, round(sum(line_total) * max(pct) / 100, 2) AS discount,
               sum(share) AS shares, max((line_total * 100)::bigint * 8 + 7 - k) AS largest
          FROM gen_item GROUP BY o) t
"""

SQL_ORDERS = """
INSERT INTO orders_order (id, number, user_id, status, currency, subtotal, discount, shipping, tax, total, tax_rate,
                          promotion_code, ship_name, ship_line1, ship_line2, ship_city, ship_region, ship_postal_code,
                          ship_country, shipping_method_code, shipping_method_name, payment_method_id, payment_token,
                          card_brand, card_last4, idempotency_key, tracking_number, placed_at, updated_at)
SELECT o.id, 'SW-' || to_char(o.placed_at AT TIME ZONE 'UTC', 'YYYY') || '-' || (%(number_base)s::bigint + o.o),
       a.user_id, o.status, 'USD', t.subtotal, t.discount, s.shipping, x.tax,
       t.subtotal - t.discount + s.shipping + x.tax, coalesce(r.rate, 0),
       coalesce(pr.code, ''), a.full_name, a.line1, a.line2, a.city, a.region, a.postal_code, a.country,
       sh.code, sh.name, NULL, 'tok_' || s.brand || '_' || left(md5(%(seed)s || ':card:' || a.user_id), 20),
       s.brand, lpad(mod(abs(hashint8extended(a.user_id, %(seed)s)), 10000)::text, 4, '0'),
       md5(%(seed)s || ':order:' || o.o)::uuid,
       CASE WHEN o.status IN ('shipped', 'delivered', 'refunded') AND o.kind IN (1, 3)
            THEN '1ZSW' || lpad(o.id::text, 10, '0') ELSE '' END,
       o.placed_at, o.ts[o.n_steps]
  FROM gen_order o
  JOIN gen_total t ON t.o = o.o
  JOIN accounts_address a ON a.user_id = %(user_base)s::bigint + o.user_no AND a.is_default
  JOIN gen_ship sh ON sh.code = o.ship_code
  LEFT JOIN gen_rate r ON r.country = a.country AND r.region = a.region
  LEFT JOIN gen_promo pr ON pr.i = o.promo_no
 CROSS JOIN LATERAL (
     SELECT CASE WHEN sh.free_over IS NOT NULL AND t.subtotal - t.discount >= sh.free_over THEN 0::numeric
                 ELSE sh.price END AS shipping,
            (ARRAY['visa', 'visa', 'visa', 'mastercard', 'mastercard', 'amex'])
                [1 + mod(abs(hashint8extended(a.user_id, %(seed)s + 1)), 6)::int] AS brand
 ) s
 CROSS JOIN LATERAL (SELECT round((t.subtotal - t.discount + s.shipping) * coalesce(r.rate, 0), 2) AS tax) x
"""
# Line, status-history and payment ids are computed from the order's number and the row's
# place in the order (line k, step, payment seq), each in a reserved block per order (unused
# ids are gaps), so they follow the orders' time order and depend on the seed and the scale
# only. Taken from the sequences in the inserts' output order, they followed the hash
# joins' batches (at full scale the newest 2.5 M payment ids held no decline, and the back
# office's "declined" filter walked all of them). The blocks cover the most an order has:
# 5 lines (SQL_STAGE_ORDERS' n_lines), 6 status steps (the longest gen_path), 3 payments.
LINES_PER_ORDER = 5
STEPS_PER_ORDER = 6
PAYMENTS_PER_ORDER = 3
SQL_ITEMS = f"""
INSERT INTO orders_order_item (id, order_id, variant_id, product_id, seller_id, product_name, variant_name, sku,
                               image_url, unit_price, quantity, line_total, discount, commission_rate)
SELECT %(item_base)s::bigint + (i.o - 1) * {LINES_PER_ORDER} + i.k,
       %(order_base)s::bigint + i.o, s.ids[i.vi], s.product_id, s.seller_id, s.product_name, s.names[i.vi],
       s.skus[i.vi], s.image_url, i.unit_price, i.qty, i.line_total,
       i.share + coalesce(t.remainder, 0), s.commission_rate
  FROM gen_item i
  JOIN gen_sellable s ON s.r = i.r
  LEFT JOIN (SELECT o, largest_k, remainder FROM gen_total WHERE remainder <> 0) t
         ON t.o = i.o AND t.largest_k = i.k
"""
SQL_HISTORY = f"""
INSERT INTO orders_order_status_history (id, order_id, from_status, to_status, db_role, app_user_id, changed_at)
SELECT %(history_base)s::bigint + (o.o - 1) * {STEPS_PER_ORDER} + st.step,
       o.id, CASE WHEN st.step = 1 THEN '' ELSE p.statuses[st.step - 1] END, p.statuses[st.step],
       'commerce_admin', NULL, o.ts[st.step]
  FROM gen_order o
  JOIN gen_path p ON p.kind = o.kind
 CROSS JOIN LATERAL generate_series(1, o.n_steps) AS st(step)
"""
# authorize + capture once paid; a declined authorize for payment_failed; a refund when a
# paid order was cancelled or refunded. Keys as the payment saga's: <number>:<kind>.
# Ids computed as for the lines (see LINES_PER_ORDER).
SQL_PAYMENTS = f"""
INSERT INTO orders_payment_transaction (id, order_id, kind, status, amount, currency, processor_reference,
                                        idempotency_key, error_code, created_at)
SELECT %(payment_base)s::bigint + (o.o - 1) * {PAYMENTS_PER_ORDER} + p.seq, oo.id, p.kind, p.status, oo.total, 'USD',
       left(p.kind, 2) || '_' || left(md5(%(seed)s || ':' || oo.number || ':' || p.kind), 20),
       oo.number || ':' || p.kind, p.error_code, p.at
  FROM gen_order o
  JOIN orders_order oo ON oo.id = o.id
 CROSS JOIN LATERAL (VALUES
     ('authorize', CASE WHEN o.kind = 4 THEN 'declined' ELSE 'succeeded' END,
      CASE WHEN o.kind = 4 THEN 'card_declined' ELSE '' END, o.ts[2] - interval '20 seconds', 1),
     ('capture', 'succeeded', '', o.ts[2], 2),
     ('refund', 'succeeded', '', o.ts[o.n_steps], 3)
 ) AS p(kind, status, error_code, at, seq)
 WHERE o.n_steps >= 2
   AND (p.seq = 1 OR (p.seq = 2 AND o.kind <> 4)
        OR (p.seq = 3 AND o.status IN ('cancelled', 'refunded')))
"""
SQL_REDEMPTIONS = """
INSERT INTO promotions_redemption (promotion_id, order_id, user_id, amount, created_at)
SELECT %(promo_base)s::bigint + o.promo_no, o.id, %(user_base)s::bigint + o.user_no, t.discount, o.placed_at
  FROM gen_order o JOIN gen_total t ON t.o = o.o
 WHERE o.promo_no IS NOT NULL AND t.discount > 0
"""
SQL_USAGES = """
INSERT INTO promotions_usage (promotion_id, user_id, uses)
SELECT promotion_id, user_id, count(*) FROM promotions_redemption GROUP BY promotion_id, user_id
"""
# uses_count = redemptions; every third promotion is capped (max_uses) above its uses.
SQL_PROMOTION_COUNTS = """
UPDATE promotions_promotion p
   SET uses_count = coalesce(r.n, 0),
       max_uses = CASE WHEN mod(p.id - %(promo_base)s, 3) = 0 THEN (ceil(coalesce(r.n, 0) / 100.0) * 100 + 100)::int END
  FROM gen_promo g
  LEFT JOIN (SELECT promotion_id, count(*) AS n FROM promotions_redemption GROUP BY promotion_id) r
         ON r.promotion_id = g.id
 WHERE p.id = g.id
"""
# What the staged lines drive in the catalog: units sold per product (paid..delivered
# lines), summed per product rank before the rank is looked up (full scale: 15.0 -> 7.4 s,
# the 24 M lines no longer joined), and the staged reviews (catalog.datagen's gen_review)
# whose author has a delivered line of the product: each review takes its product's rank
# first, and the lines, read once, probe them by buyer and rank (the reviews, 2 M, are
# the hashed side; a shared gen_review, in parallel workers: 28.7 -> 9.4 s).
SQL_STAGE_SOLD = """
CREATE TEMP TABLE gen_sold ON COMMIT DROP AS
SELECT g.product_id, s.n
  FROM (SELECT r, sum(qty)::int AS n FROM gen_item WHERE sold GROUP BY r) s
  JOIN gen_sellable g ON g.r = s.r
"""
SQL_STAGE_VERIFIED = """
CREATE TEMP TABLE gen_verified ON COMMIT DROP AS
SELECT DISTINCT rv.j
  FROM gen_item i
  JOIN (SELECT rv.j, rv.user_no, g.r FROM gen_review rv JOIN gen_sellable g ON g.product_id = rv.product_id) rv
    ON rv.user_no = i.user_no AND rv.r = i.r
 WHERE i.delivered
"""
SQL_UNITS_SOLD = """
UPDATE catalog_product p SET units_sold = s.n
  FROM gen_sold s
 WHERE p.id = s.product_id AND p.units_sold IS DISTINCT FROM s.n
"""
SQL_VERIFIED = """
UPDATE catalog_review r SET is_verified_purchase = true
  FROM gen_review g JOIN gen_verified v ON v.j = g.j
 WHERE r.user_id = %(user_base)s::bigint + g.user_no AND r.product_id = g.product_id AND NOT r.is_verified_purchase
"""
SQL_DROP_STAGING = """
DROP TABLE IF EXISTS pg_temp.gen_ship, pg_temp.gen_rate, pg_temp.gen_path, pg_temp.gen_promo, pg_temp.gen_day,
    pg_temp.gen_order, pg_temp.gen_sellable, pg_temp.gen_item, pg_temp.gen_total, pg_temp.gen_sold,
    pg_temp.gen_verified
"""


# maintenance_work_mem of each stream's index builds (_load_session), two streams at once.
# At full scale (trace_sort) the lines' 25 M keys sort in 1.8 GB, the orders' in less:
# in RAM with 2 GB, on disk with 1 GB, beside the other stream's writes
# (full loads: the lines' variant index 53 -> 24 s, the orders' history index 29 -> 12 s,
# the streams' index builds 135 / 224 -> 86 / 162 s). The status history's 49 M keys
# (3.5 GB) still go to disk: they arrive in key order, and with 4 GB their builds took as
# long while the 3.5 GB pushed the catalog's pages out of the OS cache (the VACUUMs after
# the inserts read them back from disk, 3-9x slower).
STREAM_SORT_MEMORY = "2GB"

STREAM_INSERTS = {
    "orders_order": SQL_ORDERS,
    "promotions_redemption": SQL_REDEMPTIONS,
    "promotions_usage": SQL_USAGES,
    "orders_order_item": SQL_ITEMS,
    "orders_order_status_history": SQL_HISTORY,
    "orders_payment_transaction": SQL_PAYMENTS,
}
STREAM_COUNTS = {
    "orders_order": "orders",
    "promotions_redemption": "redemptions",
    "promotions_usage": "promotion_usages",
    "orders_order_item": "order_items",
    "orders_order_status_history": "status_history",
    "orders_payment_transaction": "payments",
}


class _Rebuild:
    """The foreign keys, primary keys and unique constraints no foreign key refers to, and
    the secondary indexes of REBUILT_TABLES, captured from the catalogs so they can be
    dropped and re-created as they were."""

    def __init__(self, cursor: Any, tables: tuple[str, ...] = REBUILT_TABLES) -> None:
        self.tables = tables
        cursor.execute(SQL_REBUILT_CONSTRAINTS, {"tables": list(tables)})
        self.constraints: list[tuple[str, str, str, str, bool]] = list(cursor.fetchall())
        cursor.execute(SQL_REBUILT_INDEXES, {"tables": list(tables)})
        self.indexes: list[tuple[str, str, str]] = list(cursor.fetchall())

    def drop(self, cursor: Any) -> None:
        # In any order: no foreign key refers to a captured primary key or unique constraint.
        for table, name, _kind, _definition, _valid in self.constraints:
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
        for index, _definition, _table in self.indexes:
            cursor.execute(f"DROP INDEX {index}")

    def restore(self, cursor: Any, *, missing: bool = False) -> None:
        """Every index and key, each key validated; with `missing`, only those that do not
        exist (after a failed load: on empty tables, where each validation is at once)."""
        self.restore_indexes(cursor, missing=missing)
        self.add_keys(cursor, missing=missing)
        for table, name in self.keys_to_validate():
            cursor.execute(f"ALTER TABLE {table} VALIDATE CONSTRAINT {name}")

    def restore_indexes(self, cursor: Any, tables: tuple[str, ...] | None = None, *, missing: bool = False) -> None:
        """The indexes, primary keys and unique constraints of `tables` (schema-qualified;
        None: all); with `missing`, only those that do not exist (after a failed parallel
        load)."""
        existing = _existing(cursor, self.tables) if missing else set()
        # Identifiers and definitions come from the catalogs (quoted by the server).
        for index, definition, table in self.indexes:
            if (tables is None or table in tables) and index not in existing:
                cursor.execute(definition)
        for table, name, kind, definition, _valid in self.constraints:
            if kind in {"p", "u"} and (tables is None or table in tables) and f"{table}:{name}" not in existing:
                cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}")

    def add_keys(self, cursor: Any, *, missing: bool = False) -> None:
        """Every foreign key NOT VALID (checked for rows written from now on, not yet for
        the rows there): keys_to_validate() lists those to validate."""
        existing = _existing(cursor, self.tables) if missing else set()
        for table, name, kind, definition, valid in self.constraints:
            if kind == "f" and f"{table}:{name}" not in existing:
                # A key that was NOT VALID before has it in its definition already.
                suffix = " NOT VALID" if valid else ""
                cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}{suffix}")

    def keys_to_validate(self) -> list[tuple[str, str]]:
        return [(table, name) for table, name, kind, _definition, valid in self.constraints if kind == "f" and valid]


def _existing(cursor: Any, tables: tuple[str, ...]) -> set[str]:
    """Index names and table:constraint names of `tables`, as _Rebuild spells them."""
    cursor.execute(SQL_REBUILT_CONSTRAINTS, {"tables": list(tables)})
    names = {f"{table}:{name}" for table, name, *_rest in cursor.fetchall()}
    cursor.execute(SQL_REBUILT_INDEXES, {"tables": list(tables)})
    return names | {index for index, *_rest in cursor.fetchall()}


def stage_orders(
    runner: _Runner, spec: Scale, *, user_base: int, variant_base: int, counts: dict[str, int]
) -> dict[str, Any]:
    """Insert shipping methods, tax rates and promotions; stage the orders and their lines.

    Runs in the generator's transaction after catalog.datagen has staged the catalog (it
    reads gen_reviewable, gen_product, gen_variant with their reserved ids, and
    gen_review) and before the catalog is inserted, which takes units sold and verified
    purchases from gen_sold and gen_verified. Disables the user triggers of ORDER_TABLES
    until insert_orders; on an error the transaction's rollback restores them. Returns
    insert_orders' parameters ({"n": 0} when the scale has no orders).
    """
    from catalog.datagen import _reserve_ids

    cursor = runner.cursor
    cursor.execute(SQL_DROP_STAGING)
    n = spec.orders
    if n < 1:
        cursor.execute("CREATE TEMP TABLE gen_sold (product_id bigint, n int) ON COMMIT DROP")
        cursor.execute("CREATE TEMP TABLE gen_verified (j bigint) ON COMMIT DROP")
        return {"n": 0}
    for table in ORDER_TABLES:
        cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
    cursor.execute("SET LOCAL work_mem = '1GB'")

    shipping = [
        {
            "code": code,
            "name": name,
            "price": str(price),
            "free_over": None if free_over is None else str(free_over),
            "min_days": min_days,
            "max_days": max_days,
            "position": position,
        }
        for code, name, price, free_over, min_days, max_days, position in SHIPPING
    ]
    tax = [{"country": c, "region": r, "name": name, "rate": rate} for c, r, name, rate in TAX_RATES]
    counts["shipping_methods"] = runner.step("orders_shipping_method", SQL_SHIPPING, {"shipping": json.dumps(shipping)})
    counts["tax_rates"] = runner.step("orders_tax_rate", SQL_TAX, {"tax": json.dumps(tax), "tax_from": TAX_VALID_FROM})
    for sql in SQL_STAGE_REFERENCE:
        runner.run(sql)

    step = DAYS / spec.promotions
    promo_base = _reserve_ids(runner, "promotions_promotion", spec.promotions)
    order_base = _reserve_ids(runner, "orders_order", n)
    # Line, status-history and payment ids are computed (see LINES_PER_ORDER).
    item_base = _reserve_ids(runner, "orders_order_item", LINES_PER_ORDER * n)
    history_base = _reserve_ids(runner, "orders_order_status_history", STEPS_PER_ORDER * n)
    payment_base = _reserve_ids(runner, "orders_payment_transaction", PAYMENTS_PER_ORDER * n)
    number_base = int(runner.scalar("SELECT nextval('orders_order_number_seq') - 1"))
    runner.scalar("SELECT setval('orders_order_number_seq', %s)", [number_base + n])
    params = {
        "n": n,
        "days": DAYS,
        "recent_days": RECENT_DAYS,
        "recent": max(RECENT_MIN_ORDERS, round(n * 0.0095)),
        "step": step,
        "promotions": spec.promotions,
        "promo_base": promo_base,
        "order_base": order_base,
        "item_base": item_base,
        "history_base": history_base,
        "payment_base": payment_base,
        "number_base": number_base,
        "user_base": user_base,
        "variant_base": variant_base,
        "customers": spec.customers,
        "heavy_every": HEAVY_EVERY,
        "heavy_share": HEAVY_SHARE,
        "promo_share": PROMOTION_SHARE,
        "zipf": spec.zipf,
        "w0": runner.scalar(
            "SELECT %(end)s::timestamptz - interval '1 day' * %(days)s", {**runner.params, "days": DAYS}
        ),
    }
    runner.step("promotions (staged)", SQL_STAGE_PROMOTIONS, params)
    counts["promotions"] = runner.step("promotions_promotion", SQL_PROMOTIONS, params)
    runner.step("order days (staged)", SQL_STAGE_DAYS, params)
    # The orders are generated from their days: a shared (UNLOGGED) gen_day's pages are
    # handed out to parallel workers, which the planner would not consider for so small a
    # table (min_parallel_table_scan_size) without this (medium scale: 9.1 -> 5.2 s). A
    # temporary table is never read in parallel: then it changes nothing.
    runner.run("ALTER TABLE gen_day SET (parallel_workers = 2)")
    # Hash joins for these staging statements: every join here has a side that fits in
    # memory (ship methods, paths, promotions; the sellable products). With no statistics
    # on the staged tables the planner sorted both sides to merge-join them instead (full
    # scale: the 10 M generated orders, and the 25 M lines by product to join the
    # sellable products, each worker its share; a parallel hash join shares one hash).
    # Analyzing the small tables instead changed the plans of the order inserts that join
    # them too, for the worse (a nested loop per order into the addresses: orders_order
    # 119 -> 175 s).
    runner.run("SET LOCAL enable_mergejoin = off")
    runner.step("orders (staged)", SQL_STAGE_ORDERS, params)
    runner.step("per-customer promotion limits", SQL_PROMO_LIMITS, params)
    params["sellable"] = runner.step("sellable products (staged)", SQL_STAGE_SELLABLE, params)
    runner.step("order lines (staged)", SQL_STAGE_ITEMS, params)
    runner.step("order totals (staged)", SQL_STAGE_TOTALS, params)
    runner.step("units sold per product (staged)", SQL_STAGE_SOLD, params)
    runner.step("verified purchases (staged)", SQL_STAGE_VERIFIED, params)
    runner.run("RESET enable_mergejoin")
    return params


def insert_orders(runner: _Runner, params: dict[str, Any], *, counts: dict[str, int], bulk: bool = False) -> None:
    """Insert the orders staged by stage_orders, after the catalog; re-enable the triggers.

    In bulk mode the constraints and indexes of REBUILT_TABLES are dropped for the
    inserts and re-created at the end; with triggers on, units sold and verified
    purchases are set here (the catalog's insert left them to the triggers, which had
    no orders to look at). On an error the transaction's rollback restores everything.
    """
    cursor = runner.cursor
    log = runner.log
    if params["n"] < 1:
        return
    rebuild = drop_order_keys(runner) if bulk else None
    counts.update(_insert_tables(runner, tuple(STREAM_INSERTS), params))
    runner.step("promotion uses_count", SQL_PROMOTION_COUNTS, params)
    if not bulk:
        _run_queued_checks(cursor)
        for table in DERIVED_CATALOG_TABLES:
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        runner.step("product.units_sold", SQL_UNITS_SOLD, params)
        runner.step("review.is_verified_purchase", SQL_VERIFIED, params)
        _run_queued_checks(cursor)
        for table in DERIVED_CATALOG_TABLES:
            cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")

    t0 = time.monotonic()
    cursor.execute(SQL_DROP_STAGING)
    _run_queued_checks(cursor)
    if rebuild is not None:
        log.step("queued foreign keys checked", None, time.monotonic() - t0)
        t0 = time.monotonic()
        # Sorted index builds: memory for one sort in RAM, the leader and one worker (2 cores).
        cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
        cursor.execute("SET LOCAL max_parallel_maintenance_workers = 1")
        rebuild.restore(cursor)
        log.step("order indexes rebuilt, keys validated", None, time.monotonic() - t0)
        t0 = time.monotonic()
    for table in ORDER_TABLES:
        cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
    log.step("foreign keys checked, triggers on", None, time.monotonic() - t0)


def drop_order_keys(runner: _Runner) -> _Rebuild:
    """Drop the keys and indexes of REBUILT_TABLES before their inserts; the returned
    _Rebuild re-creates them (insert_orders, insert_orders_in_parallel or
    recover_parallel_insert)."""
    t0 = time.monotonic()
    rebuild = _Rebuild(runner.cursor)
    rebuild.drop(runner.cursor)
    runner.log.step("order indexes and keys dropped", None, time.monotonic() - t0)
    return rebuild


def insert_orders_in_parallel(
    base: dict[str, Any], params: dict[str, Any], rebuild: _Rebuild, *, counts: dict[str, int], log: Any, jobs: int
) -> None:
    """Insert the staged orders over `jobs` connections, after the load's first transaction
    committed the catalog, the staged orders (SHARED_STAGING, in STAGING_SCHEMA) and the
    drop of REBUILT_TABLES' keys and indexes, with the order tables' triggers disabled.

    Each of STREAMS is one transaction on its own connection: it truncates its tables
    (new files: no WAL at wal_level=minimal), inserts them and builds their indexes. Then
    one transaction on this connection counts the promotions' uses, adds every foreign key
    NOT VALID, turns the triggers back on and drops the staging schema. The caller
    validates the keys (key_validations, validate_keys). On an error,
    recover_parallel_insert() puts the schema back and the error is raised.
    """
    from catalog.datagen import _in_own_connection

    try:
        with ThreadPoolExecutor(max_workers=max(1, min(jobs, len(STREAMS))), thread_name_prefix="orders") as pool:
            futures = [
                pool.submit(_in_own_connection, _insert_stream, tables, base, params, rebuild, log)
                for tables in STREAMS
            ]
            for future in futures:
                counts.update(future.result())
        with transaction.atomic(), connection.cursor() as cursor:
            runner = _load_session(cursor, log, base)
            runner.step("promotion uses_count", SQL_PROMOTION_COUNTS, params)
            t0 = time.monotonic()
            rebuild.add_keys(cursor)
            for table in ORDER_TABLES:
                cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
            cursor.execute(f"DROP SCHEMA {STAGING_SCHEMA} CASCADE")
            log.step("keys added (not valid), triggers on", None, time.monotonic() - t0)
    except BaseException:
        recover_parallel_insert(rebuild)
        raise


def key_validations(rebuild: _Rebuild) -> list[tuple[str, list[str], list[str]]]:
    """The keys insert_orders_in_parallel added NOT VALID, per table, the biggest table
    first, with the tables they refer to: for validate_keys(), one table per connection
    at a time (VALIDATE takes a SHARE UPDATE EXCLUSIVE lock on its table, a ROW SHARE
    lock on the referenced one). Tables by their names in the public schema."""
    groups: dict[str, list[str]] = {}
    for table, name in rebuild.keys_to_validate():
        groups.setdefault(table.removeprefix("public."), []).append(name)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT t, pg_total_relation_size(t::regclass),"
            "       array(SELECT DISTINCT c.confrelid::regclass::text FROM pg_constraint c"
            "              WHERE c.conrelid = t::regclass AND c.contype = 'f' AND quote_ident(c.conname) = ANY(%s)"
            "              ORDER BY 1)"
            "  FROM unnest(%s::text[]) AS t",
            [[name for names in groups.values() for name in names], list(groups)],
        )
        rows = {table: (size, referenced) for table, size, referenced in cursor.fetchall()}
    return [
        (table, names, rows[table][1]) for table, names in sorted(groups.items(), key=lambda item: -rows[item[0]][0])
    ]


def recover_parallel_insert(rebuild: _Rebuild) -> None:
    """After a failed parallel insert: empty the order tables again (a stream that
    committed leaves rows the others lack), re-create what is missing of their indexes
    and keys, turn their triggers on, drop the staging schema. The catalog and customers
    of the first transaction stay: the caller says to start again in a fresh database."""
    connection.close()  # it may be in a failed transaction
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("TRUNCATE " + ", ".join(REBUILT_TABLES))
        rebuild.restore(cursor, missing=True)
        for table in ORDER_TABLES:
            cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
        cursor.execute(f"DROP SCHEMA IF EXISTS {STAGING_SCHEMA} CASCADE")


def _load_session(cursor: Any, log: Any, base: dict[str, Any]) -> _Runner:
    """A load transaction's settings on this connection (as catalog.datagen.generate's),
    with the staging schema on the search path; a runner for its statements."""
    from catalog.datagen import _Runner

    cursor.execute("SET LOCAL synchronous_commit = off")
    cursor.execute("SET LOCAL jit = off")
    cursor.execute("SET LOCAL work_mem = '1GB'")
    # One build per index (the other core is busy with the other stream), see STREAM_SORT_MEMORY.
    cursor.execute(f"SET LOCAL maintenance_work_mem = '{STREAM_SORT_MEMORY}'")
    cursor.execute("SET LOCAL max_parallel_maintenance_workers = 0")
    use_staging_schema(cursor)
    return _Runner(cursor, log, base)


def use_staging_schema(cursor: Any) -> None:
    """Put STAGING_SCHEMA last on this transaction's search path, where the load's
    statements find the shared staging tables by their names."""
    cursor.execute(
        "SELECT set_config('search_path', current_setting('search_path') || ', ' || %s, true)", [STAGING_SCHEMA]
    )


def _insert_stream(
    cursor: Any, tables: tuple[str, ...], base: dict[str, Any], params: dict[str, Any], rebuild: _Rebuild, log: Any
) -> dict[str, int]:
    """One of STREAMS, in one transaction on a worker thread's own connection."""
    runner = _load_session(cursor, log, base)
    # Empty since the first transaction (which dropped the keys that refer to them);
    # truncated here so that their rows and index builds go to new files: no WAL.
    cursor.execute("TRUNCATE " + ", ".join(tables))
    counts = _insert_tables(runner, tables, params)
    t0 = time.monotonic()
    rebuild.restore_indexes(cursor, tuple(f"public.{t}" for t in tables))
    log.step(f"indexes of {', '.join(tables)}", None, time.monotonic() - t0)
    return counts


def _insert_tables(runner: _Runner, tables: tuple[str, ...], params: dict[str, Any]) -> dict[str, int]:
    """Insert the staged rows of these big order tables (STREAM_INSERTS), in this order."""
    counts = {}
    for table in tables:
        if table == "orders_order_item":
            # Hash joins: with no statistics on the staged tables the planner sorted the
            # 25 M lines by product to merge-join the sellable products, a sort on disk at
            # full scale (213 s); hashed, the products fit in memory and the lines go in
            # in their orders' order, as a shop writes them (and as an order's page reads them).
            runner.run("SET LOCAL enable_mergejoin = off")
        counts[STREAM_COUNTS[table]] = runner.step(table, STREAM_INSERTS[table], params)
        runner.run("RESET enable_mergejoin")
    return counts


def validate_keys(cursor: Any, table: str, names: list[str], log: Any) -> dict[str, int]:
    """One table's keys from key_validations(), each a set-based check of its rows."""
    t0 = time.monotonic()
    for name in names:  # names from the catalogs, quoted by the server
        cursor.execute(f"ALTER TABLE {table} VALIDATE CONSTRAINT {name}")
    log.step(f"{len(names)} keys of {table} validated", None, time.monotonic() - t0)
    return {}


def _run_queued_checks(cursor: Any) -> None:
    """Run the queued deferred checks (foreign keys) now: ALTER TABLE refuses a table
    with pending trigger events. Every deferrable constraint here is INITIALLY DEFERRED."""
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    cursor.execute("SET CONSTRAINTS ALL DEFERRED")

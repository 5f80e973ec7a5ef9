"""SQL owned by the benchmark: facts about the loaded data set and the draw pools.
Constants only; every value is a bound parameter. The patterns themselves run through
the application's selectors and services."""

from __future__ import annotations

# --- Facts about the loaded data set (run as the owner, before any draw) ------------------

ROW_COUNT_TABLES = [
    ("categories", "catalog_category"),
    ("sellers", "accounts_seller"),
    ("users", "accounts_user"),
    ("addresses", "accounts_address"),
    ("products", "catalog_product"),
    ("variants", "catalog_variant"),
    ("reviews", "catalog_review"),
    ("wishlist items", "catalog_wishlist_item"),
    ("carts", "orders_cart"),
    ("orders", "orders_order"),
    ("order items", "orders_order_item"),
    ("promotions", "promotions_promotion"),
]

# Table names above are constants; the statement is built from them only.
COUNT_SQL = "SELECT count(*) FROM {table}"

PRODUCT_NAMES_SQL = """
SELECT name FROM catalog_product
 WHERE is_listed AND price IS NOT NULL AND id %% %s = 0
 ORDER BY id LIMIT %s
"""

PRODUCT_SLUGS_SQL = """
SELECT slug FROM catalog_product
 WHERE is_listed AND price IS NOT NULL AND id %% %s = 0
 ORDER BY id LIMIT %s
"""

POPULAR_SLUGS_SQL = """
SELECT slug FROM catalog_product
 WHERE is_listed AND price IS NOT NULL
 ORDER BY rating_count DESC, id LIMIT %s
"""

PRICE_QUANTILES_SQL = """
SELECT percentile_cont(ARRAY[0.1, 0.5, 0.9]) WITHIN GROUP (ORDER BY price)
  FROM catalog_product WHERE is_listed AND price IS NOT NULL
"""

# Categories with the number of listed products in their whole subtree.
CATEGORY_SIZES_SQL = """
SELECT a.id, count(DISTINCT pc.product_id) AS products
  FROM catalog_category a
  JOIN catalog_category c ON c.path LIKE a.path || '%%'
  JOIN catalog_product_category pc ON pc.category_id = c.id
 GROUP BY a.id
 ORDER BY products DESC, a.id
"""

# Shoppers: customers with a default address, heaviest first (orders, then reviews).
SHOPPERS_SQL = """
SELECT u.id, a.id AS address_id,
       (SELECT count(*) FROM orders_order o WHERE o.user_id = u.id) AS orders,
       (SELECT count(*) FROM catalog_review r WHERE r.user_id = u.id) AS reviews
  FROM accounts_user u
  JOIN accounts_address a ON a.user_id = u.id AND a.is_default
 WHERE u.is_active AND NOT u.is_staff
   AND NOT EXISTS (SELECT 1 FROM accounts_seller_member m WHERE m.user_id = u.id)
   AND NOT EXISTS (SELECT 1 FROM orders_cart c WHERE c.user_id = u.id)
   AND u.id %% %s = 0
 ORDER BY u.id
 LIMIT %s
"""

HEAVY_ORDER_USERS_SQL = """
SELECT user_id FROM orders_order GROUP BY user_id ORDER BY count(*) DESC, user_id LIMIT %s
"""

SELLERS_SQL = """
SELECT s.id, (SELECT count(*) FROM catalog_product p WHERE p.seller_id = s.id) AS products,
       (SELECT m.user_id FROM accounts_seller_member m WHERE m.seller_id = s.id ORDER BY m.id LIMIT 1) AS owner
  FROM accounts_seller s
 ORDER BY products DESC, s.id
"""

VARIANTS_FOR_CARTS_SQL = """
SELECT v.id FROM catalog_variant v JOIN catalog_product p ON p.id = v.product_id
 WHERE v.is_active AND v.stock >= 10 AND p.is_listed AND v.id %% %s = 0
 ORDER BY v.id LIMIT %s
"""

ACTIVE_PROMOTIONS_SQL = """
SELECT code FROM promotions_promotion
 WHERE is_active AND starts_at <= now() AND ends_at > now()
   AND (max_uses IS NULL OR uses_count < max_uses)
 ORDER BY id LIMIT 20
"""

LAST_ORDER_SQL = "SELECT max(placed_at) FROM orders_order"

# Search words that full-text search keeps (English stop words such as "the" are dropped:
# a query of stop words only matches nothing and goes to typo correction).
SEARCHABLE_WORDS_SQL = """
SELECT w FROM unnest(%s::text[]) AS w WHERE numnode(plainto_tsquery('english', w)) > 0
"""

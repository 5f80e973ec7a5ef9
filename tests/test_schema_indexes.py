"""No index the shop pays for on every write without any read needing it (migrations
accounts 0011, catalog 0019, orders 0008, promotions 0003)."""

from __future__ import annotations

import pytest

from tests.conftest import sql

pytestmark = pytest.mark.django_db

# Tables Django creates for its own apps and for many-to-many fields: left as Django makes them.
FRAMEWORK_TABLES = {
    "auth_permission",
    "auth_group_permissions",
    "accounts_user_groups",
    "accounts_user_user_permissions",
    "promotions_promotion_category",
    "promotions_promotion_product",
}
# `_like` (varchar_pattern_ops) indexes that `unique=True` still adds on small reference
# tables; the big tables' ones are gone.
SMALL_TABLE_LIKE_INDEXES = {
    "auth_group",
    "django_session",
    "accounts_seller",
    "catalog_category",
    "orders_shipping_method",
}
UNIQUE_KEPT = [
    "accounts_user_email_key",
    "catalog_product_slug_key",
    "catalog_variant_sku_key",
    "orders_order_number_key",
    "orders_payment_transaction_idempotency_key_key",
]


def test_no_index_is_a_leading_copy_of_another():
    """A non-unique B-tree index whose columns (and operator classes) begin another index
    serves no query the longer one cannot: e.g. a foreign key's own index beside a
    composite index that starts with the key."""
    redundant = sql(
        """
        WITH ix AS (
            SELECT i.indexrelid, i.indrelid, i.indkey::text AS keys, i.indclass::text AS classes,
                   i.indisunique AS is_unique, i.indpred IS NULL AS is_total, i.indexprs IS NULL AS plain,
                   c.relam
              FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
             WHERE c.relnamespace = 'public'::regnamespace
        )
        SELECT a.indrelid::regclass::text, a.indexrelid::regclass::text, b.indexrelid::regclass::text
          FROM ix a
          JOIN ix b ON b.indrelid = a.indrelid AND b.indexrelid <> a.indexrelid AND b.relam = a.relam
         WHERE a.relam = (SELECT oid FROM pg_am WHERE amname = 'btree')
           AND NOT a.is_unique AND a.is_total AND b.is_total AND a.plain AND b.plain
           AND (b.keys = a.keys OR b.keys LIKE a.keys || ' %%')
           AND (b.classes = a.classes OR b.classes LIKE a.classes || ' %%')
         ORDER BY 1, 2
        """
    )
    assert [row for row in redundant if row[0] not in FRAMEWORK_TABLES] == []


def test_no_pattern_index_on_the_big_tables():
    like = sql(
        """
        SELECT c.relname, t.relname
          FROM pg_index i
          JOIN pg_class c ON c.oid = i.indexrelid
          JOIN pg_class t ON t.oid = i.indrelid
          JOIN pg_opclass o ON o.oid = ANY(i.indclass::oid[])
         WHERE c.relnamespace = 'public'::regnamespace AND o.opcname = 'varchar_pattern_ops'
        """
    )
    assert {table for _index, table in like} <= SMALL_TABLE_LIKE_INDEXES
    # The unique constraints themselves are still there.
    kept = sql("SELECT conname FROM pg_constraint WHERE contype = 'u' AND conname = ANY(%s)", [UNIQUE_KEPT])
    assert sorted(name for (name,) in kept) == sorted(UNIQUE_KEPT)

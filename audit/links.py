"""What the audit log covers, and links into the audit browser.

The audited tables are those with a trigger calling audit_record_change() (see the
migrations named in each entry). The list is a constant on purpose: the admin's table
filter must not run SELECT DISTINCT over the whole partitioned log. A test checks it
against the triggers that exist in the database.

Other admins link to the history of one of their rows with audit_history_url():

    from audit.links import audit_history_url
    audit_history_url("orders_order", order.number)
    # -> /admin/audit/auditlog/?row_key=SW-...&table_name=orders_order
"""

from __future__ import annotations

import datetime
from urllib.parse import urlencode

from django.urls import reverse

# table name -> (human label, what row_key holds)
AUDITED_TABLES: dict[str, tuple[str, str]] = {
    # accounts/migrations/0005_audit_triggers.py
    "accounts_user": ("User", "id"),
    "accounts_user_groups": ("User group membership", "id"),
    "accounts_user_user_permissions": ("User permission", "id"),
    "accounts_address": ("Address", "id"),
    "accounts_payment_method": ("Payment method", "id"),
    # catalog/migrations/0003_catalog_access.py
    "accounts_seller": ("Seller", "id"),
    "accounts_seller_member": ("Seller member", "id"),
    "catalog_product": ("Product", "id"),
    "catalog_variant": ("Product variant", "id"),
    # orders/migrations/0004_orders_access.py
    "orders_order": ("Order", "number"),
    "orders_payment_transaction": ("Payment transaction", "id"),
    "orders_shipping_method": ("Shipping method", "code"),
    "orders_tax_rate": ("Tax rate", "id"),
    # orders/migrations/0007_seller_scope.py
    "orders_seller_payout": ("Seller payout", "id"),
    # promotions/migrations/0002_redemption_limits.py
    "promotions_promotion": ("Promotion", "id"),
    "promotions_redemption": ("Promotion redemption", "id"),
}

# Query string parameters of the audit browser (the changelist).
TABLE_PARAM = "table_name"
ROW_KEY_PARAM = "row_key"
TXID_PARAM = "txid"
TX_TIME_PARAM = "tx_time"
APP_USER_PARAM = "app_user_id"
DATE_FROM_PARAM = "occurred_from"
DATE_TO_PARAM = "occurred_to"


def table_label(table_name: str) -> str:
    """The human label of an audited table (the raw name for anything unknown)."""
    entry = AUDITED_TABLES.get(table_name)
    return entry[0] if entry else table_name


def audit_log_url(**params: str) -> str:
    """The audit browser (changelist) with these filters."""
    url = reverse("admin:audit_auditlog_changelist")
    query = urlencode(sorted((k, v) for k, v in params.items() if v not in (None, "")))
    return f"{url}?{query}" if query else url


def audit_history_url(table_name: str, row_key: str) -> str:
    """The audit history of one row: every change to `table_name` whose key is `row_key`
    (the id for most tables, the order number for orders_order, the code for
    orders_shipping_method), newest first."""
    return audit_log_url(**{TABLE_PARAM: table_name, ROW_KEY_PARAM: str(row_key)})


def audit_transaction_url(txid: int, occurred_at: datetime.datetime | None = None) -> str:
    """Every change made by one database transaction. All its entries share the
    transaction's start time (occurred_at defaults to now()), so passing it lets the
    query use the time index and prune partitions instead of scanning the whole log."""
    params = {TXID_PARAM: str(txid)}
    if occurred_at is not None:
        params[TX_TIME_PARAM] = occurred_at.isoformat()
    return audit_log_url(**params)

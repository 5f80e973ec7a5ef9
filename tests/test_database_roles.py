"""The role set-up itself, asserted in SQL (../shared/DATABASE-SECURITY.md items 1, 2, 6, 9)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import DatabaseError, transaction

from tests.conftest import sql

pytestmark = pytest.mark.django_db

WEB_LOGIN = settings.SHOPWAVE_WEB_DB_USER
REQUEST_ROLES = ["commerce_customer", "commerce_manager", "commerce_readonly", "commerce_seller"]
# Tables request roles may only read because they hold no one's private data.
PUBLIC_METADATA = {
    "catalog_category_listing",  # listed products' public sort keys per category (catalog 0013)
    "catalog_category_search",  # listed products' public words per category (catalog 0021)
    "catalog_search_term",  # frequent words' best listed matches: ids and ranks (catalog 0016)
    "catalog_search_term_order",  # frequent words' first listed matches by price, date, rating (catalog 0022)
    "catalog_search_term_facet",  # frequent words' match counts per category and price band (catalog 0023)
    "catalog_search_facet_band",  # the price bands of those counts (catalog 0023)
    "catalog_search_term_category",  # frequent words' match counts per category (catalog 0025)
    "catalog_search_word",  # words of listed products' names, for typo correction (catalog 0018)
    "django_content_type",
    "auth_permission",
    "auth_group",
    "auth_group_permissions",
    "orders_shipping_method",
    "orders_tax_rate",
}


@pytest.mark.parametrize("role", [WEB_LOGIN, *REQUEST_ROLES])
def test_request_roles_cannot_bypass_rls(role):  # type: ignore[no-untyped-def]
    [(superuser, bypass, owned, owner_member)] = sql(
        """
        SELECT r.rolsuper, r.rolbypassrls,
               (SELECT count(*) FROM pg_class c WHERE c.relowner = r.oid),
               pg_has_role(r.oid, 'commerce_admin', 'MEMBER')
          FROM pg_roles r WHERE r.rolname = %s
        """,
        [role],
    )
    assert (superuser, bypass, owned, owner_member) == (False, False, 0, False)


def test_web_login_holds_no_privileges_of_its_own():  # type: ignore[no-untyped-def]
    [(inherit,)] = sql("SELECT rolinherit FROM pg_roles WHERE rolname = %s", [WEB_LOGIN])
    assert inherit is False, "NOINHERIT: membership lets it SET ROLE, never use a role's rights implicitly"
    grants = sql(
        "SELECT table_name, privilege_type FROM information_schema.role_table_grants WHERE grantee = %s",
        [WEB_LOGIN],
    )
    assert grants == []
    for role in REQUEST_ROLES:
        [(member,)] = sql("SELECT pg_has_role(%s, %s, 'MEMBER')", [WEB_LOGIN, role])
        assert member, role


def test_every_table_a_request_role_can_touch_has_forced_rls():  # type: ignore[no-untyped-def]
    rows = sql(
        """
        SELECT DISTINCT c.relname, c.relrowsecurity, c.relforcerowsecurity
          FROM pg_class c
          JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
         WHERE c.relkind IN ('r', 'p')
           AND EXISTS (SELECT 1 FROM unnest(%s::text[]) AS role(name)
                        WHERE has_table_privilege(role.name, c.oid, 'SELECT,INSERT,UPDATE,DELETE'))
        """,
        [["commerce_customer", "commerce_seller"]],
    )
    assert rows, "the storefront roles should be able to reach some tables"
    unprotected = [name for name, rls, forced in rows if not (rls and forced) and name not in PUBLIC_METADATA]
    assert unprotected == []
    writable_metadata = sql(
        "SELECT relname FROM pg_class WHERE relname = ANY(%s)"
        " AND has_table_privilege('commerce_customer', oid, 'INSERT,UPDATE,DELETE')",
        [sorted(PUBLIC_METADATA)],
    )
    assert writable_metadata == [], "public reference data must be read-only for shoppers"


# Views that run with their owner's rights on purpose, each reviewed: they state the
# customer policy in their WHERE and expose public columns only (tests/catalog/test_public_views.py).
REVIEWED_DEFINER_VIEWS = {("catalog_listed_product", "v"), ("catalog_listed_product_category", "v")}


def test_no_definer_view_or_matview_is_granted_to_request_roles():  # type: ignore[no-untyped-def]
    rows = sql(
        """
        SELECT c.relname, c.relkind
          FROM pg_class c
          JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
         WHERE c.relkind IN ('v', 'm')
           AND has_table_privilege('commerce_customer', c.oid, 'SELECT')
           AND (c.relkind = 'm' OR NOT coalesce(c.reloptions @> ARRAY['security_invoker=true'], false))
        """
    )
    assert set(rows) - REVIEWED_DEFINER_VIEWS == set()


def test_security_definer_functions_pin_search_path_and_are_not_public():  # type: ignore[no-untyped-def]
    rows = sql(
        """
        SELECT p.proname, p.proconfig, has_function_privilege('public', p.oid, 'EXECUTE') AS public_exec,
               pg_get_userbyid(p.proowner)
          FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace AND n.nspname = 'public'
         WHERE p.prosecdef
        """
    )
    assert rows, "expected SECURITY DEFINER functions (audit, throttling)"
    for name, config, _public_exec, owner in rows:
        assert any(c.startswith("search_path=") for c in (config or [])), name
        assert owner == "commerce_definer", name
    callable_by_public = [name for name, _c, public_exec, _o in rows if public_exec]
    assert callable_by_public == []


def test_stacked_statements_are_refused():  # type: ignore[no-untyped-def]
    # Server-side binding sends every statement that carries input through the extended
    # protocol: one statement per execute, parameters never spliced into the SQL text.
    # (A statement with no parameters at all is a constant in our code, not input.)
    with pytest.raises(DatabaseError, match="multiple commands"), transaction.atomic():
        sql("SELECT %s; DELETE FROM accounts_address", [1])
    with pytest.raises(DatabaseError, match="multiple commands"), transaction.atomic():
        sql("SELECT %s::text; SELECT set_config('role', 'commerce_manager', false)", ["x'; --"])


def test_set_user_context_refuses_roles_outside_the_request_roles():  # type: ignore[no-untyped-def]
    for role in ["commerce_admin", "postgres", "commerce_definer"]:
        with pytest.raises(DatabaseError, match="not a request role"), transaction.atomic():
            sql("SELECT set_user_context(%s, NULL, NULL)", [role])

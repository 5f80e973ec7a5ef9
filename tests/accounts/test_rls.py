"""Row-level security on shoppers' data, proven with hand-written SQL in the request roles."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, transaction

from shopwave.dbcontext import CUSTOMER, MANAGER, READONLY
from tests.conftest import acting_as, sql
from tests.factories import AddressFactory, PaymentMethodFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_shoppers():  # type: ignore[no-untyped-def]
    a, b = UserFactory(), UserFactory()
    return {
        "a": a,
        "b": b,
        "a_address": AddressFactory(user=a, is_default=True),
        "b_address": AddressFactory(user=b, is_default=True),
        "a_card": PaymentMethodFactory(user=a),
        "b_card": PaymentMethodFactory(user=b),
    }


@pytest.mark.parametrize("table", ["accounts_address", "accounts_payment_method"])
def test_shopper_reads_only_own_rows(two_shoppers, table):  # type: ignore[no-untyped-def]
    a, b = two_shoppers["a"], two_shoppers["b"]
    with acting_as(CUSTOMER, a.pk):
        rows = sql(f"SELECT user_id FROM {table}")  # no WHERE: the policy is the filter
        assert rows == [(a.pk,)]
        assert sql(f"SELECT count(*) FROM {table} WHERE user_id = %s", [b.pk]) == [(0,)]


@pytest.mark.parametrize(
    ("table", "column", "value"),
    [("accounts_address", "city", "Hacked"), ("accounts_payment_method", "cardholder_name", "Hacked")],
)
def test_shopper_cannot_update_or_delete_others_rows(two_shoppers, table, column, value):  # type: ignore[no-untyped-def]
    a, b = two_shoppers["a"], two_shoppers["b"]
    with acting_as(CUSTOMER, a.pk), connection_cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {column} = %s WHERE user_id = %s", [value, b.pk])
        assert cursor.rowcount == 0
        cursor.execute(f"DELETE FROM {table} WHERE user_id = %s", [b.pk])
        assert cursor.rowcount == 0
    assert sql(f"SELECT count(*) FROM {table} WHERE user_id = %s AND {column} <> %s", [b.pk, value]) == [(1,)]


def test_shopper_cannot_insert_rows_for_someone_else(two_shoppers):  # type: ignore[no-untyped-def]
    a, b = two_shoppers["a"], two_shoppers["b"]
    with acting_as(CUSTOMER, a.pk), pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
        sql(
            "INSERT INTO accounts_address (user_id, label, full_name, line1, line2, city, region,"
            " postal_code, country, phone, is_default, created_at, updated_at)"
            " VALUES (%s, '', 'X', 'Y', '', 'Z', '', '1', 'US', '', false, now(), now())",
            [b.pk],
        )


def test_no_context_means_no_rows(two_shoppers):  # type: ignore[no-untyped-def]
    with acting_as(CUSTOMER):
        for table in ["accounts_user", "accounts_address", "accounts_payment_method", "django_session"]:
            assert sql(f"SELECT count(*) FROM {table}") == [(0,)], table


def test_empty_context_after_a_transaction_is_still_no_rows(two_shoppers):  # type: ignore[no-untyped-def]
    # After a SET LOCAL ends, the setting reads '' (not NULL): the policies must not choke
    # (22P02) nor open up.
    with acting_as(CUSTOMER, two_shoppers["a"].pk):
        pass
    sql("SELECT set_config('role', 'commerce_customer', true)")
    try:
        assert sql("SELECT current_setting('app.user_id', true)") == [("",)]
        assert sql("SELECT count(*) FROM accounts_address") == [(0,)]
    finally:
        sql("SELECT clear_user_context()")


def test_shopper_sees_only_own_account_row(two_shoppers):  # type: ignore[no-untyped-def]
    a = two_shoppers["a"]
    with acting_as(CUSTOMER, a.pk):
        assert sql("SELECT id FROM accounts_user") == [(a.pk,)]


def test_shopper_cannot_make_themself_staff(two_shoppers):  # type: ignore[no-untyped-def]
    a = two_shoppers["a"]
    with acting_as(CUSTOMER, a.pk), pytest.raises(DatabaseError, match="only staff managers"), transaction.atomic():
        sql("UPDATE accounts_user SET is_staff = true WHERE id = %s", [a.pk])
    a.refresh_from_db()
    assert not a.is_staff


def test_staff_manager_can_grant_staff(two_shoppers):  # type: ignore[no-untyped-def]
    a = two_shoppers["a"]
    with acting_as(MANAGER, UserFactory(is_staff=True).pk):
        sql("UPDATE accounts_user SET is_staff = true WHERE id = %s", [a.pk])
    a.refresh_from_db()
    assert a.is_staff


def test_analyst_role_cannot_read_addresses_or_cards(two_shoppers):  # type: ignore[no-untyped-def]
    with acting_as(READONLY, UserFactory(is_staff=True).pk):
        for table in ["accounts_address", "accounts_payment_method"]:
            with pytest.raises(DatabaseError, match="permission denied"), transaction.atomic():
                sql(f"SELECT count(*) FROM {table}")


def test_sessions_are_visible_only_by_their_own_key(client, two_shoppers):  # type: ignore[no-untyped-def]
    client.force_login(two_shoppers["a"])
    key = client.session.session_key
    with acting_as(CUSTOMER):
        assert sql("SELECT count(*) FROM django_session") == [(0,)]
        sql("SELECT set_config('app.session_key', %s, true)", [key])
        assert sql("SELECT session_key FROM django_session") == [(key,)]


def test_session_read_returns_only_the_session_it_names(client, two_shoppers):  # type: ignore[no-untyped-def]
    """session_read() (one round trip per request) names the key and reads that row under
    the caller's rights: a key is the only way to a session, and an expired one is gone."""
    import datetime

    from django.utils import timezone

    client.force_login(two_shoppers["a"])
    key = client.session.session_key
    now = timezone.now()
    with acting_as(CUSTOMER):
        assert [row[0] for row in sql("SELECT session_data FROM session_read(%s, %s)", [key, now])] != []
        assert sql("SELECT current_setting('app.session_key')") == [(key,)]
        # Another key (or none) finds nothing and leaves the presented key as the only one visible.
        assert sql("SELECT count(*) FROM session_read(%s, %s)", ["x" * 32, now]) == [(0,)]
        assert sql("SELECT count(*) FROM django_session") == [(0,)]
        assert sql("SELECT count(*) FROM session_read(NULL, %s)", [now]) == [(0,)]
        later = now + datetime.timedelta(days=15)
        assert sql("SELECT count(*) FROM session_read(%s, %s)", [key, later]) == [(0,)]


def connection_cursor():  # type: ignore[no-untyped-def]
    from django.db import connection

    return connection.cursor()


def test_a_session_loads_its_user_until_it_expires_or_the_account_is_deactivated(client, two_shoppers):  # type: ignore[no-untyped-def]
    # The session store and the auth backend read their rows with their own SQL
    # (shopwave/sessions.py, accounts/backends.py): the same outcomes as Django's.
    import datetime

    from django.contrib.sessions.models import Session
    from django.utils import timezone

    from accounts.backends import EmailBackend
    from accounts.models import User

    a = two_shoppers["a"]
    client.force_login(a)
    assert client.get("/account/").status_code == 200
    backend = EmailBackend()
    with acting_as(CUSTOMER, a.pk):
        loaded = backend.get_user(str(a.pk))
        assert loaded is not None and (loaded.pk, loaded.email, loaded._state.adding) == (a.pk, a.email, False)
        assert backend.get_user("not a number") is None and backend.get_user(None) is None
        assert backend.get_user(two_shoppers["b"].pk) is None  # another account's row is not visible
    User.objects.filter(pk=a.pk).update(is_active=False)
    assert client.get("/account/").status_code == 302  # logged out: the login page
    User.objects.filter(pk=a.pk).update(is_active=True)
    client.force_login(a)
    Session.objects.update(expire_date=timezone.now() - datetime.timedelta(seconds=1))
    assert client.get("/account/").status_code == 302

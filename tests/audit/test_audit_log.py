"""The audit trail: written by triggers, complete, and append-only for every role."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, transaction

from accounts import services
from accounts.models import Address
from audit.models import AuditLog
from processor import tokenize
from shopwave.dbcontext import CUSTOMER, MANAGER
from tests.conftest import acting_as, sql
from tests.factories import AddressFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db


def entries(table: str, key: object) -> list[AuditLog]:
    return list(AuditLog.objects.filter(table_name=table, row_key=str(key)).order_by("id"))


def test_address_changes_are_audited_with_role_user_and_diff():  # type: ignore[no-untyped-def]
    shopper = UserFactory()
    with acting_as(CUSTOMER, shopper.pk):
        address = services.address_save(
            user=shopper,
            address=Address(full_name="Ann Lee", line1="1 Main St", city="Leeds", postal_code="LS1 1AA", country="GB"),
        )
        address.city = "York"
        services.address_save(user=shopper, address=address)
        services.address_delete(user=shopper, address_id=address.pk)

    insert, update, delete = entries("accounts_address", address.pk)
    assert (insert.action, update.action, delete.action) == ("INSERT", "UPDATE", "DELETE")
    for entry in (insert, update, delete):
        assert entry.db_role == "commerce_customer"
        assert entry.app_user_id == shopper.pk
        assert entry.txid > 0
    assert insert.before is None and insert.after["city"] == "Leeds"
    assert update.before["city"] == "Leeds" and update.after["city"] == "York"
    assert "city" in update.changed_fields
    assert delete.after is None and delete.before["city"] == "York"


def test_staff_flag_changes_are_audited_but_passwords_never_are():  # type: ignore[no-untyped-def]
    shopper, manager = UserFactory(), StaffFactory()
    with acting_as(MANAGER, manager.pk):
        sql("UPDATE accounts_user SET is_staff = true WHERE id = %s", [shopper.pk])
    [change] = [e for e in entries("accounts_user", shopper.pk) if e.action == "UPDATE"]
    assert change.changed_fields == ["is_staff"]
    assert change.before["is_staff"] is False and change.after["is_staff"] is True
    assert change.db_role == "commerce_manager" and change.app_user_id == manager.pk

    shopper.refresh_from_db()
    before = len(entries("accounts_user", shopper.pk))
    shopper.set_password("another-long-password")
    shopper.save(update_fields=["password"])
    shopper.full_name = "Renamed"
    shopper.save()
    assert len(entries("accounts_user", shopper.pk)) == before, "only flags and email are audited on users"
    for entry in entries("accounts_user", shopper.pk):
        for image in (entry.before, entry.after):
            assert image is None or ("password" not in image and "last_login" not in image)


def test_payment_methods_are_audited_without_card_numbers():  # type: ignore[no-untyped-def]
    shopper = UserFactory()
    card = tokenize(number="4242 4242 4242 4242", exp_month=1, exp_year=2035, cvc="123")
    with acting_as(CUSTOMER, shopper.pk):
        method = services.payment_method_add(user=shopper, card=card, cardholder_name="Ann Lee")
    [entry] = entries("accounts_payment_method", method.pk)
    assert entry.after["last4"] == "4242"
    assert "4242424242424242" not in str(entry.after)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_log SET action = 'INSERT'",
        "DELETE FROM audit_log",
        "TRUNCATE audit_log",
        "TRUNCATE audit_log_default",
        "DELETE FROM audit_log WHERE action = 'INSERT'",
    ],
)
def test_audit_log_is_append_only_for_the_owner(statement):  # type: ignore[no-untyped-def]
    AddressFactory()  # at least one row to refuse
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        sql(statement)


@pytest.mark.parametrize("statement", ["UPDATE audit_log SET action = 'INSERT'", "DELETE FROM audit_log"])
def test_audit_log_is_append_only_for_staff(statement):  # type: ignore[no-untyped-def]
    AddressFactory()
    with acting_as(MANAGER, StaffFactory().pk):
        assert sql("SELECT count(*) > 0 FROM audit_log") == [(True,)], "staff may read the log"
        with pytest.raises(DatabaseError, match="permission denied"), transaction.atomic():
            sql(statement)


def test_request_roles_cannot_write_the_log_directly():  # type: ignore[no-untyped-def]
    with (
        acting_as(CUSTOMER, UserFactory().pk),
        pytest.raises(DatabaseError, match="permission denied"),
        transaction.atomic(),
    ):
        sql(
            "INSERT INTO audit_log (table_name, row_key, action, after, db_role)"
            " VALUES ('x', '1', 'INSERT', '{}', 'forged')"
        )


def test_partitions_exist_ahead_and_rows_land_in_the_current_month():  # type: ignore[no-untyped-def]
    AddressFactory()
    [(partition,)] = sql("SELECT tableoid::regclass::text FROM audit_log ORDER BY id DESC LIMIT 1")
    [(expected,)] = sql("SELECT to_char(now() AT TIME ZONE 'UTC', '\"audit_log_y\"YYYY\"m\"MM')")
    assert partition == expected
    created = sql("SELECT audit_ensure_partitions(6)")
    assert len(created) == 3  # months 4..6 ahead; 0..3 came with the migration
    assert sql("SELECT audit_ensure_partitions(6)") == []  # idempotent
    with pytest.raises(DatabaseError, match="between 0 and 120"), transaction.atomic():
        sql("SELECT audit_ensure_partitions(-1)")

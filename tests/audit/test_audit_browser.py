"""The audit browser in the admin: filters, row history, the before/after diff, read-only,
and a changelist whose query count does not grow with the page."""

from __future__ import annotations

import html

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.admin import AuditLogAdmin
from audit.links import AUDITED_TABLES, audit_history_url, audit_transaction_url
from audit.models import AuditLog
from shopwave.dbcontext import CUSTOMER
from tests.conftest import acting_as, sql
from tests.factories import AddressFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:audit_auditlog_changelist")


@pytest.fixture
def admin_user():  # type: ignore[no-untyped-def]
    return StaffFactory(is_superuser=True)


@pytest.fixture
def staff_client(client, admin_user):  # type: ignore[no-untyped-def]
    client.force_login(admin_user)
    return client


def change_city(address, city: str) -> AuditLog:  # type: ignore[no-untyped-def]
    """The address owner changes the city, as the storefront would (role commerce_customer)."""
    with acting_as(CUSTOMER, address.user_id):
        sql("UPDATE accounts_address SET city = %s WHERE id = %s", [city, address.pk])
    address_id = address.pk
    return AuditLog.objects.filter(table_name="accounts_address", row_key=str(address_id), action="UPDATE").latest("id")


def shown_ids(response) -> list[int]:  # type: ignore[no-untyped-def]
    return [entry.pk for entry in response.context["cl"].result_list]


def test_audited_tables_constant_matches_the_triggers():  # type: ignore[no-untyped-def]
    rows = sql(
        "SELECT DISTINCT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
        " JOIN pg_proc p ON p.oid = t.tgfoid WHERE p.proname = 'audit_record_change'"
    )
    # Every audited table needs a label and a choice in the table filter.
    assert {name for (name,) in rows} <= set(AUDITED_TABLES)


def test_changelist_renders_newest_first_with_user_email(staff_client, admin_user):  # type: ignore[no-untyped-def]
    address = AddressFactory()
    entry = change_city(address, "York")
    response = staff_client.get(CHANGELIST)
    assert response.status_code == 200
    ids = shown_ids(response)
    assert ids == sorted(ids, reverse=True)
    body = response.content.decode()
    assert address.user.email in body  # the application user who made the change
    assert "Address" in body  # human table label
    assert "city" in body  # changed fields
    assert entry.pk in ids
    assert "date_hierarchy" not in body and "action-checkbox" not in body


@pytest.mark.parametrize(
    "query",
    [
        {"table_name": "accounts_address"},
        {"action__exact": "UPDATE"},
        {"db_role": "commerce_manager"},
        {"db_role": "other"},
        {"occurred_from": "2000-01-01", "occurred_to": "2999-12-31"},
        {"occurred_from": "2000-01-01"},
        {"q": "1"},
    ],
)
def test_changelist_renders_with_each_filter(staff_client, admin_user, query):  # type: ignore[no-untyped-def]
    change_city(AddressFactory(), "York")
    response = staff_client.get(CHANGELIST, query)
    assert response.status_code == 200
    assert not list(response.context["messages"])


def test_filters_narrow_the_list(staff_client, admin_user):  # type: ignore[no-untyped-def]
    address = AddressFactory()
    entry = change_city(address, "York")
    other = UserFactory()

    def ids(**query: str) -> set[int]:
        response = staff_client.get(CHANGELIST, query)
        assert response.status_code == 200
        return set(shown_ids(response))

    by_table = ids(table_name="accounts_address")
    assert entry.pk in by_table
    assert all(e.table_name == "accounts_address" for e in AuditLog.objects.filter(pk__in=by_table))
    assert ids(action__exact="UPDATE") >= {entry.pk}
    assert entry.pk not in ids(action__exact="INSERT")
    assert entry.pk in ids(db_role="commerce_customer")
    assert entry.pk not in ids(db_role="commerce_manager")
    assert ids(app_user_id=str(address.user_id)) == {entry.pk}
    assert ids(app_user_id=str(other.pk)) == set()
    today = timezone.localdate().isoformat()
    assert entry.pk in ids(occurred_from=today, occurred_to=today)
    assert entry.pk not in ids(occurred_from="2001-01-01", occurred_to="2001-01-31")
    assert ids(txid=str(entry.txid), tx_time=entry.occurred_at.isoformat()) >= {entry.pk}
    assert entry.pk in ids(q=str(address.pk))


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"occurred_from": "2026-03-10", "occurred_to": "2026-03-01"}, "is after the end date"),
        ({"occurred_from": "10/03/2026"}, "must be a date as YYYY-MM-DD"),
        ({"occurred_to": "2026-02-30"}, "must be a date as YYYY-MM-DD"),
        ({"app_user_id": "alice"}, "must be a whole number"),
        ({"app_user_id": "99999999999999999999"}, "must be a positive number"),
        ({"txid": "1", "tx_time": "yesterday"}, "not a valid timestamp"),
    ],
)
def test_bad_filter_values_give_a_clear_message_not_a_500(staff_client, query, message):  # type: ignore[no-untyped-def]
    AddressFactory()
    response = staff_client.get(CHANGELIST, query)
    assert response.status_code == 200
    texts = [str(m) for m in response.context["messages"]]
    assert any(message in t for t in texts), texts
    assert shown_ids(response) == []  # never the unfiltered log under a failed filter
    assert html.escape(message) in response.content.decode() or message in response.content.decode()


def test_unknown_lookups_are_refused_not_run(staff_client):  # type: ignore[no-untyped-def]
    response = staff_client.get(CHANGELIST, {"before__city": "York"})
    assert response.status_code == 400


def test_row_history_shows_only_that_row(staff_client, admin_user):  # type: ignore[no-untyped-def]
    mine, other = AddressFactory(), AddressFactory()
    change_city(mine, "York")
    change_city(mine, "Hull")
    change_city(other, "Leeds")
    url = audit_history_url("accounts_address", str(mine.pk))
    assert url == f"{CHANGELIST}?row_key={mine.pk}&table_name=accounts_address"
    response = staff_client.get(url)
    assert response.status_code == 200
    entries = list(AuditLog.objects.filter(pk__in=shown_ids(response)))
    assert {(e.table_name, e.row_key) for e in entries} == {("accounts_address", str(mine.pk))}
    assert sorted(e.action for e in entries) == ["INSERT", "UPDATE", "UPDATE"]
    # the user row with the same id is not part of this history
    assert all(e.table_name == "accounts_address" for e in entries)


def test_detail_shows_an_escaped_diff_and_links(staff_client, admin_user):  # type: ignore[no-untyped-def]
    address = AddressFactory(city="Leeds")
    entry = change_city(address, "<script>alert('x')</script>")
    response = staff_client.get(reverse("admin:audit_auditlog_change", args=[entry.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "<script>alert" not in body
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in body
    changed = response.context["audit_changed_rows"]
    assert [(r.field, r.before.text, r.after.text) for r in changed] == [
        ("city", "Leeds", "<script>alert('x')</script>")
    ]
    assert "Leeds" in body
    assert address.user.email in body
    assert str(entry.txid) in body
    assert html.escape(audit_transaction_url(entry.txid, entry.occurred_at)) in body
    assert html.escape(audit_history_url("accounts_address", str(address.pk))) in body
    assert 'name="_save"' not in body  # read-only: no save button
    # the transaction link works and finds this entry
    assert entry.pk in shown_ids(staff_client.get(audit_transaction_url(entry.txid, entry.occurred_at)))


def test_detail_of_an_insert_lists_every_field_and_pretty_prints_json(staff_client, admin_user):  # type: ignore[no-untyped-def]
    address = AddressFactory()
    entry = AuditLog.objects.get(table_name="accounts_address", row_key=str(address.pk), action="INSERT")
    response = staff_client.get(reverse("admin:audit_auditlog_change", args=[entry.pk]))
    assert response.status_code == 200
    fields = {r.field for r in response.context["audit_changed_rows"]}
    assert {"city", "line1", "user_id", "country"} <= fields
    assert all(r.before.kind == "absent" for r in response.context["audit_changed_rows"])


def test_the_browser_is_read_only(staff_client, admin_user):  # type: ignore[no-untyped-def]
    entry = change_city(AddressFactory(), "York")
    assert staff_client.get(reverse("admin:audit_auditlog_add")).status_code == 403
    assert staff_client.get(reverse("admin:audit_auditlog_delete", args=[entry.pk])).status_code == 403
    response = staff_client.post(reverse("admin:audit_auditlog_change", args=[entry.pk]), {"row_key": "x"})
    assert response.status_code == 403
    entry.refresh_from_db()
    assert entry.row_key != "x"
    assert AuditLogAdmin.actions is None
    response = staff_client.post(CHANGELIST, {"action": "delete_selected", "_selected_action": [entry.pk]})
    assert AuditLog.objects.filter(pk=entry.pk).exists()


def test_changelist_query_count_does_not_grow_with_rows(staff_client):  # type: ignore[no-untyped-def]
    def page_queries(count: int) -> int:
        addresses = [AddressFactory() for _ in range(count)]  # each with its own user
        for address in addresses:
            change_city(address, f"City {address.pk}")
        with CaptureQueriesContext(connection) as queries:
            response = staff_client.get(CHANGELIST, {"table_name": "accounts_address", "action__exact": "UPDATE"})
        assert response.status_code == 200
        shown = response.context["cl"].result_list
        assert len(shown) == len(AuditLog.objects.filter(table_name="accounts_address", action="UPDATE"))
        for address in addresses:
            assert address.user.email in response.content.decode()
        return len(queries)

    few = page_queries(5)
    many = page_queries(25)  # 30 entries on the page now
    assert many == few

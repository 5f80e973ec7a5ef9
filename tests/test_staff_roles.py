"""Staff groups map to database roles; what each may see and do, through the web and SQL."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.db import DatabaseError, transaction

from catalog.models import Variant
from shopwave import dbcontext
from tests.conftest import acting_as, sql
from tests.factories import AddressFactory, ProductFactory, StaffFactory

pytestmark = pytest.mark.django_db


def staff(group: str):  # type: ignore[no-untyped-def]
    user = StaffFactory()
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.mark.urls("tests.probe_urls")
@pytest.mark.parametrize(
    ("group", "role"),
    [("Managers", "commerce_manager"), ("Support", "commerce_manager"), ("Analysts", "commerce_readonly")],
)
def test_each_group_runs_under_its_database_role(client, group, role):  # type: ignore[no-untyped-def]
    client.force_login(staff(group))
    assert client.get("/admin/whoami/").json()["role"] == role


def test_an_analyst_cannot_open_addresses_even_by_url(client):  # type: ignore[no-untyped-def]
    address = AddressFactory()
    client.force_login(staff("Analysts"))
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/reports/dailysales/").status_code == 200
    assert client.get("/admin/accounts/user/").status_code == 403
    assert client.get(f"/admin/accounts/user/{address.user_id}/change/").status_code == 403  # addresses live here
    assert client.get("/admin/accounts/address/").status_code in (403, 404)
    with acting_as(dbcontext.READONLY, 1):
        with pytest.raises(DatabaseError, match="permission denied"), transaction.atomic():
            sql("SELECT * FROM accounts_address")
        with pytest.raises(DatabaseError, match="permission denied"), transaction.atomic():
            sql("SELECT * FROM accounts_payment_method")
        assert sql("SELECT count(*) FROM accounts_user WHERE id <> 1") == [(0,)]


def test_support_cannot_change_a_price_by_web_or_sql(client):  # type: ignore[no-untyped-def]
    product = ProductFactory(variants=[{"price": Decimal("10.00")}])
    variant = product.variants.get()
    support = staff("Support")
    client.force_login(support)
    assert client.get(f"/admin/catalog/variant/{variant.pk}/change/").status_code == 200  # may look
    response = client.post(
        f"/admin/catalog/variant/{variant.pk}/change/",
        {
            "product": product.pk,
            "sku": variant.sku,
            "name": variant.name,
            "attributes": "{}",
            "price": "1.00",
            "stock": "10",
            "low_stock_threshold": "5",
            "is_active": "on",
            "position": "0",
        },
    )
    assert response.status_code == 403
    with acting_as(dbcontext.MANAGER, support.pk):
        dbcontext.set_staff_group("support")
        with pytest.raises(DatabaseError, match="support staff cannot change prices"), transaction.atomic():
            sql("UPDATE catalog_variant SET price = 1 WHERE id = %s", [variant.pk])
        sql("UPDATE catalog_variant SET stock = 3 WHERE id = %s", [variant.pk])  # stock is fine
    assert Variant.objects.get(pk=variant.pk).price == Decimal("10.00")
    with acting_as(dbcontext.MANAGER, staff("Managers").pk):
        sql("UPDATE catalog_variant SET price = 12 WHERE id = %s", [variant.pk])
    assert Variant.objects.get(pk=variant.pk).price == Decimal("12.00")

"""Every back-office list page renders, and its query count does not grow with its rows."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from orders import services
from tests.factories import AddressFactory, ReviewFactory, StaffFactory
from tests.orders.conftest import acting_as_shopper, make_shopper

pytestmark = pytest.mark.django_db


def populate(shop, n: int) -> None:  # type: ignore[no-untyped-def]
    for _ in range(n):
        shopper = make_shopper()
        AddressFactory(user=shopper.user)
        ReviewFactory(product=shop["headphones"], user=shopper.user, status="pending")
        shopper.fill_cart((shop["peb"], 1))
        from catalog.models import Variant

        Variant.objects.filter(pk=shop["peb"].pk).update(stock=100)
        order = shopper.place()
        with acting_as_shopper(shopper.user):
            services.order_pay(order=order)
    call_command("refresh_analytics")


def changelist_queries(client) -> dict[str, int]:  # type: ignore[no-untyped-def]
    counts = {}
    for model in admin.site._registry:
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        assert response.status_code == 200, url
        counts[url] = len(ctx.captured_queries)
    return counts


def test_changelists_render_with_a_constant_number_of_queries(client, shop):  # type: ignore[no-untyped-def]
    client.force_login(StaffFactory(is_superuser=True))
    populate(shop, 2)
    few = changelist_queries(client)
    populate(shop, 8)
    many = changelist_queries(client)
    grown = {url: (few[url], many[url]) for url in few if many[url] > few[url]}
    assert grown == {}

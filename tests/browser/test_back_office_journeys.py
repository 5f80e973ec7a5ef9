"""A staff user opens the KPI dashboard and downloads a CSV; a seller sees only their sales."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from accounts.models import SellerMember
from orders import services
from tests.factories import (
    TEST_PASSWORD,
    ProductFactory,
    SellerFactory,
    ShippingMethodFactory,
    StaffFactory,
    UserFactory,
)
from tests.orders.conftest import acting_as_shopper, make_shopper

pytestmark = pytest.mark.django_db(transaction=True)


def test_staff_kpis_with_csv_and_a_sellers_own_sales(live_server, page: Page):  # type: ignore[no-untyped-def]
    ShippingMethodFactory()
    alpha, beta = SellerFactory(company_name="Alpha Audio"), SellerFactory(company_name="Beta Books")
    pa = ProductFactory(seller=alpha, name="Alpha Phones", variants=[{"sku": "A-1", "price": Decimal("50.00")}])
    pb = ProductFactory(seller=beta, name="Beta Novel", variants=[{"sku": "B-1", "price": Decimal("20.00")}])
    shopper = make_shopper()
    shopper.fill_cart((pa.variants.get(), 2), (pb.variants.get(), 1))
    order = shopper.place()
    with acting_as_shopper(shopper.user):
        services.order_pay(order=order)
    call_command("refresh_analytics")
    StaffFactory(email="boss@shopwave.example", is_superuser=True, password=TEST_PASSWORD)
    seller_user = UserFactory(email="alpha@example.com", password=TEST_PASSWORD)
    SellerMember.objects.create(seller=alpha, user=seller_user, role="owner")

    page.goto(f"{live_server.url}/admin/")
    page.fill("#id_username", "boss@shopwave.example")
    page.fill("#id_password", TEST_PASSWORD)
    page.click("input[type=submit]")
    page.get_by_role("link", name="KPI dashboard").click()
    expect(page.locator("table.report-table")).to_contain_text("Revenue")
    expect(page.locator("table.report-table")).to_contain_text("120.00")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    content = open(download.value.path(), encoding="utf-8").read()  # noqa: SIM115
    assert content.splitlines()[0].startswith("measure,")
    assert "Revenue,120.00" in content

    seller_page = page.context.browser.new_context().new_page()
    seller_page.goto(f"{live_server.url}/account/login/?next=/seller/")
    seller_page.get_by_label("Email").fill("alpha@example.com")
    seller_page.get_by_label("Password").fill(TEST_PASSWORD)
    seller_page.get_by_role("button", name="Log in").click()
    expect(seller_page.get_by_role("heading", level=1)).to_contain_text("Alpha Audio")
    expect(seller_page.locator("table")).to_contain_text("$100.00")
    seller_page.get_by_role("link", name="Order lines").click()
    expect(seller_page.locator("table")).to_contain_text("A-1")
    expect(seller_page.locator("table")).not_to_contain_text("B-1")

"""Anonymous cart -> log in (cart merged) -> checkout with a promotion -> order timeline;
then a declined card shows a clear message and leaves the items in the cart."""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from orders.models import Order
from tests.factories import TEST_PASSWORD, ProductFactory, PromotionFactory, ShippingMethodFactory
from tests.orders.conftest import DECLINE, make_shopper

pytestmark = pytest.mark.django_db(transaction=True)


def test_cart_login_checkout_with_promotion_then_a_declined_card(live_server, page: Page):  # type: ignore[no-untyped-def]
    ShippingMethodFactory()
    ProductFactory(name="Trail Lantern", slug="lantern", variants=[{"sku": "LAN-1", "price": Decimal("40.00")}])
    PromotionFactory(code="SPRING10", value=Decimal("10"))
    shopper = make_shopper(email="buyer@example.com")

    page.goto(f"{live_server.url}/p/lantern/")
    page.get_by_role("button", name="Add to cart").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your cart")
    expect(page.get_by_role("link", name="Trail Lantern")).to_be_visible()

    page.get_by_role("link", name="Log in to check out").click()
    page.get_by_label("Email").fill("buyer@example.com")
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Checkout")
    expect(page.get_by_text("Trail Lantern").first).to_be_visible()  # the anonymous cart was merged

    page.get_by_role("textbox", name="Promotion code").fill("spring10")
    page.get_by_role("button", name="Update totals").click()
    expect(page.get_by_text("\u2212$4.00").or_(page.get_by_text("-$4.00")).first).to_be_visible()
    page.get_by_role("button", name="Place order").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Order SW-")
    timeline = page.locator("ol.timeline")
    expect(timeline).to_contain_text("Payment received")
    order = Order.objects.get(user=shopper.user)
    assert (order.status, order.discount) == ("paid", Decimal("4.00"))

    # Same shopper, now only a card that declines.
    shopper.card.delete()
    declining = make_shopper(card_number=DECLINE).card
    declining.user = shopper.user
    declining.save()
    page.goto(f"{live_server.url}/p/lantern/")
    page.get_by_role("button", name="Add to cart").click()
    page.goto(f"{live_server.url}/checkout/")
    page.get_by_role("button", name="Place order").click()
    expect(page.get_by_text("Your payment was declined").first).to_be_visible()
    assert Order.objects.filter(user=shopper.user, status="payment_failed").count() == 1
    # The shopper is back at checkout with the same items, ready for another card.
    expect(page.get_by_role("heading", level=1)).to_have_text("Checkout")
    page.goto(f"{live_server.url}/cart/")
    expect(page.locator("tr.cart-line")).to_have_count(1)

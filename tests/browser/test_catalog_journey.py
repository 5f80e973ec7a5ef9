"""Browse the tree, search with a typo, filter by price, open a product, write a review."""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from catalog.models import Review
from tests.conftest import sql
from tests.factories import CategoryFactory, ProductFactory, ReviewFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "browser-test-password-1"


def test_browse_search_filter_and_review(live_server, page: Page):  # type: ignore[no-untyped-def]
    electronics = CategoryFactory(name="Electronics", slug="electronics", position=1)
    audio = CategoryFactory(name="Audio", slug="audio", parent=electronics)
    CategoryFactory(name="Garden", slug="garden", position=2)
    ProductFactory(
        name="Aurora Wireless Headphones",
        slug="aurora",
        brand="Aurora",
        categories=[audio],
        variants=[{"price": Decimal("149.00"), "attributes": {"colour": "Midnight"}}],
    )
    ProductFactory(name="Pebble Speaker", slug="pebble", categories=[audio], variants=[{"price": Decimal("29.00")}])
    ReviewFactory(product=ProductFactory(slug="other", categories=[audio]), rating=5)
    UserFactory(email="reviewer@example.com", full_name="Robin Reviewer", password=PASSWORD)
    sql("SELECT catalog_search_terms_refresh()")  # the words typo correction chooses from (hourly job)

    page.goto(f"{live_server.url}/")
    page.get_by_role("navigation", name="Categories").get_by_role("link", name="Electronics").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Electronics")
    page.get_by_role("link", name="Audio").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Audio")
    expect(page.get_by_role("link", name="Aurora Wireless Headphones")).to_be_visible()

    page.locator("#id_max_price").fill("50")
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_role("link", name="Pebble Speaker")).to_be_visible()
    expect(page.get_by_role("link", name="Aurora Wireless Headphones")).to_have_count(0)

    search = page.get_by_role("searchbox").first
    search.fill("hedphones")
    search.press("Enter")
    expect(page.get_by_text("showing results for “headphones”")).to_be_visible()
    expect(page.get_by_role("link", name="Aurora Wireless Headphones")).to_be_visible()
    page.get_by_role("link", name="Aurora Wireless Headphones").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Aurora Wireless Headphones")
    expect(page.get_by_text("$149.00").first).to_be_visible()
    expect(page.get_by_text("Midnight")).to_be_visible()

    page.get_by_role("link", name="Log in to write a review").click()
    page.get_by_label("Email").fill("reviewer@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Submit review")).to_be_visible()
    page.get_by_label("4 ★★★★ Good").check()
    page.get_by_label("Title").fill("Comfortable <b>and</b> clear")
    page.get_by_label("Your review").fill("Battery lasts all week.")
    page.get_by_role("button", name="Submit review").click()
    expect(page.get_by_text("Your review will appear once our team has checked it")).to_be_visible()

    review = Review.objects.get(product__slug="aurora")
    assert (review.rating, review.status, review.author_name) == (4, "pending", "Robin")

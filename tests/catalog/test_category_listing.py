"""The category listing (catalog/migrations/0013): a row per listed product and per
category of its categories' subtrees, kept by triggers through every kind of change, and
the category pages it serves."""

from __future__ import annotations

from decimal import Decimal

import pytest

from catalog import selectors
from catalog.integrity import run_catalog_checks
from catalog.models import Category, Product, ProductCategory, Review, Variant
from tests.conftest import sql
from tests.factories import CategoryFactory, ProductFactory, UserFactory

pytestmark = pytest.mark.django_db


def listing(product: Product) -> dict[int, tuple]:  # type: ignore[type-arg]
    rows = sql(
        "SELECT category_id, price, rating_count, units_sold FROM catalog_category_listing WHERE id = %s",
        [product.pk],
    )
    return {category: rest for category, *rest in rows}  # type: ignore[misc]


def assert_fresh() -> None:
    result = next(r for r in run_catalog_checks() if r.name == "category listing")
    assert result.ok, result.message


def test_every_change_keeps_the_listing_true():  # type: ignore[no-untyped-def]
    home = CategoryFactory(name="Home")
    lighting = CategoryFactory(name="Lighting", parent=home)
    lamps = CategoryFactory(name="Lamps", parent=lighting)
    garden = CategoryFactory(name="Garden")
    lamp = ProductFactory(name="Desk Lamp", categories=[lamps], variants=[{"sku": "L-1", "price": Decimal("30.00")}])
    assert set(listing(lamp)) == {home.pk, lighting.pk, lamps.pk}  # the category and its ancestors
    assert listing(lamp)[lamps.pk][0] == Decimal("30.00")

    Variant.objects.filter(sku="L-1").update(price=Decimal("25.00"))  # the product's price follows
    assert {row[0] for row in listing(lamp).values()} == {Decimal("25.00")}

    Review.objects.create(product=lamp, user=UserFactory(), rating=5, title="Bright", body="Good", status="published")
    assert {row[1] for row in listing(lamp).values()} == {1}

    ProductCategory.objects.create(product=lamp, category=garden)  # a second category
    assert set(listing(lamp)) == {home.pk, lighting.pk, lamps.pk, garden.pk}
    ProductCategory.objects.filter(product=lamp, category=lamps).delete()
    assert set(listing(lamp)) == {garden.pk}

    ProductCategory.objects.create(product=lamp, category=lamps)
    lighting.parent = garden  # move a subtree: the paths change, so do the ancestors
    lighting.save()
    assert set(listing(lamp)) == {garden.pk, lighting.pk, lamps.pk}

    Product.objects.filter(pk=lamp.pk).update(status="draft")  # unlisted: gone from every category
    assert listing(lamp) == {}
    Product.objects.filter(pk=lamp.pk).update(status="active")
    assert set(listing(lamp)) == {garden.pk, lighting.pk, lamps.pk}
    assert_fresh()


def test_the_integrity_check_sees_a_stale_row():  # type: ignore[no-untyped-def]
    lamps = CategoryFactory(name="Lamps")
    lamp = ProductFactory(name="Desk Lamp", categories=[lamps])
    sql("UPDATE catalog_category_listing SET price = price + 1 WHERE id = %s", [lamp.pk])
    result = next(r for r in run_catalog_checks() if r.name == "category listing")
    assert not result.ok and "catalog_category_listing differs" in (result.message or "")


def test_a_category_page_lists_its_whole_subtree_in_every_order(client):  # type: ignore[no-untyped-def]
    lighting = CategoryFactory(name="Lighting", slug="lighting")
    lamps = CategoryFactory(name="Lamps", slug="lamps", parent=lighting)
    for n, price in enumerate(["9.00", "3.00", "6.00"]):
        ProductFactory(
            name=f"Lamp {n}",
            slug=f"lamp-{n}",
            categories=[lamps],
            variants=[{"sku": f"LP-{n}", "price": Decimal(price)}],
        )
    ProductFactory(name="Other", slug="other", variants=[{"sku": "O-1", "price": Decimal("1.00")}])
    category = Category.objects.get(slug="lighting")
    for sort, expected in [
        ("price_asc", ["lamp-1", "lamp-2", "lamp-0"]),
        ("price_desc", ["lamp-0", "lamp-2", "lamp-1"]),
        ("newest", ["lamp-2", "lamp-1", "lamp-0"]),
    ]:
        page = selectors.product_listing(filters=selectors.ListingFilters(category=category, sort=sort), limit=2)
        rest = selectors.product_listing(
            filters=selectors.ListingFilters(category=category, sort=sort), after=page.next_cursor, limit=2
        )
        assert [p["slug"] for p in page.products + rest.products] == expected, sort
    assert client.get("/c/lighting/").status_code == 200

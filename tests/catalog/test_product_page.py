"""Product page, reviews written by shoppers, and wishlists (with their RLS)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import DatabaseError, transaction

from catalog.models import Review, WishlistItem
from shopwave.dbcontext import CUSTOMER
from tests.conftest import acting_as, sql
from tests.factories import ProductFactory, ReviewFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_product_page_shows_variants_stock_seller_and_rating(client):  # type: ignore[no-untyped-def]
    product = ProductFactory(
        name="Aurora Headphones",
        variants=[
            {
                "sku": "AUR-BLK",
                "name": "Black",
                "price": Decimal("99.00"),
                "stock": 3,
                "attributes": {"colour": "Black"},
            },
            {"sku": "AUR-WHT", "name": "White", "price": Decimal("109.00"), "stock": 0},
        ],
    )
    ReviewFactory(product=product, rating=4, title="Cosy fit")
    ReviewFactory(product=product, rating=2, title="Hidden pending", status="pending")
    body = client.get(f"/p/{product.slug}/").content.decode()
    assert "Aurora Headphones" in body and product.seller.company_name in body
    assert "$99.00" in body and "Black" in body
    assert "Cosy fit" in body and "Hidden pending" not in body
    assert product.seller.contact_email not in body
    white = client.get(f"/p/{product.slug}/?variant=AUR-WHT").content.decode()
    assert "$109.00" in white
    assert client.get(f"/p/{product.slug}/?variant=nope").status_code == 200
    assert client.get(f"/p/{product.slug}/?reviews_after=forged").status_code == 400


def test_review_text_is_escaped(client):  # type: ignore[no-untyped-def]
    review = ReviewFactory(title="<img src=x onerror=alert(1)>", body="<script>alert('x')</script>")
    body = client.get(f"/p/{review.product.slug}/").content.decode()
    assert "<script>alert('x')</script>" not in body
    assert "<img src=x onerror" not in body
    assert "&lt;script&gt;" in body


def test_a_shopper_writes_and_edits_a_review_that_waits_for_moderation(client):  # type: ignore[no-untyped-def]
    product = ProductFactory()
    shopper = UserFactory()
    client.force_login(shopper)
    url = f"/p/{product.slug}/review/"
    assert client.post(url, {"rating": "5", "title": "Lovely", "body": "Would buy again"}).status_code == 302
    review = Review.objects.get(product=product, user=shopper)
    assert (review.rating, review.status) == (5, "pending")
    client.post(url, {"rating": "4", "title": "Still lovely", "body": "Edited"})
    assert Review.objects.filter(product=product, user=shopper).count() == 1
    product.refresh_from_db()
    assert product.rating_count == 0
    for bad in [{"rating": "0"}, {"rating": "6"}, {"rating": "x"}, {"rating": "5", "title": ""}]:
        response = client.post(url, {"title": "t", "body": "b", **bad})
        assert response.status_code == 200
    assert Review.objects.get(product=product, user=shopper).title == "Still lovely"


def test_wishlist_add_list_remove(client):  # type: ignore[no-untyped-def]
    product = ProductFactory(name="Wished Thing")
    shopper = UserFactory()
    client.force_login(shopper)
    assert client.post(f"/p/{product.slug}/wishlist/").status_code == 302
    assert client.post(f"/p/{product.slug}/wishlist/").status_code == 302  # idempotent
    assert WishlistItem.objects.filter(user=shopper).count() == 1
    assert "Wished Thing" in client.get("/account/wishlist/").content.decode()
    client.post(f"/account/wishlist/{product.pk}/remove/")
    assert not WishlistItem.objects.filter(user=shopper).exists()


def test_wishlists_are_private_under_rls():  # type: ignore[no-untyped-def]
    a, b = UserFactory(), UserFactory()
    product = ProductFactory()
    WishlistItem.objects.create(user=a, product=product)
    WishlistItem.objects.create(user=b, product=product)
    with acting_as(CUSTOMER, a.pk):
        assert sql("SELECT user_id FROM catalog_wishlist_item") == [(a.pk,)]
        with connection_cursor() as cursor:
            cursor.execute("DELETE FROM catalog_wishlist_item WHERE user_id = %s", [b.pk])
            assert cursor.rowcount == 0
        with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
            sql(
                "INSERT INTO catalog_wishlist_item (user_id, product_id, created_at) VALUES (%s, %s, now())",
                [b.pk, product.pk],
            )
    assert WishlistItem.objects.filter(user=b).count() == 1


def test_shoppers_see_published_reviews_and_their_own_only():  # type: ignore[no-untyped-def]
    product = ProductFactory()
    mine = ReviewFactory(product=product, status="pending")
    ReviewFactory(product=product, status="pending")
    published = ReviewFactory(product=product, status="published")
    ReviewFactory(product=product, status="rejected")
    with acting_as(CUSTOMER, mine.user_id):
        assert {r for (r,) in sql("SELECT id FROM catalog_review")} == {mine.pk, published.pk}


def connection_cursor():  # type: ignore[no-untyped-def]
    from django.db import connection

    return connection.cursor()


def test_attribute_names_that_shadow_dict_methods_render(client):  # type: ignore[no-untyped-def]
    product = ProductFactory(variants=[{"attributes": {"items": "3 pieces", "keys": "2", "colour": "red"}}])
    body = client.get(f"/p/{product.slug}/").content.decode()
    assert "3 pieces" in body and "red" in body


def test_the_cached_reviews_list_is_never_stale(client):  # type: ignore[no-untyped-def]
    # The rendered list is cached under the reviews' own content (templates/catalog/
    # product.html): a second view reuses it, and any change to what it shows renders anew.
    from django.core.cache import caches

    fragments = caches["template_fragments"]

    def reviews_lists() -> int:
        return sum("product_reviews" in key for key in fragments._cache)  # type: ignore[attr-defined]

    product = ProductFactory()
    first = ReviewFactory(product=product, title="First impressions", body="Solid.")
    url = f"/p/{product.slug}/"
    assert "First impressions" in client.get(url).content.decode()
    assert reviews_lists() == 1
    assert "First impressions" in client.get(url).content.decode()
    assert reviews_lists() == 1  # reused, not rendered again

    pending = ReviewFactory(product=product, title="Second opinion", status="pending")
    assert "Second opinion" not in client.get(url).content.decode()
    Review.objects.filter(pk=pending.pk).update(status="published")
    assert "Second opinion" in client.get(url).content.decode()
    Review.objects.filter(pk=first.pk).update(title="Revised impressions")
    body = client.get(url).content.decode()
    assert "Revised impressions" in body and "First impressions" not in body
    assert reviews_lists() == 3


def test_the_cached_product_parts_are_never_stale_and_per_shopper_parts_are_not_cached(client):  # type: ignore[no-untyped-def]
    # The product's own parts (gallery, name, price, options, stock, details, description,
    # rating histogram) are cached under the values they show (ProductPage.content_key);
    # the forms, the wishlist state and the shopper's own review are rendered per request.
    import re

    from django.core.cache import caches

    from catalog.models import Product, Variant

    fragments = caches["template_fragments"]

    def product_parts() -> int:
        return sum("product_main" in key or "product_details" in key for key in fragments._cache)  # type: ignore[attr-defined]

    product = ProductFactory(
        name="Harbour Lamp",
        description="Brass and linen.",
        variants=[
            {"sku": "HL-S", "name": "Small", "price": Decimal("40.00"), "stock": 9},
            {"sku": "HL-L", "name": "Large", "price": Decimal("55.00"), "stock": 2},
        ],
    )
    url = f"/p/{product.slug}/"
    first = client.get(url).content.decode()
    assert "$40.00" in first and "Brass and linen." in first and product_parts() == 2
    second = client.get(url).content.decode()
    assert product_parts() == 2  # reused

    # Each request still gets its own CSRF token in the add-to-cart form.
    token = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
    assert token.findall(first) and token.findall(first) != token.findall(second)

    # A price, stock level, name or description change is on the next view (these two
    # leave the product row's own columns, such as its lowest price, as they were).
    Variant.objects.filter(sku="HL-L").update(price=Decimal("57.00"))
    body = client.get(url).content.decode()
    assert "$57.00" in body and "$55.00" not in body
    Variant.objects.filter(sku="HL-S").update(stock=1)
    assert "Only 1 left" in client.get(url).content.decode()
    Variant.objects.filter(sku="HL-S").update(price=Decimal("42.50"))
    body = client.get(url).content.decode()
    assert "$42.50" in body and "$40.00" not in body
    Variant.objects.filter(sku="HL-S").update(stock=0)
    body = client.get(url).content.decode()
    assert "$57.00" in body  # the first option in stock is selected now
    assert "Only 2 left" in body
    Product.objects.filter(pk=product.pk).update(name="Harbour Lamp II", description="Now in oak.")
    body = client.get(url).content.decode()
    assert "Harbour Lamp II" in body and "Now in oak." in body and "Brass and linen." not in body

    # Selecting another option renders that option's parts, not the cached default.
    small = client.get(url + "?variant=HL-S").content.decode()
    assert "Out of stock" in small and "<dd>HL-S</dd>" in small

    # The shopper's own parts are not shared through the cache.
    shopper = UserFactory()
    client.force_login(shopper)
    signed_in = client.get(url).content.decode()
    assert "Add to wishlist" in signed_in and "Write a review" in signed_in
    WishlistItem.objects.create(user=shopper, product=product)
    assert "Remove from wishlist" in client.get(url).content.decode()


def test_reviews_are_paged_newest_first_with_a_keyset_link(client):  # type: ignore[no-untyped-def]
    import datetime
    import html
    import re

    from django.utils import timezone

    from catalog.selectors import REVIEWS_PAGE_SIZE

    product = ProductFactory()
    start = timezone.now() - datetime.timedelta(days=30)
    total = REVIEWS_PAGE_SIZE + 2
    for n in range(total):
        review = ReviewFactory(product=product, title=f"Review number {n:02d}")
        Review.objects.filter(pk=review.pk).update(created_at=start + datetime.timedelta(hours=n))
    first = client.get(f"/p/{product.slug}/").content.decode()
    shown = re.findall(r"Review number (\d\d)", first)
    assert shown == [f"{n:02d}" for n in range(total - 1, total - 1 - REVIEWS_PAGE_SIZE, -1)]
    link = html.unescape(re.search(r'rel="next" href="([^"]+)"', first).group(1))
    second = client.get(link).content.decode()
    assert re.findall(r"Review number (\d\d)", second) == ["01", "00"]
    assert 'rel="next"' not in second

"""Rules the database holds even when forms and services are bypassed."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import DatabaseError, IntegrityError, transaction

from catalog.models import Product, Review, Variant
from shopwave.dbcontext import CUSTOMER
from tests.conftest import acting_as, sql
from tests.factories import ProductFactory, ReviewFactory, SellerFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("rating", [0, 6, -1])
def test_ratings_outside_1_to_5_are_refused(rating):  # type: ignore[no-untyped-def]
    with pytest.raises(IntegrityError, match="rating_1_5"), transaction.atomic():
        ReviewFactory(rating=rating)


def test_one_review_per_shopper_per_product():  # type: ignore[no-untyped-def]
    review = ReviewFactory()
    with pytest.raises(IntegrityError, match="one_per_shopper"), transaction.atomic():
        ReviewFactory(product=review.product, user=review.user)


def test_stock_and_prices_cannot_go_negative_and_skus_are_unique():  # type: ignore[no-untyped-def]
    product = ProductFactory()
    variant = product.variants.get()
    with pytest.raises(IntegrityError, match="stock_not_negative"), transaction.atomic():
        sql("UPDATE catalog_variant SET stock = -1 WHERE id = %s", [variant.pk])
    with pytest.raises(IntegrityError, match="price_not_negative"), transaction.atomic():
        sql("UPDATE catalog_variant SET price = -0.01 WHERE id = %s", [variant.pk])
    with pytest.raises(IntegrityError, match="cost_not_negative"), transaction.atomic():
        sql("UPDATE catalog_product SET cost = -5 WHERE id = %s", [product.pk])
    with pytest.raises(IntegrityError, match="sku"), transaction.atomic():
        Variant.objects.create(product=product, sku=variant.sku, name="Copy", price=Decimal(1))


def test_a_product_without_a_variant_cannot_be_committed():  # type: ignore[no-untyped-def]
    seller = SellerFactory()
    with pytest.raises(IntegrityError, match="at least one variant"), transaction.atomic():
        Product.objects.create(seller=seller, name="Lonely", slug="lonely", status="active")
        sql("SET CONSTRAINTS ALL IMMEDIATE")
    product = ProductFactory()
    with pytest.raises(IntegrityError, match="at least one variant"), transaction.atomic():
        product.variants.all().delete()
        sql("SET CONSTRAINTS ALL IMMEDIATE")


def test_product_price_is_the_lowest_active_variant_price():  # type: ignore[no-untyped-def]
    product = ProductFactory(variants=[{"price": Decimal("30.00")}, {"price": Decimal("25.50")}])
    assert product.price == Decimal("25.50")
    sql("UPDATE catalog_variant SET is_active = false WHERE product_id = %s AND price = 25.50", [product.pk])
    product.refresh_from_db()
    assert product.price == Decimal("30.00")


def test_listing_follows_status_and_seller(client):  # type: ignore[no-untyped-def]
    product = ProductFactory()
    assert product.is_listed
    sql("UPDATE accounts_seller SET is_active = false WHERE id = %s", [product.seller_id])
    product.refresh_from_db()
    assert not product.is_listed
    assert client.get(f"/p/{product.slug}/").status_code == 404
    sql("UPDATE accounts_seller SET is_active = true WHERE id = %s", [product.seller_id])
    sql("UPDATE catalog_product SET status = 'draft' WHERE id = %s", [product.pk])
    product.refresh_from_db()
    assert not product.is_listed
    with pytest.raises(IntegrityError, match="status"), transaction.atomic():
        sql("UPDATE catalog_product SET status = 'deleted' WHERE id = %s", [product.pk])


def test_shoppers_cannot_publish_their_own_reviews():  # type: ignore[no-untyped-def]
    shopper = UserFactory()
    product = ProductFactory()
    with acting_as(CUSTOMER, shopper.pk):
        sql(
            "INSERT INTO catalog_review (product_id, user_id, rating, title, body, status, is_verified_purchase,"
            " created_at, updated_at) VALUES (%s, %s, 5, 't', 'b', 'published', true, now(), now())",
            [product.pk, shopper.pk],
        )
        review = Review.objects.get(product=product, user=shopper)
        assert (review.status, review.is_verified_purchase) == ("pending", False)
        with pytest.raises(DatabaseError, match="only staff"), transaction.atomic():
            sql("UPDATE catalog_review SET status = 'published' WHERE id = %s", [review.pk])
    product.refresh_from_db()
    assert product.rating_count == 0


def test_editing_a_published_review_sends_it_back_to_moderation():  # type: ignore[no-untyped-def]
    review = ReviewFactory(rating=5)
    review.product.refresh_from_db()
    assert review.product.rating_count == 1
    with acting_as(CUSTOMER, review.user_id):
        sql("UPDATE catalog_review SET body = 'changed my mind', rating = 1 WHERE id = %s", [review.pk])
    review.refresh_from_db()
    review.product.refresh_from_db()
    assert review.status == "pending"
    assert (review.product.rating_count, review.product.rating_sum) == (0, 0)

"""Products' rating average and count always equal a fresh computation over published
reviews: by ORM, by raw SQL, in any order, under concurrency and under RLS."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.db import connection, connections, transaction

from catalog.models import Product, Review
from shopwave import dbcontext
from tests.conftest import sql
from tests.factories import ProductFactory, ReviewFactory, StaffFactory, UserFactory


def assert_aggregates_fresh(product: Product) -> None:
    [(stored_sum, stored_count, stored_avg, fresh_sum, fresh_count, stored_stars, fresh_stars)] = sql(
        """
        SELECT p.rating_sum, p.rating_count, p.rating_avg,
               coalesce(sum(r.rating), 0), count(r.id),
               ARRAY[p.stars_1, p.stars_2, p.stars_3, p.stars_4, p.stars_5],
               ARRAY[count(r.id) FILTER (WHERE r.rating = 1), count(r.id) FILTER (WHERE r.rating = 2),
                     count(r.id) FILTER (WHERE r.rating = 3), count(r.id) FILTER (WHERE r.rating = 4),
                     count(r.id) FILTER (WHERE r.rating = 5)]::int[]
          FROM catalog_product p
          LEFT JOIN catalog_review r ON r.product_id = p.id AND r.status = 'published'
         WHERE p.id = %s
         GROUP BY p.id
        """,
        [product.pk],
    )
    assert (stored_sum, stored_count) == (fresh_sum, fresh_count)
    assert stored_stars == fresh_stars  # the product page's histogram
    expected_avg = (
        (Decimal(fresh_sum) / fresh_count).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) if fresh_count else None
    )
    assert stored_avg == expected_avg


@pytest.mark.django_db
def test_every_kind_of_change_keeps_the_aggregates_true():  # type: ignore[no-untyped-def]
    product, other = ProductFactory(), ProductFactory()
    steps: list[Callable[[], object]] = []
    a = ReviewFactory(product=product, rating=5)
    assert_aggregates_fresh(product)
    b = ReviewFactory(product=product, rating=2, status="pending")
    steps = [
        lambda: Review.objects.filter(pk=b.pk).update(status="published"),
        lambda: sql("UPDATE catalog_review SET rating = 1 WHERE id = %s", [a.pk]),
        lambda: sql("UPDATE catalog_review SET status = 'rejected' WHERE id = %s", [b.pk]),
        lambda: ReviewFactory(product=product, rating=4),
        lambda: sql("UPDATE catalog_review SET status = 'published' WHERE id = %s", [b.pk]),
        lambda: Review.objects.filter(pk=a.pk).delete(),
        lambda: sql("DELETE FROM catalog_review WHERE product_id = %s AND rating = 4", [product.pk]),
        lambda: ReviewFactory(product=other, rating=3),
        lambda: sql(
            "INSERT INTO catalog_review (product_id, user_id, rating, title, body, status, is_verified_purchase,"
            " created_at, updated_at) VALUES (%s, %s, 3, 't', 'b', 'published', false, now(), now())",
            [product.pk, UserFactory().pk],
        ),
        lambda: sql("UPDATE catalog_review SET status = 'pending' WHERE product_id = %s", [product.pk]),
        lambda: sql("UPDATE catalog_review SET status = 'published' WHERE product_id = %s", [product.pk]),
    ]
    for step in steps:
        step()
        assert_aggregates_fresh(product)
        assert_aggregates_fresh(other)


def _in_threads(workers: list[Callable[[], None]]) -> list[BaseException]:
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(workers))

    def run(work: Callable[[], None]) -> None:
        try:
            barrier.wait(timeout=10)
            work()
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(w,)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return errors


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_eight_concurrent_writers_of_one_product_lose_nothing():  # type: ignore[no-untyped-def]
    product = ProductFactory()
    users = [UserFactory() for _ in range(8)]

    def writer(user_id: int, rating: int) -> Callable[[], None]:
        def work() -> None:
            for _ in range(5):
                with transaction.atomic():
                    sql(
                        "INSERT INTO catalog_review (product_id, user_id, rating, title, body, status,"
                        " is_verified_purchase, created_at, updated_at)"
                        " VALUES (%s, %s, %s, 't', 'b', 'published', false, now(), now())"
                        " ON CONFLICT (product_id, user_id) DO UPDATE SET rating = EXCLUDED.rating,"
                        " status = CASE WHEN catalog_review.status = 'published' THEN 'rejected' ELSE 'published' END",
                        [product.pk, user_id, rating],
                    )

        return work

    errors = _in_threads([writer(u.pk, 1 + i % 5) for i, u in enumerate(users)])
    assert errors == []
    assert_aggregates_fresh(product)


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_concurrent_shopper_requests_under_rls_keep_aggregates_true():  # type: ignore[no-untyped-def]
    """Shoppers edit and delete their reviews as commerce_customer while staff moderate:
    the aggregate triggers see rows the shopper's RLS hides (SECURITY DEFINER)."""
    product = ProductFactory()
    shoppers = [UserFactory() for _ in range(6)]
    reviews = [ReviewFactory(product=product, user=u, rating=1 + i % 5) for i, u in enumerate(shoppers)]
    pending = [ReviewFactory(product=product, rating=4, status="pending") for _ in range(4)]
    staff = StaffFactory()
    assert_aggregates_fresh(product)

    def shopper_work(review: Review, delete: bool) -> Callable[[], None]:
        def work() -> None:
            with transaction.atomic():
                dbcontext.set_user_context(role=dbcontext.CUSTOMER, user_id=review.user_id)
                if delete:
                    sql("DELETE FROM catalog_review WHERE id = %s", [review.pk])
                else:
                    sql(
                        "UPDATE catalog_review SET rating = %s, body = 'edited' WHERE id = %s",
                        [random.randint(1, 5), review.pk],  # noqa: S311
                    )
                # The shopper's view of the product is unchanged by RLS on others' reviews.
                assert sql(
                    "SELECT count(*) FROM catalog_review WHERE product_id = %s AND status = 'pending'"
                    " AND user_id <> %s",
                    [product.pk, review.user_id],
                ) == [(0,)]

        return work

    def staff_work(review: Review) -> Callable[[], None]:
        def work() -> None:
            with transaction.atomic():
                dbcontext.set_user_context(role=dbcontext.MANAGER, user_id=staff.pk)
                sql("UPDATE catalog_review SET status = 'published' WHERE id = %s", [review.pk])

        return work

    workers = [shopper_work(r, delete=i % 2 == 0) for i, r in enumerate(reviews)]
    workers += [staff_work(r) for r in pending]
    errors = _in_threads(workers)
    assert errors == []
    assert connection.vendor == "postgresql"
    assert_aggregates_fresh(product)
    product.refresh_from_db()
    assert product.rating_count == 4 + 0  # 4 newly published; edited ones went back to pending, 3 deleted

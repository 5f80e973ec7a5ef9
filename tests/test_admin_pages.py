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


def result_rows(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(obj) for obj in response.context["cl"].result_list]


def test_order_search_is_exact_on_number_and_email_and_filters_by_shipping_method(client, shop):  # type: ignore[no-untyped-def]
    client.force_login(StaffFactory(is_superuser=True))
    first, second = make_shopper(email="first.buyer@example.com"), make_shopper()
    for shopper in (first, second):
        shopper.fill_cart((shop["peb"], 1))
    standard = first.place()
    express = second.place(shipping="express")
    url = reverse("admin:orders_order_changelist")
    assert result_rows(client.get(url, {"q": standard.number})) == [standard.number]
    assert result_rows(client.get(url, {"q": f" {standard.number.lower()} "})) == [standard.number]
    assert result_rows(client.get(url, {"q": "First.Buyer@example.com"})) == [standard.number]
    # Only whole values: a substring search would read every order.
    assert result_rows(client.get(url, {"q": standard.number[:-2]})) == []
    assert result_rows(client.get(url, {"q": "first.buyer"})) == []
    response = client.get(url, {"shipping_method_code": "express"})
    assert result_rows(response) == [express.number]
    assert "Express" in response.content.decode()
    assert client.get(url, {"placed_at__gte": "2000-01-01 00:00:00+00:00"}).status_code == 200


def test_a_capped_count_says_more_than(client, shop, monkeypatch):  # type: ignore[no-untyped-def]
    from shopwave import admin as shopwave_admin

    client.force_login(StaffFactory(is_superuser=True))
    for _ in range(3):
        shopper = make_shopper()
        shopper.fill_cart((shop["peb"], 1))
        shopper.place()
    url = reverse("admin:orders_order_changelist")
    assert "3 orders" in client.get(url).content.decode()
    monkeypatch.setattr(shopwave_admin.LargeTablePaginator, "cap", 2)
    body = client.get(url).content.decode()
    assert "More than 2 orders: narrow them down" in body


def test_product_variant_and_review_searches(client, shop):  # type: ignore[no-untyped-def]
    from catalog.models import Product
    from tests.factories import ProductFactory, UserFactory

    client.force_login(StaffFactory(is_superuser=True))
    percent = ProductFactory(name="50% off Kettle", variants=[{"sku": "KET-50"}])
    reviewer = UserFactory(email="critic@example.com")
    ReviewFactory(product=shop["headphones"], user=reviewer, title="Loud")
    products = reverse("admin:catalog_product_changelist")
    assert result_rows(client.get(products, {"q": "aurora"})) == ["Aurora Headphones"]
    assert result_rows(client.get(products, {"q": "peb-1"})) == ["Pebble Speaker"]  # exact SKU
    assert result_rows(client.get(products, {"q": shop["speaker"].slug})) == ["Pebble Speaker"]
    assert result_rows(client.get(products, {"q": "50%"})) == [percent.name]  # % is literal
    assert result_rows(client.get(products, {"q": "5_%"})) == []  # so is _
    variants = reverse("admin:catalog_variant_changelist")
    assert [v.split(" ")[0] for v in result_rows(client.get(variants, {"q": "KET-50"}))] == ["KET-50"]
    assert len(result_rows(client.get(variants, {"q": "kettle"}))) == 1
    reviews = reverse("admin:catalog_review_changelist")
    assert result_rows(client.get(reviews, {"q": "CRITIC@example.com"})) == ["5★ Loud"]
    assert result_rows(client.get(reviews, {"q": "headphones"})) == ["5★ Loud"]
    assert result_rows(client.get(reviews, {"q": "pebble"})) == []
    assert result_rows(client.get(reviews, {"rating": "5"})) == ["5★ Loud"]
    assert result_rows(client.get(reviews, {"rating": "4"})) == []
    assert Product.objects.count() == 3


@pytest.mark.parametrize("ids_limit", [100_000, 0])
def test_reviews_and_variants_of_the_products_found_by_array_or_past_its_limit_by_subquery(
    client, shop, monkeypatch, ids_limit
):  # type: ignore[no-untyped-def]
    import catalog.admin
    from tests.factories import ProductFactory

    monkeypatch.setattr(catalog.admin, "PRODUCT_IDS_LIMIT", ids_limit)
    client.force_login(StaffFactory(is_superuser=True))
    ProductFactory(name="Quiet Kettle", variants=[{"sku": "KET-Q1"}, {"sku": "KET-Q2"}])
    ReviewFactory(product=shop["headphones"], title="Loud")
    reviews = reverse("admin:catalog_review_changelist")
    variants = reverse("admin:catalog_variant_changelist")
    assert result_rows(client.get(reviews, {"q": "aurora"})) == ["5★ Loud"]
    assert result_rows(client.get(reviews, {"q": "kettle"})) == []
    assert sorted(v.split(" ")[0] for v in result_rows(client.get(variants, {"q": "kettle"}))) == ["KET-Q1", "KET-Q2"]
    assert result_rows(client.get(variants, {"q": "no-such-word"})) == []


def test_payout_and_redemption_searches(client, shop):  # type: ignore[no-untyped-def]
    from promotions.models import Redemption
    from tests.factories import PromotionFactory

    client.force_login(StaffFactory(is_superuser=True))
    PromotionFactory(code="SPRING10")
    shopper = make_shopper(email="saver@example.com")
    shopper.fill_cart((shop["peb"], 4))
    order = shopper.place(promotion_code="spring10")
    assert Redemption.objects.filter(order=order).exists()
    redemptions = reverse("admin:promotions_redemption_changelist")
    for term in ("Spring10", order.number.lower(), "SAVER@example.com"):
        assert len(client.get(redemptions, {"q": term}).context["cl"].result_list) == 1, term
    assert len(client.get(redemptions, {"q": "other"}).context["cl"].result_list) == 0
    payouts = reverse("admin:orders_sellerpayout_changelist")
    assert client.get(payouts, {"q": shop["speaker"].seller.company_name[:5]}).status_code == 200


def test_customer_search_by_part_of_an_email_or_a_name_along_the_trigram_indexes(client):  # type: ignore[no-untyped-def]
    from tests.factories import UserFactory

    # The staff user is listed too: a name of its own, not a random one that may hold "smith".
    client.force_login(StaffFactory(is_superuser=True, full_name="Site Admin"))
    UserFactory(email="jane.smith@example.com", full_name="Jane Smith")
    UserFactory(email="bob@example.org", full_name="Robert Smithers")
    UserFactory(email="carol_100%@example.net", full_name="Carol Hundred")
    url = reverse("admin:accounts_user_changelist")
    assert result_rows(client.get(url, {"q": "SMITH"})) == ["bob@example.org", "jane.smith@example.com"]
    assert result_rows(client.get(url, {"q": " Jane.Smith@Example.com "})) == ["jane.smith@example.com"]
    assert result_rows(client.get(url, {"q": "100%"})) == ["carol_100%@example.net"]  # % is literal
    assert result_rows(client.get(url, {"q": "_1"})) == ["carol_100%@example.net"]  # so is _
    assert result_rows(client.get(url, {"q": "qwxzy"})) == []
    with CaptureQueriesContext(connection) as queries:
        client.get(url, {"q": "smith"})
    searched = [q["sql"] for q in queries.captured_queries if '"accounts_user"."full_name"' in q["sql"]]
    assert searched and all("ILIKE" in sql and "UPPER(" not in sql for sql in searched)


def test_the_payment_status_filter_reads_the_failed_payments_index(client, shop):  # type: ignore[no-untyped-def]
    # Declines and failures are ~1 % of payment transactions: the changelist's newest-first
    # page of them walks a partial index of those rows only (orders 0010), never the
    # primary key through millions of successful ones (8.7 s cold at full scale).
    client.force_login(StaffFactory(is_superuser=True))
    populate(shop, 1)
    url = reverse("admin:orders_paymenttransaction_changelist")
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, {"status__exact": "declined"})
    assert response.status_code == 200
    page = [
        q["sql"]
        for q in ctx.captured_queries
        if 'FROM "orders_payment_transaction"' in q["sql"] and "ORDER BY" in q["sql"] and "LIMIT" in q["sql"]
    ]
    assert len(page) == 1, page
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")  # the test tables are tiny; the choice is between indexes
        try:
            cursor.execute("EXPLAIN " + page[0])
            plan = "\n".join(row[0] for row in cursor.fetchall())
        finally:
            cursor.execute("RESET enable_seqscan")
    assert "orders_payment_failed_idx" in plan, plan

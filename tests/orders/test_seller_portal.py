"""The seller portal: each seller sees and changes only its own products, stock, order
lines and payouts (by URL and by SQL in the seller scope); payouts are exact and idempotent."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, transaction

from accounts.models import SellerMember
from audit.models import AuditLog
from catalog.models import Variant
from orders import sellers, services
from orders.models import SellerPayout
from shopwave import dbcontext
from tests.conftest import acting_as, sql
from tests.factories import ProductFactory, SellerFactory, StaffFactory, UserFactory
from tests.orders.conftest import acting_as_shopper, make_shopper

pytestmark = pytest.mark.django_db


@pytest.fixture
def market(shop):  # type: ignore[no-untyped-def]
    a, b = (
        SellerFactory(company_name="Alpha Audio", commission_rate=Decimal("0.1000")),
        SellerFactory(company_name="Beta Books", commission_rate=Decimal("0.2000")),
    )
    pa = ProductFactory(
        seller=a, name="Alpha Phones", variants=[{"sku": "A-1", "price": Decimal("50.00"), "stock": 20}]
    )
    pb = ProductFactory(seller=b, name="Beta Novel", variants=[{"sku": "B-1", "price": Decimal("20.00"), "stock": 20}])
    draft = ProductFactory(seller=b, name="Beta Secret Draft", status="draft")
    ua, ub = UserFactory(), UserFactory()
    SellerMember.objects.create(seller=a, user=ua, role="owner")
    SellerMember.objects.create(seller=b, user=ub, role="owner")
    shopper = make_shopper()
    shopper.fill_cart((pa.variants.get(), 2), (pb.variants.get(), 1))
    order = shopper.place()
    with acting_as_shopper(shopper.user):
        services.order_pay(order=order)
    return {"a": a, "b": b, "pa": pa, "pb": pb, "draft": draft, "ua": ua, "ub": ub, "order": order, "shopper": shopper}


def test_the_portal_shows_only_the_sellers_own_sales_and_products(client, market):  # type: ignore[no-untyped-def]
    sql("SELECT * FROM reports_refresh_analytics()")  # the hourly job: the dashboard reads the view
    client.force_login(market["ua"])
    body = client.get("/seller/").content.decode()
    assert "Alpha Audio" in body and "$100.00" in body and "$10.00" in body and "$90.00" in body
    products = client.get("/seller/products/").content.decode()
    assert "Alpha Phones" in products and "Beta" not in products
    lines = client.get("/seller/orders/").content.decode()
    assert "A-1" in lines and "B-1" not in lines
    assert market["shopper"].address.line1 not in lines


def test_a_seller_cannot_change_another_sellers_stock(client, market):  # type: ignore[no-untyped-def]
    client.force_login(market["ua"])
    theirs = market["pb"].variants.get()
    response = client.post(
        f"/seller/variants/{theirs.pk}/stock/", {"stock": "0", "low_stock_threshold": "1"}, follow=True
    )
    assert "not yours" in response.content.decode()
    assert Variant.objects.get(pk=theirs.pk).stock == 19
    mine = market["pa"].variants.get()
    client.post(f"/seller/variants/{mine.pk}/stock/", {"stock": "42", "low_stock_threshold": "3"})
    assert Variant.objects.get(pk=mine.pk).stock == 42
    entry = AuditLog.objects.filter(table_name="catalog_variant", row_key=str(mine.pk)).order_by("-id").first()
    assert entry.db_role == "commerce_seller" and entry.after["stock"] == 42
    for bad in [{"stock": "-1", "low_stock_threshold": "1"}, {"stock": "x", "low_stock_threshold": "1"}]:
        client.post(f"/seller/variants/{mine.pk}/stock/", bad)
    assert Variant.objects.get(pk=mine.pk).stock == 42


def test_in_the_seller_scope_sql_sees_only_the_sellers_rows(market):  # type: ignore[no-untyped-def]
    with acting_as(dbcontext.SELLER, market["ua"].pk, market["a"].pk):
        assert sql("SELECT name FROM catalog_product") == [("Alpha Phones",)]
        assert {s for (s,) in sql("SELECT sku FROM catalog_variant")} == {"A-1"}
        assert sql("SELECT sku FROM orders_order_item") == [("A-1",)]
        assert sql("SELECT count(*) FROM orders_order") == [(1,)]
        with pytest.raises(DatabaseError, match="permission denied"), transaction.atomic():
            sql("SELECT ship_line1 FROM orders_order")
        with connection_cursor() as cursor:
            cursor.execute("UPDATE catalog_variant SET stock = 0 WHERE sku = 'B-1'")
            assert cursor.rowcount == 0
        with pytest.raises(DatabaseError, match="permission denied"), transaction.atomic():
            sql("UPDATE catalog_variant SET price = 1 WHERE sku = 'A-1'")


def test_a_shopper_who_is_no_seller_gets_403(client, market):  # type: ignore[no-untyped-def]
    client.force_login(market["shopper"].user)
    assert client.get("/seller/").status_code == 403
    assert client.get("/seller/").status_code == 403
    client.logout()
    assert client.get("/seller/").status_code == 302


def test_payouts_are_exact_idempotent_and_only_for_closed_months(market):  # type: ignore[no-untyped-def]
    order = market["order"]
    with acting_as("commerce_manager", StaffFactory().pk):
        for status in ("processing", "shipped", "delivered"):
            services.order_set_status(order=order, status=status, tracking_number="T1")
    month = order.placed_at.date().replace(day=1)
    with pytest.raises(sellers.SellerError, match="not closed"):
        sellers.compute_payouts(period=month, today=order.placed_at.date())
    next_month = (month + datetime.timedelta(days=32)).replace(day=1)
    run = sellers.compute_payouts(period=month, today=next_month)
    assert (run.created, run.existing) == (2, 0)
    payouts = {p.seller_id: (p.lines, p.gross, p.commission, p.net) for p in SellerPayout.objects.all()}
    assert payouts == {
        market["a"].pk: (1, Decimal("100.00"), Decimal("10.00"), Decimal("90.00")),
        market["b"].pk: (1, Decimal("20.00"), Decimal("4.00"), Decimal("16.00")),
    }
    again = sellers.compute_payouts(period=month, today=next_month)
    assert (again.created, again.existing) == (0, 2)
    with pytest.raises(CommandError, match="not closed"):
        call_command("compute_payouts", "--period", datetime.date.today().strftime("%Y-%m"))
    with pytest.raises(CommandError, match="must look like"):
        call_command("compute_payouts", "--period", "2026-13")
    with acting_as(dbcontext.SELLER, market["ub"].pk, market["b"].pk):
        assert sql("SELECT net FROM orders_seller_payout") == [(Decimal("16.00"),)]


def connection_cursor():  # type: ignore[no-untyped-def]
    from django.db import connection

    return connection.cursor()


def test_dashboard_months_come_from_the_analytics_view(market):  # type: ignore[no-untyped-def]
    """QP-06: the months are read from the seller x month analytics view, as of its last
    refresh; each seller sees only its own."""
    a, b = market["a"], market["b"]
    # A second paid order, moved to an earlier month by the owner (a data fix outside the
    # app's rules, so the order guard triggers are set aside for it).
    shopper = make_shopper()
    shopper.fill_cart((market["pa"].variants.get(), 1))
    older = shopper.place()
    with acting_as_shopper(shopper.user):
        services.order_pay(order=older)
    sql("SET CONSTRAINTS ALL IMMEDIATE")
    sql("ALTER TABLE orders_order DISABLE TRIGGER USER")
    sql("UPDATE orders_order SET placed_at = placed_at - interval '40 days' WHERE id = %s", [older.pk])
    sql("ALTER TABLE orders_order ENABLE TRIGGER USER")
    [(past_month,)] = sql(
        "SELECT to_char(placed_at AT TIME ZONE 'UTC', 'YYYY-MM') FROM orders_order WHERE id = %s", [older.pk]
    )
    this_month = datetime.datetime.now(datetime.UTC).strftime("%Y-%m")

    with acting_as(dbcontext.SELLER, market["ua"].pk, a.pk):
        before = sellers.monthly_sales(seller_id=a.pk)
    assert before == []  # the view has not been refreshed since the orders were placed

    sql("SELECT * FROM reports_refresh_analytics()")
    with acting_as(dbcontext.SELLER, market["ua"].pk, a.pk):
        rows = {row["month"]: row for row in sellers.monthly_sales(seller_id=a.pk)}
        assert sellers.monthly_sales(seller_id=b.pk) == []  # asking for another seller gets nothing
        with pytest.raises(DatabaseError, match="permission denied"), transaction.atomic():
            sql("SELECT * FROM reports_seller_monthly_sales")
    assert (rows[this_month]["units"], rows[this_month]["revenue"], rows[this_month]["commission"]) == (
        2,
        Decimal("100.00"),
        Decimal("10.00"),
    )
    assert (rows[past_month]["orders"], rows[past_month]["revenue"], rows[past_month]["net"]) == (
        1,
        Decimal("50.00"),
        Decimal("45.00"),
    )
    with acting_as(dbcontext.SELLER, market["ub"].pk, b.pk):
        assert [(r["month"], r["revenue"]) for r in sellers.monthly_sales(seller_id=b.pk)] == [
            (this_month, Decimal("20.00"))
        ]


def test_the_sellers_order_lines_list_the_newest_orders_first(client, market):  # type: ignore[no-untyped-def]
    later = make_shopper()
    later.fill_cart((market["pa"].variants.get(), 1))
    newer = later.place()
    client.force_login(market["ua"])
    lines = client.get("/seller/orders/").content.decode()
    assert lines.index(newer.number) < lines.index(market["order"].number)

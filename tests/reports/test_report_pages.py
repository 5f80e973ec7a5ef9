"""Staff reports: exact numbers on a hand-built data set, validated input, CSV of the rows
shown, and who may open them."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.utils import timezone

from catalog.models import Variant
from orders import services
from reports import selectors
from tests.conftest import sql
from tests.factories import CategoryFactory, ProductFactory, StaffFactory, UserFactory
from tests.orders.conftest import acting_as_shopper, make_shopper

pytestmark = pytest.mark.django_db


def paid(shopper, *lines, placed_at=None):  # type: ignore[no-untyped-def]
    shopper.fill_cart(*lines)
    order = shopper.place()
    with acting_as_shopper(shopper.user):
        services.order_pay(order=order)
    if placed_at:
        # Back-date it (orders are immutable: the guard is lifted for the fixture only).
        sql("SET CONSTRAINTS ALL IMMEDIATE")
        sql("ALTER TABLE orders_order DISABLE TRIGGER orders_order_guard")
        sql("UPDATE orders_order SET placed_at = %s WHERE id = %s", [placed_at, order.pk])
        sql("ALTER TABLE orders_order ENABLE TRIGGER orders_order_guard")
    return order


@pytest.fixture
def data(shop):  # type: ignore[no-untyped-def]
    audio = CategoryFactory(name="Audio")
    phones = CategoryFactory(name="Headphones", parent=audio)
    books = CategoryFactory(name="Books")
    hp = ProductFactory(
        name="HP One", categories=[phones], variants=[{"sku": "HP1", "price": Decimal("100.00"), "stock": 50}]
    )
    book = ProductFactory(
        name="Book One", categories=[books], variants=[{"sku": "BK1", "price": Decimal("10.00"), "stock": 5}]
    )
    a, b, c, d = (make_shopper() for _ in range(4))
    jan, feb = (
        datetime.datetime(2026, 1, 15, 12, tzinfo=datetime.UTC),
        datetime.datetime(2026, 2, 10, 12, tzinfo=datetime.UTC),
    )
    hpv, bkv = Variant.objects.get(sku="HP1"), Variant.objects.get(sku="BK1")
    paid(a, (hpv, 1), placed_at=jan)  # 100 in January
    paid(b, (bkv, 2), placed_at=jan)  # 20 in January
    paid(a, (hpv, 1), (bkv, 1), placed_at=feb)  # 110 in February
    paid(c, (bkv, 1), placed_at=feb)  # 10 in February
    refunded = paid(d, (hpv, 2), placed_at=feb)  # refunded: excluded
    with acting_as_shopper(d.user):
        services.order_cancel(order=refunded)
    call_command("refresh_analytics")
    return {"audio": audio, "phones": phones, "books": books, "hp": hp, "book": book, "a": a, "b": b, "c": c}


def test_monthly_revenue_and_growth(data):  # type: ignore[no-untyped-def]
    table = selectors.monthly_revenue(start=datetime.date(2026, 1, 1), end=datetime.date(2026, 2, 28))
    assert table.rows == [("2026-01", Decimal("120.00"), 2, None), ("2026-02", Decimal("120.00"), 2, Decimal("0.0"))]


def test_loyalty_quartiles_and_ltv(data):  # type: ignore[no-untyped-def]
    table = selectors.loyalty_quartiles()
    # Lifetime revenue: a 210, b 20, c 10 (d's order was cancelled): three customers, three quartiles.
    assert [(r[0], r[1], r[2], r[3]) for r in table.rows] == [
        (1, 1, Decimal("210.00"), Decimal("210.00")),
        (2, 1, Decimal("20.00"), Decimal("20.00")),
        (3, 1, Decimal("10.00"), Decimal("10.00")),
    ]
    top = selectors.top_customers()
    assert top.rows[0][:3] == (data["a"].user.pk, 2, Decimal("210.00"))


def test_loyalty_quartiles_are_ranked_at_refresh_like_ntile(data):  # type: ignore[no-untyped-def]
    # Two more customers at 100 each: five customers (a 210, e 100, f 100, b 20, c 10),
    # NTILE(4) sizes 2, 1, 1, 1, the tie between e and f broken by customer id.
    e, f = make_shopper(), make_shopper()
    hpv = Variant.objects.get(sku="HP1")
    paid(e, (hpv, 1))
    paid(f, (hpv, 1))
    assert [r[1] for r in selectors.loyalty_quartiles().rows] == [1, 1, 1], "as of the last refresh"
    call_command("refresh_analytics")
    table = selectors.loyalty_quartiles()
    assert [(r[0], r[1], r[2], r[3]) for r in table.rows] == [
        (1, 2, Decimal("100.00"), Decimal("210.00")),
        (2, 1, Decimal("100.00"), Decimal("100.00")),
        (3, 1, Decimal("20.00"), Decimal("20.00")),
        (4, 1, Decimal("10.00"), Decimal("10.00")),
    ]
    stored = sql("SELECT user_id, revenue_quartile FROM reports_customer_ltv ORDER BY user_id")
    live = sql(
        "SELECT user_id, ntile(4) OVER (ORDER BY revenue DESC, user_id) FROM reports_customer_ltv ORDER BY user_id"
    )
    assert stored == live
    first, second = sorted([e.user.pk, f.user.pk])
    assert dict(stored)[first] == 1 and dict(stored)[second] == 2


def test_rankings_sales_by_category_and_low_stock(data):  # type: ignore[no-untyped-def]
    best = selectors.best_sellers_per_category()
    assert [(r[0], r[1], r[2], r[3]) for r in best.rows if r[0] in {"Audio", "Books"}] == [
        ("Audio", 1, "HP One", 2),
        ("Books", 1, "Book One", 4),
    ]
    sales = selectors.sales_by_category(start=datetime.date(2026, 1, 1), end=datetime.date(2026, 12, 31))
    by_name = {r[1]: (r[3], r[4]) for r in sales.rows}
    assert by_name["Audio"] == (2, Decimal("200.00")) and by_name["Books"] == (4, Decimal("40.00"))
    drill = selectors.sales_by_category(
        start=datetime.date(2026, 1, 1), end=datetime.date(2026, 12, 31), parent_id=data["audio"].pk
    )
    assert [(r[1], r[4]) for r in drill.rows] == [("Headphones", Decimal("200.00"))]
    january = selectors.sales_by_category(start=datetime.date(2026, 1, 1), end=datetime.date(2026, 1, 31))
    assert {r[1]: r[4] for r in january.rows}["Audio"] == Decimal("100.00")
    low = selectors.low_stock()
    # BK1: 5 - 4 sold = 1 left, under its threshold of 5; its sales are older than 30 days.
    assert [r for r in low.rows if r[0] in {"BK1", "HP1"}] == [
        ("BK1", "Book One", "Variant 0", 1, 5, 0, Decimal("0.00"), None)
    ]


def test_kpis_this_month_vs_last():  # type: ignore[no-untyped-def]
    table = selectors.kpis(month=timezone.localdate())
    assert [r[0] for r in table.rows] == ["Revenue", "Orders", "Average order value", "New customers"]


@pytest.mark.parametrize(
    "params",
    [
        {"start": "2026-03-01", "end": "2026-01-01"},
        {"start": "yesterday", "end": "2026-01-01"},
        {"start": "2026-02-30", "end": "2026-03-01"},
        {"start": "1900-01-01", "end": "2026-01-01"},
        {"parent": "999999"},
        {"parent": "abc"},
        {"month": "2026-13"},
    ],
)
def test_bad_report_input_gets_a_clear_400(client, data, params):  # type: ignore[no-untyped-def]
    client.force_login(StaffFactory(is_superuser=True))
    for url in [
        "/admin/staff-reports/sales-by-category/",
        "/admin/staff-reports/monthly-revenue/",
        "/admin/staff-reports/kpis/",
    ]:
        response = client.get(url, params)
        assert response.status_code in (200, 400)
        if response.status_code == 400:
            assert b"errorlist" in response.content


def test_every_report_renders_and_exports_the_rows_shown(client, data):  # type: ignore[no-untyped-def]
    client.force_login(StaffFactory(is_superuser=True))
    assert b"staff-reports/kpis" in client.get("/admin/").content
    for slug in ["kpis", "monthly-revenue", "customers", "best-sellers", "top-rated", "sales-by-category", "low-stock"]:
        page = client.get(f"/admin/staff-reports/{slug}/", {"start": "2026-01-01", "end": "2026-12-31"})
        assert page.status_code == 200, slug
        export = client.get(
            f"/admin/staff-reports/{slug}/", {"start": "2026-01-01", "end": "2026-12-31", "format": "csv"}
        )
        assert export["Content-Type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(export.content.decode())))
        assert rows[0] == page.context["table"].columns
        assert len(rows) - 1 == len(page.context["table"].rows)


def test_analysts_may_open_reports_shoppers_may_not(client, data):  # type: ignore[no-untyped-def]
    analyst = StaffFactory()
    analyst.groups.add(Group.objects.get(name="Analysts"))
    client.force_login(analyst)
    for slug in ["kpis", "customers", "sales-by-category", "low-stock", "best-sellers", "top-rated"]:
        assert client.get(f"/admin/staff-reports/{slug}/").status_code == 200, slug
    client.force_login(UserFactory())
    assert client.get("/admin/staff-reports/kpis/").status_code == 302


def test_best_sellers_are_the_same_from_the_candidates_or_read_in_full(data):  # type: ignore[no-untyped-def]
    # One candidate: every other department is read in full; the ranking must not change.
    assert selectors.best_sellers_per_category(candidates=1).rows == selectors.best_sellers_per_category().rows
    assert selectors.best_sellers_per_category(per_category=1, candidates=1).rows == [
        r for r in selectors.best_sellers_per_category().rows if r[1] == 1
    ]


def test_top_rated_per_department_reads_the_listing(data):  # type: ignore[no-untyped-def]
    from tests.factories import ReviewFactory, UserFactory

    for rating in (5, 4, 5):
        ReviewFactory(product=data["book"], user=UserFactory(), rating=rating)
    table = selectors.top_rated_per_category(min_reviews=3)
    assert [(r[0], r[1], r[2], r[4]) for r in table.rows] == [("Books", 1, "Book One", 3)]
    assert selectors.top_rated_per_category(min_reviews=4).rows == []

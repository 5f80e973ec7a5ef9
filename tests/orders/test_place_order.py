"""The place-order routine, promotions, the payment saga and the order lifecycle."""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone

from catalog.models import Review
from orders import services
from orders.models import CartItem, Order, PaymentTransaction
from promotions.models import Redemption
from shopwave.dbcontext import CUSTOMER
from tests.conftest import acting_as, sql
from tests.factories import CategoryFactory, ProductFactory, PromotionFactory, ReviewFactory
from tests.orders.conftest import DECLINE, acting_as_shopper, make_shopper, stock

pytestmark = pytest.mark.django_db


def test_an_order_snapshots_lines_and_computes_exact_totals(shop):  # type: ignore[no-untyped-def]
    shopper = make_shopper()
    shopper.fill_cart((shop["aur"], 2), (shop["peb"], 1))
    order = shopper.place()
    # 2 x 19.99 + 7.50 = 47.48 < 50 so shipping 4.99; tax 5.5 % of 52.47 = 2.88585 -> 2.89
    assert (order.subtotal, order.discount, order.shipping, order.tax, order.total) == (
        Decimal("47.48"),
        Decimal("0.00"),
        Decimal("4.99"),
        Decimal("2.89"),
        Decimal("55.36"),
    )
    assert order.status == "pending_payment" and order.number.startswith("SW-")
    lines = {i.sku: i for i in order.items.all()}
    assert lines["AUR-1"].product_name == "Aurora Headphones"
    assert (lines["AUR-1"].unit_price, lines["AUR-1"].quantity, lines["AUR-1"].line_total) == (
        Decimal("19.99"),
        2,
        Decimal("39.98"),
    )
    assert (order.ship_city, order.card_last4) == (shopper.address.city, "4242")
    assert (stock(shop["aur"]), stock(shop["peb"])) == (8, 4)
    assert not CartItem.objects.filter(cart__user=shopper.user).exists()
    assert [(h.from_status, h.to_status) for h in order.history.all()] == [("", "pending_payment")]
    # Prices changed later do not change the order.
    sql("UPDATE catalog_variant SET price = 99 WHERE sku = 'AUR-1'")
    order.refresh_from_db()
    assert order.total == Decimal("55.36")


def test_free_shipping_over_the_threshold_and_no_tax_elsewhere(shop):  # type: ignore[no-untyped-def]
    shopper = make_shopper()
    sql("UPDATE accounts_address SET country = 'GB', region = '' WHERE id = %s", [shopper.address.pk])
    shopper.fill_cart((shop["aur"], 3))
    order = shopper.place()
    assert (order.subtotal, order.shipping, order.tax, order.total) == (
        Decimal("59.97"),
        Decimal("0.00"),
        Decimal("0.00"),
        Decimal("59.97"),
    )


def test_percentage_and_fixed_promotions_with_line_allocation(shop):  # type: ignore[no-untyped-def]
    PromotionFactory(code="TENOFF", kind="percentage", value=Decimal("10"))
    shopper = make_shopper()
    shopper.fill_cart((shop["aur"], 2), (shop["peb"], 1))
    order = shopper.place(promotion_code="tenoff")
    assert order.discount == Decimal("4.75")  # 10 % of 47.48, half-up
    assert sum(i.discount for i in order.items.all()) == order.discount
    assert order.promotion_code == "TENOFF"
    assert Redemption.objects.get(order=order).amount == Decimal("4.75")

    PromotionFactory(code="FIVER", kind="fixed", value=Decimal("5.00"), scope="products", products=[shop["speaker"]])
    other = make_shopper()
    other.fill_cart((shop["aur"], 1), (shop["peb"], 1))
    order = other.place(promotion_code="FIVER")
    # Only the speaker (7.50) is in scope: the discount is capped by the in-scope lines.
    assert order.discount == Decimal("5.00")
    assert {i.sku: i.discount for i in order.items.all()} == {"AUR-1": Decimal("0.00"), "PEB-1": Decimal("5.00")}


def test_category_scope_includes_subcategories(shop):  # type: ignore[no-untyped-def]
    audio = CategoryFactory(name="Audio")
    headphones_cat = CategoryFactory(name="Headphones", parent=audio)
    product = ProductFactory(categories=[headphones_cat], variants=[{"sku": "CAT-1", "price": Decimal("100")}])
    PromotionFactory(code="AUDIO20", value=Decimal("20"), scope="categories", categories=[audio])
    shopper = make_shopper()
    shopper.fill_cart((product.variants.get(), 1), (shop["peb"], 1))
    assert shopper.place(promotion_code="AUDIO20").discount == Decimal("20.00")


@pytest.mark.parametrize(
    ("promotion", "code", "expected"),
    [
        ({}, "NOPE", "promotion_unknown"),
        ({"is_active": False}, "PROMO", "promotion_unknown"),
        (
            {
                "ends_at": timezone.now() - datetime.timedelta(hours=1),
                "starts_at": timezone.now() - datetime.timedelta(days=2),
            },
            "PROMO",
            "promotion_expired",
        ),
        (
            {
                "starts_at": timezone.now() + datetime.timedelta(days=1),
                "ends_at": timezone.now() + datetime.timedelta(days=2),
            },
            "PROMO",
            "promotion_not_yet_valid",
        ),
        ({"minimum_purchase": Decimal("500")}, "PROMO", "promotion_below_minimum"),
        ({"scope": "products"}, "PROMO", "promotion_not_applicable"),
        ({"max_uses": 0}, "PROMO", "promotion_exhausted"),
    ],
)
def test_invalid_promotions_give_a_specific_reason_and_write_nothing(shop, promotion, code, expected):  # type: ignore[no-untyped-def]
    PromotionFactory(code="PROMO", **promotion)
    shopper = make_shopper()
    shopper.fill_cart((shop["aur"], 1))
    with pytest.raises(services.OrderError) as failure:
        shopper.place(promotion_code=code)
    assert failure.value.code == expected
    assert failure.value.message == services.PROMOTION_MESSAGES[expected.removeprefix("promotion_")]
    assert Order.objects.count() == 0 and stock(shop["aur"]) == 10
    assert CartItem.objects.filter(cart__user=shopper.user).count() == 1


def test_a_code_used_once_cannot_be_used_again_by_the_same_shopper(shop):  # type: ignore[no-untyped-def]
    PromotionFactory(code="ONCE", per_customer_limit=1)
    shopper = make_shopper()
    shopper.fill_cart((shop["aur"], 1))
    shopper.place(promotion_code="ONCE")
    shopper.fill_cart((shop["aur"], 1))
    with pytest.raises(services.OrderError) as failure:
        shopper.place(promotion_code="ONCE")
    assert failure.value.code == "promotion_already_used"


def test_the_database_holds_promotion_limits_against_raw_redemptions(shop):  # type: ignore[no-untyped-def]
    promo = PromotionFactory(code="RAW", max_uses=1, per_customer_limit=1)
    a, b = make_shopper(), make_shopper()
    for s in (a, b):
        s.fill_cart((shop["peb"], 1))
    order_a, order_b = a.place(), b.place()
    sql(
        "INSERT INTO promotions_redemption (promotion_id, order_id, user_id, amount, created_at)"
        " VALUES (%s, %s, %s, 1, now())",
        [promo.pk, order_a.pk, a.user.pk],
    )
    with pytest.raises(IntegrityError, match="max_uses"), transaction.atomic():
        sql(
            "INSERT INTO promotions_redemption (promotion_id, order_id, user_id, amount, created_at)"
            " VALUES (%s, %s, %s, 1, now())",
            [promo.pk, order_b.pk, b.user.pk],
        )
    with pytest.raises(IntegrityError, match="discount_max"), transaction.atomic():
        sql(
            "INSERT INTO orders_order (number, user_id, status, currency, subtotal, discount, shipping, tax, total,"
            " tax_rate, promotion_code, ship_name, ship_line1, ship_line2, ship_city, ship_region,"
            " ship_postal_code, ship_country, shipping_method_code, shipping_method_name, payment_token,"
            " card_brand, card_last4, idempotency_key, tracking_number, placed_at, updated_at)"
            " VALUES ('X-1', %s, 'pending_payment', 'USD', 10, 11, 0, 0, -1, 0, '', 'n', 'l', '', 'c', '', 'p',"
            " 'US', 's', 's', 't', 'visa', '4242', gen_random_uuid(), '', now(), now())",
            [a.user.pk],
        )


def test_a_repeated_idempotency_key_returns_the_same_order(shop):  # type: ignore[no-untyped-def]
    shopper = make_shopper()
    shopper.fill_cart((shop["aur"], 1))
    key = uuid.uuid4()
    first = shopper.place(key=key)
    second = shopper.place(key=key)
    assert first.pk == second.pk and Order.objects.count() == 1 and stock(shop["aur"]) == 9


def test_out_of_stock_and_empty_cart_write_nothing(shop):  # type: ignore[no-untyped-def]
    shopper = make_shopper()
    shopper.fill_cart((shop["aur"], 11))
    with pytest.raises(services.OrderError) as failure:
        shopper.place()
    assert failure.value.code == "out_of_stock" and "AUR-1" in failure.value.message
    assert Order.objects.count() == 0 and stock(shop["aur"]) == 10
    CartItem.objects.filter(cart__user=shopper.user).delete()
    with pytest.raises(services.OrderError) as failure:
        shopper.place()
    assert failure.value.code == "empty_cart"


def test_someone_elses_address_or_card_is_not_found(shop):  # type: ignore[no-untyped-def]
    me, other = make_shopper(), make_shopper()
    me.fill_cart((shop["aur"], 1))
    with acting_as_shopper(me.user):
        for kwargs in [
            {"address_id": other.address.pk, "payment_method_id": me.card.pk},
            {"address_id": me.address.pk, "payment_method_id": other.card.pk},
        ]:
            with pytest.raises(services.OrderError) as failure:
                services.order_place(
                    shipping_code="standard", promotion_code="", idempotency_key=uuid.uuid4(), **kwargs
                )
            assert failure.value.code == "not_found"
        with pytest.raises(services.OrderError):
            services.order_place(
                address_id=me.address.pk,
                payment_method_id=me.card.pk,
                shipping_code="teleport",
                promotion_code="",
                idempotency_key=uuid.uuid4(),
            )
    assert Order.objects.count() == 0 and stock(shop["aur"]) == 10


def test_successful_payment_marks_the_order_paid_and_mails_the_shopper(shop, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    shopper = make_shopper()
    shopper.fill_cart((shop["aur"], 1))
    order = shopper.place()
    with acting_as_shopper(shopper.user), django_capture_on_commit_callbacks(execute=True):
        assert services.order_pay(order=order) == "paid"
    assert [(p.kind, p.status) for p in PaymentTransaction.objects.filter(order=order)] == [
        ("authorize", "succeeded"),
        ("capture", "succeeded"),
    ]
    assert [h.to_status for h in order.history.all()] == ["pending_payment", "paid"]
    assert len(mail.outbox) == 1 and order.number in mail.outbox[0].subject


def test_a_declined_card_fails_the_order_and_restores_stock(shop):  # type: ignore[no-untyped-def]
    shopper = make_shopper(card_number=DECLINE)
    shopper.fill_cart((shop["aur"], 3))
    order = shopper.place()
    assert stock(shop["aur"]) == 7
    with acting_as_shopper(shopper.user):
        assert services.order_pay(order=order) == "payment_failed"
    assert stock(shop["aur"]) == 10
    assert not PaymentTransaction.objects.filter(order=order, kind="capture").exists()
    assert PaymentTransaction.objects.get(order=order, kind="authorize").status == "declined"


def test_a_crash_between_authorize_and_capture_is_resolved_once(shop):  # type: ignore[no-untyped-def]
    shopper = make_shopper()
    shopper.fill_cart((shop["aur"], 1))
    order = shopper.place()
    import processor

    result = processor.authorize(
        token=order.payment_token, amount=order.total, currency="USD", idempotency_key=f"{order.number}:authorize"
    )
    with acting_as_shopper(shopper.user):
        services._record(order, "authorize", result, order.total)
    # ... and the process died here. The operator's cron job finishes the saga.
    call_command("resolve_pending_orders", "--older-than", "0")
    order.refresh_from_db()
    assert order.status == "paid"
    call_command("resolve_pending_orders", "--older-than", "0")
    assert PaymentTransaction.objects.filter(order=order).count() == 2
    assert [h.to_status for h in order.history.all()] == ["pending_payment", "paid"]


def test_order_numbers_and_payment_keys_are_compared_byte_by_byte() -> None:
    # Collation "C" (orders 0011): the same order as C.UTF-8 for these ASCII identifiers,
    # without strcoll() in their unique indexes' builds and lookups.
    assert sql(
        "SELECT table_name::text, column_name::text, collation_name::text FROM information_schema.columns"
        " WHERE (table_name, column_name) IN (('orders_order', 'number'), ('orders_payment_transaction',"
        " 'idempotency_key')) ORDER BY 1"
    ) == [("orders_order", "number", "C"), ("orders_payment_transaction", "idempotency_key", "C")]


def test_a_crash_before_any_payment_step_is_resolved_too(shop):  # type: ignore[no-untyped-def]
    shopper = make_shopper(card_number=DECLINE)
    shopper.fill_cart((shop["aur"], 2))
    order = shopper.place()
    call_command("resolve_pending_orders", "--older-than", "0")
    order.refresh_from_db()
    assert order.status == "payment_failed" and stock(shop["aur"]) == 10


@pytest.mark.parametrize(
    ("path", "illegal"),
    [
        (["paid", "processing", "shipped", "delivered"], "pending_payment"),
        (["cancelled"], "shipped"),
        (["payment_failed"], "paid"),
        (["paid"], "delivered"),
        (["paid", "refunded"], "processing"),
    ],
)
def test_illegal_status_changes_fail_in_the_database(shop, path, illegal):  # type: ignore[no-untyped-def]
    shopper = make_shopper()
    shopper.fill_cart((shop["peb"], 1))
    order = shopper.place()
    for status in path:
        sql("UPDATE orders_order SET status = %s WHERE id = %s", [status, order.pk])
    with pytest.raises(DatabaseError, match="not an allowed status change"), transaction.atomic():
        sql("UPDATE orders_order SET status = %s WHERE id = %s", [illegal, order.pk])
    assert [h.to_status for h in Order.objects.get(pk=order.pk).history.all()] == ["pending_payment", *path]


def test_placed_orders_and_lines_are_immutable(shop):  # type: ignore[no-untyped-def]
    shopper = make_shopper()
    shopper.fill_cart((shop["peb"], 1))
    order = shopper.place()
    for statement in [
        "UPDATE orders_order SET total = 0.01, subtotal = 0.01, shipping = 0, tax = 0 WHERE id = %s",
        "UPDATE orders_order SET ship_city = 'Elsewhere' WHERE id = %s",
        "UPDATE orders_order_item SET unit_price = 0, line_total = 0 WHERE order_id = %s",
        "DELETE FROM orders_order_item WHERE order_id = %s",
    ]:
        with pytest.raises(DatabaseError, match="cannot"), transaction.atomic():
            sql(statement, [order.pk])


def test_shopper_cancel_restores_stock_and_refunds_a_paid_order(shop):  # type: ignore[no-untyped-def]
    shopper = make_shopper()
    shopper.fill_cart((shop["aur"], 2))
    order = shopper.place()
    with acting_as_shopper(shopper.user):
        services.order_pay(order=order)
        services.order_cancel(order=order)
    order.refresh_from_db()
    assert order.status == "cancelled" and stock(shop["aur"]) == 10
    assert PaymentTransaction.objects.filter(order=order, kind="refund", status="succeeded").count() == 1
    with acting_as_shopper(shopper.user), pytest.raises(services.OrderError):
        services.order_cancel(order=order)


def test_staff_lifecycle_refund_and_verified_purchase(shop):  # type: ignore[no-untyped-def]
    shopper = make_shopper()
    review = ReviewFactory(product=shop["headphones"], user=shopper.user)
    assert not review.is_verified_purchase
    shopper.fill_cart((shop["aur"], 1))
    order = shopper.place()
    with acting_as_shopper(shopper.user):
        services.order_pay(order=order)
    with acting_as("commerce_manager", shopper.user.pk):
        services.order_set_status(order=order, status="processing")
        with pytest.raises(services.OrderError, match="tracking number"):
            services.order_set_status(order=order, status="shipped")
        services.order_set_status(order=order, status="shipped", tracking_number="1Z999")
        services.order_set_status(order=order, status="delivered")
        with pytest.raises(services.OrderError):
            services.order_set_status(order=order, status="processing")
    review.refresh_from_db()
    assert review.is_verified_purchase
    assert Review.objects.filter(pk=review.pk, is_verified_purchase=True).exists()
    with acting_as("commerce_manager", shopper.user.pk):
        services.order_set_status(order=order, status="refunded")
    assert stock(shop["aur"]) == 10
    history = [(h.to_status, h.db_role) for h in Order.objects.get(pk=order.pk).history.all()]
    assert history[-1] == ("refunded", "commerce_manager")


def test_shoppers_see_none_of_another_shoppers_orders(shop, client):  # type: ignore[no-untyped-def]
    a, b = make_shopper(), make_shopper()
    a.fill_cart((shop["aur"], 1))
    order = a.place()
    with acting_as_shopper(a.user):
        services.order_pay(order=order)
    a.fill_cart((shop["peb"], 1))
    client.force_login(b.user)
    assert client.get(f"/account/orders/{order.number}/").status_code == 404
    assert client.post(f"/account/orders/{order.number}/cancel/").status_code == 404
    with acting_as(CUSTOMER, b.user.pk):
        for table in [
            "orders_order",
            "orders_order_item",
            "orders_payment_transaction",
            "orders_order_status_history",
            "orders_cart",
            "orders_cart_item",
        ]:
            assert sql(f"SELECT count(*) FROM {table}") == [(0,)], table
        with pytest.raises(DatabaseError, match="permission denied"), transaction.atomic():
            sql("UPDATE orders_order SET status = 'cancelled' WHERE id = %s", [order.pk])
        with pytest.raises(DatabaseError, match="not found"), transaction.atomic():
            sql("SELECT order_cancel(%s)", [order.pk])
    client.force_login(a.user)
    assert client.get(f"/account/orders/{order.number}/").status_code == 200


def test_units_sold_follow_paid_orders_and_integrity_holds(shop):  # type: ignore[no-untyped-def]
    from orders.integrity import run_order_checks

    shopper = make_shopper()
    shopper.fill_cart((shop["aur"], 3))
    order = shopper.place()
    shop["headphones"].refresh_from_db()
    assert shop["headphones"].units_sold == 0  # placing does not touch product rows
    with acting_as_shopper(shopper.user):
        services.order_pay(order=order)
    shop["headphones"].refresh_from_db()
    assert shop["headphones"].units_sold == 3
    assert [r.message for r in run_order_checks() if not r.ok] == []
    with acting_as_shopper(shopper.user):
        services.order_cancel(order=order)
    shop["headphones"].refresh_from_db()
    assert shop["headphones"].units_sold == 0
    sql("UPDATE orders_order_status_history SET to_status = 'paid' WHERE order_id = %s", [order.pk])
    assert {r.name for r in run_order_checks() if not r.ok} == {"status history"}

"""Checkouts that really race: threads, each with its own connection, against PostgreSQL."""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.db import connections

from catalog.models import Variant
from orders import services
from orders.models import Order, OrderItem
from promotions.models import Promotion, Redemption
from tests.factories import ProductFactory, PromotionFactory
from tests.orders.conftest import Shopper, acting_as_shopper, make_shopper

pytestmark = [pytest.mark.concurrency, pytest.mark.django_db(transaction=True)]


def race(workers: list[Callable[[], object]], *, timeout: float = 120) -> list[object]:
    """Start all workers at the same instant; return what each returned or raised."""
    results: list[object] = [None] * len(workers)
    barrier = threading.Barrier(len(workers))

    def run(index: int, work: Callable[[], object]) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = work()
        except BaseException as exc:
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, w)) for i, w in enumerate(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=timeout)
    assert not any(t.is_alive() for t in threads), "a worker hung"
    return results


def checkout(shopper: Shopper, *, promotion_code: str = "", key: uuid.UUID | None = None) -> Callable[[], object]:
    def work() -> object:
        with acting_as_shopper(shopper.user):
            try:
                return services.order_place(
                    address_id=shopper.address.pk,
                    shipping_code="standard",
                    payment_method_id=shopper.card.pk,
                    promotion_code=promotion_code,
                    idempotency_key=key or uuid.uuid4(),
                )
            except services.OrderError as exc:
                return exc

    return work


def test_fifty_buyers_for_ten_units_exactly_ten_win(shop):  # type: ignore[no-untyped-def]
    variant = shop["aur"]
    buyers = [make_shopper() for _ in range(50)]
    for buyer in buyers:
        buyer.fill_cart((variant, 1))
    results = race([checkout(b) for b in buyers])
    winners = [r for r in results if isinstance(r, Order)]
    losers = [r for r in results if isinstance(r, services.OrderError)]
    others = [r for r in results if not isinstance(r, Order | services.OrderError)]
    assert others == []
    assert len(winners) == 10 and len(losers) == 40
    assert {e.code for e in losers} == {"out_of_stock"}
    assert Variant.objects.get(pk=variant.pk).stock == 0
    assert Order.objects.count() == 10


def test_random_multiline_carts_for_ten_seconds_never_deadlock_or_lose_stock(shop):  # type: ignore[no-untyped-def]
    variants = [shop["aur"], shop["peb"]]
    variants += [
        ProductFactory(variants=[{"sku": f"RACE-{n}", "price": Decimal("3.00"), "stock": 40}]).variants.get()
        for n in range(6)
    ]
    initial = {v.pk: Variant.objects.get(pk=v.pk).stock for v in variants}
    shoppers = [make_shopper() for _ in range(20)]
    deadline = time.monotonic() + 10
    rng = random.Random(7)  # noqa: S311 -- test data, not security

    def worker(shopper: Shopper, seed: int) -> Callable[[], object]:
        local = random.Random(seed)  # noqa: S311

        def work() -> object:
            outcomes: Counter[str] = Counter()
            while time.monotonic() < deadline:
                lines = local.sample(variants, local.randint(1, 4))
                shopper.fill_cart(*[(v, local.randint(1, 3)) for v in lines])
                result = checkout(shopper)()
                outcomes[result.code if isinstance(result, services.OrderError) else "placed"] += 1
                if isinstance(result, services.OrderError) and result.code == "out_of_stock":
                    from orders.models import CartItem

                    CartItem.objects.filter(cart__user=shopper.user).delete()
            return outcomes

        return work

    results = race([worker(s, rng.randint(0, 10**6)) for s in shoppers], timeout=60)
    errors = [r for r in results if not isinstance(r, Counter)]
    assert errors == []
    totals: Counter[str] = sum((r for r in results if isinstance(r, Counter)), Counter())
    assert totals["placed"] > 0
    assert set(totals) <= {"placed", "out_of_stock", "busy"}, totals
    for v in variants:
        sold = sum(OrderItem.objects.filter(variant=v).values_list("quantity", flat=True))
        final = Variant.objects.get(pk=v.pk).stock
        assert final >= 0
        assert final + sold == initial[v.pk], v.sku


def test_a_code_with_five_uses_is_redeemed_exactly_five_times(shop):  # type: ignore[no-untyped-def]
    PromotionFactory(code="FIVE", max_uses=5, per_customer_limit=1)
    buyers = [make_shopper() for _ in range(20)]
    for buyer in buyers:
        buyer.fill_cart((shop["peb"], 1))
    shop_stock = Variant.objects.get(pk=shop["peb"].pk)
    Variant.objects.filter(pk=shop_stock.pk).update(stock=100)
    results = race([checkout(b, promotion_code="FIVE") for b in buyers])
    placed = [r for r in results if isinstance(r, Order)]
    refused = [r for r in results if isinstance(r, services.OrderError)]
    assert len(placed) == 5
    assert {e.code for e in refused} == {"promotion_exhausted"}
    assert Redemption.objects.count() == 5
    assert Promotion.objects.get(code="FIVE").uses_count == 5


def test_one_shopper_racing_the_same_code_gets_it_once(shop):  # type: ignore[no-untyped-def]
    PromotionFactory(code="MINE", per_customer_limit=1)
    shopper = make_shopper()
    shopper.fill_cart((shop["peb"], 1))
    results = race([checkout(shopper, promotion_code="MINE") for _ in range(6)])
    assert sum(isinstance(r, Order) for r in results) == 1
    assert {r.code for r in results if isinstance(r, services.OrderError)} <= {"empty_cart", "promotion_already_used"}
    assert Redemption.objects.filter(user=shopper.user).count() == 1


def test_a_double_submitted_checkout_makes_one_order(shop):  # type: ignore[no-untyped-def]
    shopper = make_shopper()
    shopper.fill_cart((shop["aur"], 2))
    key = uuid.uuid4()
    results = race([checkout(shopper, key=key) for _ in range(8)])
    orders = {r.pk for r in results if isinstance(r, Order)}
    assert len(orders) == 1, results
    assert Order.objects.count() == 1
    assert Variant.objects.get(pk=shop["aur"].pk).stock == 8

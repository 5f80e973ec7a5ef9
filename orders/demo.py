"""Demo reference data (shipping, tax, promotions) and demo orders in every status.

Orders go through the same services a shopper and staff use (place-order routine,
payment saga, staff transitions), so every row passes every rule the database holds.
"""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts.models import PaymentMethod, User
from catalog.models import Variant
from orders import services
from orders.models import Cart, CartItem, Order, ShippingMethod, TaxRate
from processor import tokenize
from promotions.models import Promotion
from shopwave import dbcontext

SHIPPING = [
    ("standard", "Standard delivery", Decimal("4.99"), Decimal("50.00"), 3, 5, 1),
    ("express", "Express delivery", Decimal("14.99"), None, 1, 2, 2),
]
TAX = [
    ("US", "ME", "Maine sales tax", Decimal("0.05500")),
    ("US", "CA", "California sales tax", Decimal("0.07250")),
    ("US", "NY", "New York sales tax", Decimal("0.04000")),
    ("GB", "", "UK VAT", Decimal("0.20000")),
    ("DE", "", "German VAT", Decimal("0.19000")),
    ("FR", "", "French VAT", Decimal("0.20000")),
]


def seed_reference_data() -> None:
    """Shipping methods, tax rates and a few promotions (idempotent)."""
    for code, name, price, free_over, min_days, max_days, position in SHIPPING:
        ShippingMethod.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "price": price,
                "free_over": free_over,
                "min_days": min_days,
                "max_days": max_days,
                "position": position,
            },
        )
    for country, region, name, rate in TAX:
        TaxRate.objects.get_or_create(
            country=country,
            region=region,
            defaults={"name": name, "rate": rate, "valid_from": datetime.date(2024, 1, 1)},
        )
    now = timezone.now()
    for code, kind, value, minimum, description in [
        ("WELCOME10", "percentage", Decimal("10"), Decimal("0"), "10 % off your first order"),
        ("SAVE5", "fixed", Decimal("5.00"), Decimal("40.00"), "$5 off orders over $40"),
    ]:
        Promotion.objects.get_or_create(
            code=code,
            defaults={
                "kind": kind,
                "value": value,
                "minimum_purchase": minimum,
                "description": description,
                "starts_at": now - datetime.timedelta(days=1),
                "ends_at": now + datetime.timedelta(days=365),
                "per_customer_limit": 1,
                "max_uses": 1000,
            },
        )


# Each demo order ends in one status; the path is what staff would do to get there.
PATHS: list[list[str]] = [
    [],  # pending_payment: placed, payment not finished
    ["paid"],
    ["paid", "processing"],
    ["paid", "processing", "shipped"],
    ["paid", "processing", "shipped", "delivered"],
    ["paid", "cancelled"],
    ["paid", "processing", "shipped", "delivered", "refunded"],
    ["payment_failed"],
]


def seed_orders(*, shopper_email: str = "shopper@shopwave.example", staff_email: str = "staff@shopwave.example") -> int:
    """Orders in every status for the demo shopper (skipped when they already have orders)."""
    shopper = User.objects.filter(email=shopper_email).first()
    staff = User.objects.filter(email=staff_email).first()
    if shopper is None or staff is None or Order.objects.filter(user=shopper).exists():
        return 0
    variants = list(Variant.objects.filter(is_active=True, stock__gte=5, product__is_listed=True).order_by("id")[:24])
    if len(variants) < 3:
        return 0
    address = shopper.addresses.filter(is_default=True).first()
    card = shopper.payment_methods.filter(is_default=True).first()
    if address is None or card is None:
        return 0
    declined = tokenize(number="4000000000000002", exp_month=11, exp_year=2031, cvc="123")
    declining, _ = PaymentMethod.objects.get_or_create(
        user=shopper,
        processor_token=declined.token,
        defaults={
            "brand": declined.brand,
            "last4": declined.last4,
            "exp_month": 11,
            "exp_year": 2031,
            "cardholder_name": "Alex Shopper (declines)",
        },
    )
    created = 0
    for n, path in enumerate(PATHS):
        with transaction.atomic():
            cart, _ = Cart.objects.get_or_create(user=shopper, defaults={"token": uuid.uuid4()})
            CartItem.objects.filter(cart=cart).delete()
            for offset in range(1 + n % 3):
                CartItem.objects.create(
                    cart=cart, variant=variants[(n * 3 + offset) % len(variants)], quantity=1 + offset % 2
                )
            pay_with = declining if path == ["payment_failed"] else card
            dbcontext.set_user_context(role=dbcontext.CUSTOMER, user_id=shopper.pk)
            order = services.order_place(
                address_id=address.pk,
                shipping_code="standard",
                payment_method_id=pay_with.pk,
                promotion_code="",
                idempotency_key=uuid.uuid4(),
            )
            if path:
                services.order_pay(order=order)
            dbcontext.set_user_context(role=dbcontext.MANAGER, user_id=staff.pk)
            for status in path:
                if status in {"paid", "payment_failed"}:
                    continue
                services.order_set_status(
                    order=order, status=status, tracking_number=f"1ZSW{order.pk:08d}" if status == "shipped" else ""
                )
            dbcontext.clear_user_context()
            created += 1
    return created


def seed_seller_login(*, email: str = "seller@shopwave.example") -> None:
    """A demo seller login acting for the seller with the most demo order lines."""
    from accounts.demo import DEMO_PASSWORD
    from accounts.models import SellerMember
    from orders.models import OrderItem

    if User.objects.filter(email=email).exists():
        return
    seller_id = OrderItem.objects.values_list("seller_id", flat=True).order_by("seller_id").first()
    if seller_id is None:
        return
    user = User.objects.create_user(email, DEMO_PASSWORD, full_name="Sasha Seller")
    SellerMember.objects.create(seller_id=seller_id, user=user, role="owner")

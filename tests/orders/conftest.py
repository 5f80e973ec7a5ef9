from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal

from accounts.models import Address, PaymentMethod, User
from catalog.models import Variant
from orders import services
from orders.models import Cart, CartItem, Order
from processor import tokenize
from shopwave import dbcontext
from tests.factories import (
    AddressFactory,
    ProductFactory,
    ShippingMethodFactory,
    TaxRateFactory,
    UserFactory,
)

DECLINE = "4000000000000002"
APPROVE = "4242424242424242"


@dataclass
class Shopper:
    user: User
    address: Address
    card: PaymentMethod

    def fill_cart(self, *lines: tuple[Variant, int]) -> Cart:
        cart, _ = Cart.objects.get_or_create(user=self.user, defaults={"token": uuid.uuid4()})
        for variant, quantity in lines:
            CartItem.objects.update_or_create(cart=cart, variant=variant, defaults={"quantity": quantity})
        return cart

    def place(self, *, promotion_code: str = "", key: uuid.UUID | None = None, shipping: str = "standard") -> Order:
        with acting_as_shopper(self.user):
            return services.order_place(
                address_id=self.address.pk,
                shipping_code=shipping,
                payment_method_id=self.card.pk,
                promotion_code=promotion_code,
                idempotency_key=key or uuid.uuid4(),
            )


class acting_as_shopper:  # noqa: N801 -- used like a function
    """The shopper's request identity, as RequestIdentityMiddleware would set it."""

    def __init__(self, user: User) -> None:
        self.user = user

    def __enter__(self) -> None:
        dbcontext.set_user_context(role=dbcontext.CUSTOMER, user_id=self.user.pk, for_request=True)

    def __exit__(self, *exc: object) -> None:
        dbcontext.clear_user_context()


def make_shopper(card_number: str = APPROVE, **user_kwargs: object) -> Shopper:
    user = UserFactory(**user_kwargs)
    address = AddressFactory(user=user, country="US", region="ME", is_default=True)
    card = tokenize(number=card_number, exp_month=12, exp_year=2035, cvc="123")
    method = PaymentMethod.objects.create(
        user=user,
        processor_token=card.token,
        brand=card.brand,
        last4=card.last4,
        exp_month=12,
        exp_year=2035,
        cardholder_name="Test Shopper",
        is_default=True,
    )
    return Shopper(user, address, method)


def build_shop() -> dict[str, object]:
    ShippingMethodFactory()
    ShippingMethodFactory(code="express", name="Express", price=Decimal("14.99"), free_over=None)
    TaxRateFactory()
    headphones = ProductFactory(
        name="Aurora Headphones",
        variants=[
            {"sku": "AUR-1", "price": Decimal("19.99"), "stock": 10},
        ],
    )
    speaker = ProductFactory(name="Pebble Speaker", variants=[{"sku": "PEB-1", "price": Decimal("7.50"), "stock": 5}])
    return {
        "headphones": headphones,
        "speaker": speaker,
        "aur": Variant.objects.get(sku="AUR-1"),
        "peb": Variant.objects.get(sku="PEB-1"),
    }


def stock(variant: Variant) -> int:
    return Variant.objects.values_list("stock", flat=True).get(pk=variant.pk)

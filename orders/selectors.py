"""Page-level reads for carts and orders (constant query counts, keyset pages)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch, Q

from accounts.models import Address, PaymentMethod, User
from orders.models import Cart, CartItem, Order, OrderItem, ShippingMethod
from shopwave.keyset import decode_after, encode_after

ORDERS_PAGE_SIZE = 10
_ORDER_CURSOR_SALT = "orders.history.cursor"


@dataclass
class CartView:
    cart: Cart | None
    items: list[CartItem]
    subtotal: Decimal
    count: int


def cart_view(*, cart: Cart | None) -> CartView:
    """The cart page (QP-03): lines with their variant, product and first image."""
    if cart is None:
        return CartView(None, [], Decimal("0.00"), 0)
    items = list(
        CartItem.objects.filter(cart=cart)
        .select_related("variant__product")
        .only(
            "id",
            "quantity",
            "variant__id",
            "variant__sku",
            "variant__name",
            "variant__price",
            "variant__stock",
            "variant__is_active",
            "variant__product__name",
            "variant__product__slug",
            "variant__product__currency",
            "variant__product__is_listed",
        )
        .order_by("created_at", "id")
    )
    subtotal = sum((i.variant.price * i.quantity for i in items), Decimal("0.00"))
    return CartView(cart, items, subtotal, sum(i.quantity for i in items))


def checkout_options(*, user: User) -> dict[str, object]:
    return {
        "addresses": list(Address.objects.filter(user=user).order_by("-is_default", "id")),
        "payment_methods": list(PaymentMethod.objects.filter(user=user).order_by("-is_default", "id")),
        "shipping_methods": list(ShippingMethod.objects.filter(is_active=True).order_by("position", "price")),
    }


def order_history(
    *, user: User, after: str | None = None, limit: int = ORDERS_PAGE_SIZE
) -> tuple[list[Order], str | None]:
    """A shopper's orders, newest first, with their lines for a preview (QP-05)."""
    qs = (
        Order.objects.filter(user=user)
        .only("id", "number", "status", "currency", "total", "placed_at", "user_id")
        .prefetch_related(
            Prefetch(
                "items",
                queryset=OrderItem.objects.only(
                    "id", "order_id", "product_name", "variant_name", "quantity", "image_url"
                ).order_by("id"),
            )
        )
        .order_by("-placed_at", "-id")
    )
    if after:
        placed, last_id = decode_after(after, salt=_ORDER_CURSOR_SALT)
        qs = qs.filter(Q(placed_at__lt=placed) | Q(placed_at=placed, id__lt=last_id))
    rows = list(qs[: limit + 1])
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        next_cursor = encode_after(last.placed_at, last.id, salt=_ORDER_CURSOR_SALT)
    return rows[:limit], next_cursor


def order_detail(*, user: User, number: str) -> Order | None:
    return Order.objects.filter(user=user, number=number).prefetch_related("items", "history", "payments").first()

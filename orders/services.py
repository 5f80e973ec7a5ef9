"""Writes for carts, checkout, payments and the order lifecycle.

The place-order routine, the state machine, stock and promotion limits live in
PostgreSQL (orders/migrations/0002-0004); these functions call them, run the payment
saga around them and turn their documented SQLSTATEs into clear messages.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.core.mail import send_mail
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.template.loader import render_to_string

import processor
from accounts.models import User
from catalog.models import Variant
from orders.models import MAX_LINE_QUANTITY, Cart, CartItem, Order
from shopwave import dbcontext

logger = logging.getLogger(__name__)


class OrderError(Exception):
    """A business failure with a stable `code` and a message fit for the page."""

    def __init__(self, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field


PROMOTION_MESSAGES = {
    "unknown": "We don't know that promotion code.",
    "expired": "That promotion code has expired.",
    "not_yet_valid": "That promotion code is not valid yet.",
    "below_minimum": "Your order is below the minimum amount for that promotion code.",
    "not_applicable": "That promotion code does not apply to the items in your cart.",
    "exhausted": "That promotion code has been used up.",
    "already_used": "You have already used that promotion code.",
}


def _sqlstate(exc: BaseException) -> tuple[str, str]:
    cause = exc.__cause__
    diag = getattr(cause, "diag", None)
    return (getattr(cause, "sqlstate", "") or "", getattr(diag, "message_detail", "") or "")


def _map_database_error(exc: DatabaseError) -> OrderError | None:
    state, detail = _sqlstate(exc)
    if state == "SW001":
        return OrderError("out_of_stock", f"Sorry, we don't have enough of {detail} left. Please adjust your cart.")
    if state == "SW002":
        return OrderError("empty_cart", "Your cart is empty.")
    if state == "SW003":
        return OrderError(
            f"promotion_{detail or 'unknown'}",
            PROMOTION_MESSAGES.get(detail, PROMOTION_MESSAGES["unknown"]),
            "promotion_code",
        )
    if state == "SW004":
        return OrderError("promotion_exhausted", PROMOTION_MESSAGES["exhausted"], "promotion_code")
    if state == "SW005":
        return OrderError("promotion_already_used", PROMOTION_MESSAGES["already_used"], "promotion_code")
    if state == "SW006":
        field = {"address": "address", "payment_method": "payment_method", "shipping_method": "shipping_method"}
        return OrderError("not_found", "Please choose one of the options shown.", field.get(detail))
    if state == "SW007":
        return OrderError("card_expired", "That card has expired; please add another.", "payment_method")
    if state == "SW010":
        return OrderError("login_required", "Please log in to place your order.")
    if state in {"SW020", "SW022"}:
        return OrderError("bad_transition", "That order can no longer be changed this way.")
    if state in {"55P03", "40001", "40P01"}:
        return OrderError("busy", "The shop is very busy right now; please try again in a moment.")
    return None


# --- Carts -----------------------------------------------------------------------------


def cart_for(*, user: User | None, session: SessionBase, create: bool = False) -> Cart | None:
    """The request's cart: the shopper's own, or the anonymous one named in the session."""
    if user is not None and user.is_authenticated:
        cart = Cart.objects.filter(user=user).first()
        if cart is None and create:
            cart, _ = Cart.objects.get_or_create(user=user, defaults={"token": uuid.uuid4()})
        return cart
    token = session.get(dbcontext.CART_TOKEN_SESSION_KEY)
    if token:
        cart = Cart.objects.filter(token=token, user__isnull=True).first()
        if cart is not None or not create:
            return cart
    if not create:
        return None
    token = str(uuid.uuid4())
    session[dbcontext.CART_TOKEN_SESSION_KEY] = token
    dbcontext.set_cart_token(token)
    return Cart.objects.create(token=token)


def _checked_quantity(quantity: object) -> int:
    try:
        value = int(str(quantity))
    except (TypeError, ValueError) as exc:
        raise OrderError("bad_quantity", "Enter a whole number of items.", "quantity") from exc
    if value < 1 or value > MAX_LINE_QUANTITY:
        raise OrderError("bad_quantity", f"Choose between 1 and {MAX_LINE_QUANTITY} items.", "quantity")
    return value


def _variant_for_sale(variant_id: object) -> Variant:
    try:
        pk = int(str(variant_id))
    except (TypeError, ValueError) as exc:
        raise OrderError("not_found", "That product option is not available.", "variant") from exc
    variant = (
        Variant.objects.filter(pk=pk, is_active=True, product__is_listed=True)
        .select_related("product")
        .only("id", "sku", "name", "stock", "price", "product__name", "product__slug")
        .first()
    )
    if variant is None:
        raise OrderError("not_found", "That product option is not available.", "variant")
    return variant


def cart_add(*, cart: Cart, variant_id: object, quantity: object) -> CartItem:
    """Add to the line for this variant (one row per variant), within the per-line maximum
    and the stock available now; raises OrderError with a clear message."""
    qty = _checked_quantity(quantity)
    variant = _variant_for_sale(variant_id)
    with transaction.atomic():
        item = CartItem.objects.select_for_update().filter(cart=cart, variant=variant).first()
        wanted = qty + (item.quantity if item else 0)
        _check_available(variant, wanted)
        if item is None:
            return CartItem.objects.create(cart=cart, variant=variant, quantity=wanted)
        item.quantity = wanted
        item.save(update_fields=["quantity", "updated_at"])
        return item


def _check_available(variant: Variant, wanted: int) -> None:
    if wanted > MAX_LINE_QUANTITY:
        raise OrderError("bad_quantity", f"You can buy at most {MAX_LINE_QUANTITY} of one item per order.", "quantity")
    if wanted > variant.stock:
        left = max(variant.stock, 0)
        raise OrderError(
            "out_of_stock",
            f"Only {left} of {variant.product.name} ({variant.name}) left."
            if left
            else f"{variant.product.name} ({variant.name}) is out of stock.",
            "quantity",
        )


def cart_set_quantity(*, cart: Cart, item_id: object, quantity: object) -> None:
    """Set a line's quantity; 0 removes it."""
    try:
        pk = int(str(item_id))
    except (TypeError, ValueError) as exc:
        raise OrderError("not_found", "That cart line does not exist.") from exc
    if str(quantity).strip() == "0":
        CartItem.objects.filter(cart=cart, pk=pk).delete()
        return
    qty = _checked_quantity(quantity)
    with transaction.atomic():
        item = (
            CartItem.objects.select_for_update(of=("self",))
            .select_related("variant__product")
            # Shoppers may read the product's public columns only (not its cost).
            .only(
                "id", "cart_id", "quantity", "updated_at", "variant__name", "variant__stock", "variant__product__name"
            )
            .filter(cart=cart, pk=pk)
            .first()
        )
        if item is None:
            raise OrderError("not_found", "That cart line does not exist.")
        _check_available(item.variant, qty)
        item.quantity = qty
        item.save(update_fields=["quantity", "updated_at"])


def cart_remove(*, cart: Cart, item_id: object) -> None:
    try:
        CartItem.objects.filter(cart=cart, pk=int(str(item_id))).delete()
    except (TypeError, ValueError) as exc:
        raise OrderError("not_found", "That cart line does not exist.") from exc


def cart_merge_at_login(*, user: User, session: SessionBase) -> None:
    """Move the anonymous cart's lines into the shopper's cart: quantities summed, capped
    by the per-line maximum and the stock available."""
    token = session.pop(dbcontext.CART_TOKEN_SESSION_KEY, None)
    if not token:
        return
    dbcontext.set_cart_token(str(token))
    with transaction.atomic():
        anonymous = Cart.objects.filter(token=token, user__isnull=True).first()
        if anonymous is None:
            return
        mine = cart_for(user=user, session=session, create=True)
        assert mine is not None
        with connection.cursor() as cursor:
            cursor.execute(
                """
                INSERT INTO orders_cart_item AS ci (cart_id, variant_id, quantity, created_at, updated_at)
                SELECT %s, a.variant_id, LEAST(a.quantity, %s, GREATEST(v.stock, 0)), now(), now()
                  FROM orders_cart_item a JOIN catalog_variant v ON v.id = a.variant_id
                 WHERE a.cart_id = %s AND v.stock > 0
                ON CONFLICT (cart_id, variant_id) DO UPDATE
                   SET quantity = LEAST(
                           ci.quantity + EXCLUDED.quantity, %s,
                           (SELECT GREATEST(stock, ci.quantity) FROM catalog_variant WHERE id = ci.variant_id)),
                       updated_at = now()
                """,
                [mine.pk, MAX_LINE_QUANTITY, anonymous.pk, MAX_LINE_QUANTITY],
            )
        anonymous.delete()


# --- Checkout and the payment saga -------------------------------------------------------


@dataclass(frozen=True)
class Quote:
    subtotal: Decimal
    discount: Decimal
    shipping: Decimal
    tax: Decimal
    total: Decimal
    promotion_error: str | None


def checkout_quote(*, address_id: int | None, shipping_code: str, promotion_code: str) -> Quote:
    """Live totals for the checkout page, computed by the same SQL as the order will be."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM order_quote(%s, %s, %s)", [address_id, shipping_code, promotion_code])
        subtotal, discount, shipping, tax, total, error = cursor.fetchone()
    return Quote(
        subtotal,
        discount,
        shipping,
        tax,
        total,
        PROMOTION_MESSAGES.get(error, PROMOTION_MESSAGES["unknown"]) if error else None,
    )


def order_place(
    *, address_id: int, shipping_code: str, payment_method_id: int, promotion_code: str, idempotency_key: uuid.UUID
) -> Order:
    """Place the acting shopper's cart as an order (one database routine, its own
    transaction); raises OrderError. Repeating the idempotency key returns the same order."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT order_place(%s, %s, %s, %s, %s)",
                [address_id, shipping_code, payment_method_id, promotion_code or "", idempotency_key],
            )
            order_id = cursor.fetchone()[0]
    except DatabaseError as exc:
        mapped = _map_database_error(exc)
        if mapped is None:
            raise
        raise mapped from exc
    return Order.objects.get(pk=order_id)


def cart_restore_from_failed_order(*, order: Order, user: User) -> int:
    """Put the lines of the shopper's order whose payment failed back into their cart, so
    they can pay with another card without shopping again (the failed order gave its stock
    back). Options no longer for sale are left out; quantities add to what the cart holds,
    up to the per-line maximum. Returns the number of cart lines written."""
    order.refresh_from_db(fields=["status"])
    if order.status != Order.Status.PAYMENT_FAILED:
        raise OrderError("not_failed", "Only an order whose payment failed can go back to the cart.")
    cart, _ = Cart.objects.get_or_create(user=user, defaults={"token": uuid.uuid4()})
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO orders_cart_item AS ci (cart_id, variant_id, quantity, created_at, updated_at)
            SELECT %(cart)s, oi.variant_id, LEAST(sum(oi.quantity), %(max)s), now(), now()
              FROM orders_order_item oi
              JOIN catalog_variant v ON v.id = oi.variant_id AND v.is_active
             WHERE oi.order_id = %(order)s
             GROUP BY oi.variant_id
            ON CONFLICT (cart_id, variant_id)
            DO UPDATE SET quantity = LEAST(ci.quantity + EXCLUDED.quantity, %(max)s), updated_at = now()
            """,
            {"cart": cart.pk, "order": order.pk, "max": MAX_LINE_QUANTITY},
        )
        return cursor.rowcount


def _record(order: Order, kind: str, result: processor.ProcessorResult, amount: Decimal) -> str:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT order_record_payment(%s, %s, %s, %s, %s, %s, %s)",
            [order.pk, kind, result.status, amount, result.reference, f"{order.number}:{kind}", result.error_code],
        )
        return str(cursor.fetchone()[0])


def order_pay(*, order: Order) -> str:
    """The payment saga for a placed order: authorize, record, capture, record. Each record
    commits on its own, so a crash between steps leaves a state resolve_pending_orders can
    finish. Idempotent: keys are derived from the order number. Returns the order status."""
    order.refresh_from_db(fields=["status", "total"])
    if order.status != Order.Status.PENDING_PAYMENT:
        return order.status
    token, amount = order.payment_token, order.total
    authorized = order.payments.filter(kind="authorize", status="succeeded").exists()
    if not authorized:
        try:
            result = processor.authorize(
                token=token, amount=amount, currency=order.currency, idempotency_key=f"{order.number}:authorize"
            )
        except processor.ProcessorUnavailableError:
            result = processor.ProcessorResult("failed", "", "processor_unavailable")
        status = _record(order, "authorize", result, amount)
        if result.status != "succeeded":
            _notify(order, "payment_failed")
            return status
    try:
        captured = processor.capture(
            token=token, amount=amount, currency=order.currency, idempotency_key=f"{order.number}:capture"
        )
    except processor.ProcessorUnavailableError:
        logger.warning("capture postponed", extra={"order": order.number})
        return Order.Status.PENDING_PAYMENT
    status = _record(order, "capture", captured, amount)
    if status == Order.Status.PAID:
        _notify(order, "placed")
    return status


def order_cancel(*, order: Order) -> None:
    """A shopper cancels an order that has not shipped; a captured payment is refunded."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT order_cancel(%s)", [order.pk])
            previous = cursor.fetchone()[0]
    except DatabaseError as exc:
        mapped = _map_database_error(exc)
        if mapped is None:
            raise
        raise mapped from exc
    if previous in {Order.Status.PAID, Order.Status.PROCESSING}:
        _refund(order)
    _notify(order, "cancelled")


def _refund(order: Order) -> None:
    result = processor.refund(
        token=order.payment_token, amount=order.total, currency=order.currency, idempotency_key=f"{order.number}:refund"
    )
    _record(order, "refund", result, order.total)


# The statuses staff move orders to; which moves are legal is the database's call (SW020).
STAFF_STATUSES = frozenset({"processing", "shipped", "delivered", "cancelled", "refunded"})


def order_set_status(*, order: Order, status: str, tracking_number: str = "") -> None:
    """Staff move an order along its lifecycle; the database refuses illegal moves."""
    if status not in STAFF_STATUSES:
        raise OrderError("bad_transition", f"Unknown status {status!r}.")
    if status == "shipped" and not (tracking_number or order.tracking_number):
        raise OrderError("tracking_required", f"Order {order.number} needs a tracking number to be shipped.")
    previous = order.status
    fields: dict[str, Any] = {"status": status}
    if tracking_number:
        fields["tracking_number"] = tracking_number
    try:
        with transaction.atomic():
            Order.objects.filter(pk=order.pk).update(**fields)
    except (DatabaseError, IntegrityError) as exc:
        mapped = _map_database_error(exc)
        if mapped is None:
            raise
        raise OrderError(mapped.code, f"Order {order.number}: {previous} → {status} is not allowed.") from exc
    order.refresh_from_db()
    if status in {"cancelled", "refunded"} and previous in {"paid", "processing", "shipped", "delivered"}:
        _refund(order)
    _notify(order, status)


def _notify(order: Order, event: str) -> None:
    """Order emails go out only once the transaction that changed the order commits."""

    def send() -> None:
        recipient = User.objects.filter(pk=order.user_id).values_list("email", flat=True).first()
        if not recipient:
            return
        context = {"order": order, "event": event}
        subject = render_to_string("orders/email/subject.txt", context).strip()
        body = render_to_string("orders/email/order_update.txt", context)
        try:
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [recipient])
        except Exception:  # a mail outage must not undo or hide a committed order change
            logger.exception("order email not sent", extra={"order": order.number, "event": event})

    transaction.on_commit(send)


def resolve_pending_orders(*, older_than_minutes: int = 15) -> dict[str, int]:
    """Finish payment sagas a crash left half-done (idempotent; safe to run from cron)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM orders_order WHERE status = 'pending_payment'"
            " AND placed_at <= now() - make_interval(mins => %s) ORDER BY id",
            [older_than_minutes],
        )
        ids = [row[0] for row in cursor.fetchall()]
    outcome: dict[str, int] = {}
    for order in Order.objects.filter(pk__in=ids).order_by("id"):
        status = order_pay(order=order)
        outcome[status] = outcome.get(status, 0) + 1
    return outcome

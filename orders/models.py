"""Carts, orders, payments, shipping and tax.

The database holds the rules (orders/migrations/0002_* onwards): the place-order
routine, the status state machine and its history, immutability of placed orders,
stock restoration, row-level security and the audit trail.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import F, Q

from accounts.models import PaymentMethod, Seller, User
from catalog.models import Product, Variant

MAX_LINE_QUANTITY = 20


class Cart(models.Model):
    """A shopper's cart, or an anonymous one found by the token kept in its session."""

    user = models.OneToOneField(User, null=True, blank=True, on_delete=models.DB_CASCADE, related_name="cart")
    token = models.UUIDField(unique=True, help_text="Anonymous carts are found by this token, kept in the session.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "orders_cart"

    def __str__(self) -> str:
        return f"cart {self.pk}"


class CartItem(models.Model):
    cart = models.ForeignKey(Cart, on_delete=models.DB_CASCADE, related_name="items", db_index=False)
    variant = models.ForeignKey(Variant, on_delete=models.DB_CASCADE, related_name="+")
    quantity = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "orders_cart_item"
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["cart", "variant"], name="orders_cart_item_one_row_per_variant"),
            models.CheckConstraint(
                condition=Q(quantity__gte=1, quantity__lte=MAX_LINE_QUANTITY), name="orders_cart_item_quantity"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.variant_id}"

    @property
    def line_total(self) -> Decimal:
        """The line at the variant's current price (the order fixes prices when placed)."""
        return self.variant.price * self.quantity


class ShippingMethod(models.Model):
    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=100)
    price = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3, default="USD")
    free_over = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Free when the discounted subtotal reaches this amount.",
    )
    min_days = models.PositiveSmallIntegerField(default=2)
    max_days = models.PositiveSmallIntegerField(default=5)
    is_active = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        db_table = "orders_shipping_method"
        ordering = ["position", "price"]
        constraints = [
            models.CheckConstraint(condition=Q(price__gte=0), name="orders_shipping_price_not_negative"),
            models.CheckConstraint(condition=Q(min_days__lte=F("max_days")), name="orders_shipping_days"),
        ]

    def __str__(self) -> str:
        return self.name


class TaxRate(models.Model):
    """Sales tax by jurisdiction: a country, optionally one region of it, for a period."""

    country = models.CharField(max_length=2)
    region = models.CharField(max_length=100, blank=True, help_text="Empty: the whole country.")
    name = models.CharField(max_length=100)
    rate = models.DecimalField(max_digits=6, decimal_places=5, help_text="0.0825 for 8.25 %")
    valid_from = models.DateField()
    valid_until = models.DateField(null=True, blank=True)

    class Meta:
        db_table = "orders_tax_rate"
        ordering = ["country", "region", "-valid_from"]
        constraints = [
            models.CheckConstraint(condition=Q(rate__gte=0, rate__lte=1), name="orders_tax_rate_0_1"),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_from__lt=F("valid_until")),
                name="orders_tax_rate_period",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.rate:.3%})"


class Order(models.Model):
    class Status(models.TextChoices):
        PENDING_PAYMENT = "pending_payment", "Awaiting payment"
        PAID = "paid", "Paid"
        PROCESSING = "processing", "Processing"
        SHIPPED = "shipped", "Shipped"
        DELIVERED = "delivered", "Delivered"
        CANCELLED = "cancelled", "Cancelled"
        REFUNDED = "refunded", "Refunded"
        PAYMENT_FAILED = "payment_failed", "Payment failed"

    # Identifiers, compared byte by byte (collation "C"): the same order as the database's
    # C.UTF-8 for these ASCII keys, but sorted without strcoll() (index builds, lookups).
    number = models.CharField(max_length=20, editable=False, db_collation="C")
    user = models.ForeignKey(User, on_delete=models.DO_NOTHING, related_name="orders", db_index=False)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING_PAYMENT)
    currency = models.CharField(max_length=3, default="USD")
    subtotal = models.DecimalField(max_digits=12, decimal_places=2)
    discount = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    shipping = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    tax = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    total = models.DecimalField(max_digits=12, decimal_places=2)
    tax_rate = models.DecimalField(max_digits=6, decimal_places=5, default=0)
    promotion_code = models.CharField(max_length=40, blank=True)
    # Snapshots: what the order used, as it was.
    ship_name = models.CharField(max_length=150)
    ship_line1 = models.CharField(max_length=200)
    ship_line2 = models.CharField(max_length=200, blank=True)
    ship_city = models.CharField(max_length=100)
    ship_region = models.CharField(max_length=100, blank=True)
    ship_postal_code = models.CharField(max_length=20)
    ship_country = models.CharField(max_length=2)
    shipping_method_code = models.CharField(max_length=40)
    shipping_method_name = models.CharField(max_length=100)
    payment_method = models.ForeignKey(
        PaymentMethod, null=True, blank=True, on_delete=models.DB_SET_NULL, related_name="+"
    )
    payment_token = models.CharField(max_length=64, editable=False)
    card_brand = models.CharField(max_length=20)
    card_last4 = models.CharField(max_length=4)
    idempotency_key = models.UUIDField(editable=False)
    tracking_number = models.CharField(max_length=60, blank=True)
    placed_at = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "orders_order"
        ordering = ["-placed_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    status__in=[
                        "pending_payment",
                        "paid",
                        "processing",
                        "shipped",
                        "delivered",
                        "cancelled",
                        "refunded",
                        "payment_failed",
                    ]
                ),
                name="orders_order_status",
            ),
            models.CheckConstraint(
                condition=Q(subtotal__gte=0, discount__gte=0, shipping__gte=0, tax__gte=0),
                name="orders_order_money_not_negative",
            ),
            models.CheckConstraint(condition=Q(discount__lte=F("subtotal")), name="orders_order_discount_max"),
            models.CheckConstraint(
                condition=Q(total=F("subtotal") - F("discount") + F("shipping") + F("tax")),
                name="orders_order_total",
            ),
            models.UniqueConstraint(fields=["number"], name="orders_order_number_key"),
            models.UniqueConstraint(fields=["user", "idempotency_key"], name="orders_order_idempotency"),
        ]
        indexes = [
            models.Index(fields=["user", "-placed_at", "-id"], name="orders_order_history_idx"),
            models.Index(fields=["status", "placed_at"], name="orders_order_status_idx"),
            # The back office's order list: newest first and date ranges (orders/admin.py).
            models.Index(fields=["placed_at"], name="orders_order_placed_idx"),
        ]

    def __str__(self) -> str:
        return self.number


class OrderItem(models.Model):
    order = models.ForeignKey(Order, on_delete=models.DB_CASCADE, related_name="items")
    variant = models.ForeignKey(Variant, on_delete=models.DO_NOTHING, related_name="+", db_index=False)
    product = models.ForeignKey(Product, on_delete=models.DO_NOTHING, related_name="+", db_index=False)
    seller = models.ForeignKey(Seller, on_delete=models.DO_NOTHING, related_name="order_items", db_index=False)
    product_name = models.CharField(max_length=200)
    variant_name = models.CharField(max_length=120)
    sku = models.CharField(max_length=64)
    image_url = models.CharField(max_length=500, blank=True)
    unit_price = models.DecimalField(max_digits=12, decimal_places=2)
    quantity = models.PositiveIntegerField()
    line_total = models.DecimalField(max_digits=12, decimal_places=2)
    discount = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    commission_rate = models.DecimalField(max_digits=5, decimal_places=4)

    class Meta:
        db_table = "orders_order_item"
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="orders_order_item_quantity"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="orders_order_item_price"),
            models.CheckConstraint(
                condition=Q(line_total=F("unit_price") * F("quantity")), name="orders_order_item_line_total"
            ),
            models.CheckConstraint(
                condition=Q(discount__gte=0, discount__lte=F("line_total")), name="orders_order_item_discount"
            ),
        ]
        indexes = [
            models.Index(fields=["seller", "order"], name="orders_item_seller_idx"),
            models.Index(fields=["product"], name="orders_item_product_idx"),
            models.Index(fields=["variant"], name="orders_item_variant_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.sku}"


class OrderStatusHistory(models.Model):
    """Written by a trigger on every status change: never by application code."""

    order = models.ForeignKey(Order, on_delete=models.DB_CASCADE, related_name="history")
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20)
    db_role = models.CharField(max_length=63)
    app_user_id = models.BigIntegerField(null=True)
    changed_at = models.DateTimeField()

    class Meta:
        db_table = "orders_order_status_history"
        ordering = ["changed_at", "id"]
        verbose_name_plural = "order status history"

    def __str__(self) -> str:
        return f"{self.from_status or '∅'} → {self.to_status}"


class PaymentTransaction(models.Model):
    class Kind(models.TextChoices):
        AUTHORIZE = "authorize", "Authorize"
        CAPTURE = "capture", "Capture"
        REFUND = "refund", "Refund"
        VOID = "void", "Void"

    class Status(models.TextChoices):
        SUCCEEDED = "succeeded", "Succeeded"
        DECLINED = "declined", "Declined"
        FAILED = "failed", "Failed"

    order = models.ForeignKey(Order, on_delete=models.DB_CASCADE, related_name="payments")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    processor_reference = models.CharField(max_length=64, blank=True)
    # "<order number>:<kind>", compared byte by byte like Order.number.
    idempotency_key = models.CharField(max_length=80, db_collation="C")
    error_code = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "orders_payment_transaction"
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["idempotency_key"], name="orders_payment_transaction_idempotency_key_key"),
            models.CheckConstraint(
                condition=Q(kind__in=["authorize", "capture", "refund", "void"]), name="orders_payment_kind"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["succeeded", "declined", "failed"]), name="orders_payment_status"
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="orders_payment_amount"),
        ]
        indexes = [
            # Declines and failures, newest first (the back office's status filter): about
            # 1 % of the rows, so walking the primary key for them can read millions.
            models.Index(fields=["id"], condition=~Q(status="succeeded"), name="orders_payment_failed_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount} {self.status}"


class SellerPayout(models.Model):
    """What ShopWave owes a seller for one closed month (manage.py compute_payouts)."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        PAID = "paid", "Paid"

    seller = models.ForeignKey(Seller, on_delete=models.DO_NOTHING, related_name="payouts", db_index=False)
    period = models.DateField(help_text="First day of the month paid out.")
    currency = models.CharField(max_length=3, default="USD")
    lines = models.PositiveIntegerField()
    gross = models.DecimalField(max_digits=14, decimal_places=2)
    commission = models.DecimalField(max_digits=14, decimal_places=2)
    net = models.DecimalField(max_digits=14, decimal_places=2)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "orders_seller_payout"
        ordering = ["-period", "seller"]
        constraints = [
            models.UniqueConstraint(fields=["seller", "period"], name="orders_seller_payout_once_per_month"),
            models.CheckConstraint(condition=Q(net=F("gross") - F("commission")), name="orders_seller_payout_net"),
            models.CheckConstraint(condition=Q(gross__gte=0, commission__gte=0), name="orders_seller_payout_money"),
            models.CheckConstraint(condition=Q(period__day=1), name="orders_seller_payout_period_month"),
            models.CheckConstraint(condition=Q(status__in=["pending", "paid"]), name="orders_seller_payout_status"),
        ]

    def __str__(self) -> str:
        return f"{self.seller_id} {self.period:%Y-%m}: {self.net}"

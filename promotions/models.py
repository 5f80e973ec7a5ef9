"""Promotion codes and their redemptions.

Limits are held by the database: every redemption row bumps the promotion's use counter
and the shopper's usage counter inside the same transaction, under CHECKs that refuse
a count past the limit (promotions/migrations/0002_*), so even concurrent raw-SQL
redemptions cannot exceed them.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower

from accounts.models import User
from catalog.models import Category, Product


class Promotion(models.Model):
    class Kind(models.TextChoices):
        PERCENTAGE = "percentage", "Percentage off"
        FIXED = "fixed", "Fixed amount off"

    class Scope(models.TextChoices):
        SITE = "site", "Whole shop"
        CATEGORIES = "categories", "Selected categories"
        PRODUCTS = "products", "Selected products"

    code = models.CharField(max_length=40, help_text="Shoppers type this; letters are matched in any case.")
    description = models.CharField(max_length=200, blank=True)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    value = models.DecimalField(max_digits=12, decimal_places=2, help_text="Percent (0-100) or amount.")
    currency = models.CharField(max_length=3, default="USD")
    minimum_purchase = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    is_active = models.BooleanField(default=True)
    scope = models.CharField(max_length=12, choices=Scope.choices, default=Scope.SITE)
    categories = models.ManyToManyField(Category, blank=True, db_table="promotions_promotion_category")
    products = models.ManyToManyField(Product, blank=True, db_table="promotions_promotion_product")
    max_uses = models.PositiveIntegerField(null=True, blank=True, help_text="Empty: unlimited.")
    per_customer_limit = models.PositiveIntegerField(default=1)
    uses_count = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "promotions_promotion"
        ordering = ["-starts_at", "code"]
        constraints = [
            models.UniqueConstraint(Lower("code"), name="promotions_promotion_code_ci_unique"),
            models.CheckConstraint(condition=Q(kind__in=["percentage", "fixed"]), name="promotions_promotion_kind"),
            models.CheckConstraint(
                condition=Q(scope__in=["site", "categories", "products"]), name="promotions_promotion_scope"
            ),
            models.CheckConstraint(condition=Q(value__gt=0), name="promotions_promotion_value_positive"),
            models.CheckConstraint(
                condition=~Q(kind="percentage") | Q(value__lte=100), name="promotions_promotion_percent_max_100"
            ),
            models.CheckConstraint(condition=Q(minimum_purchase__gte=0), name="promotions_promotion_minimum"),
            models.CheckConstraint(condition=Q(starts_at__lt=F("ends_at")), name="promotions_promotion_window"),
            models.CheckConstraint(condition=Q(per_customer_limit__gte=1), name="promotions_promotion_per_customer"),
            models.CheckConstraint(
                condition=Q(max_uses__isnull=True) | Q(uses_count__lte=F("max_uses")),
                name="promotions_promotion_max_uses",
            ),
            models.CheckConstraint(condition=~Q(code=""), name="promotions_promotion_code_not_empty"),
        ]

    def __str__(self) -> str:
        return self.code


class PromotionUsage(models.Model):
    """How often one shopper has used one promotion; kept by the redemption trigger."""

    promotion = models.ForeignKey(Promotion, on_delete=models.DB_CASCADE, related_name="usages", db_index=False)
    user = models.ForeignKey(User, on_delete=models.DB_CASCADE, related_name="promotion_usages")
    uses = models.PositiveIntegerField(default=0)

    class Meta:
        db_table = "promotions_usage"
        constraints = [models.UniqueConstraint(fields=["promotion", "user"], name="promotions_usage_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} used {self.promotion_id} x{self.uses}"


class Redemption(models.Model):
    """One promotion used by one order. Inserting one bumps both counters (trigger)."""

    promotion = models.ForeignKey(Promotion, on_delete=models.DO_NOTHING, related_name="redemptions", db_index=False)
    order = models.OneToOneField("orders.Order", on_delete=models.DB_CASCADE, related_name="redemption")
    user = models.ForeignKey(User, on_delete=models.DO_NOTHING, related_name="+")
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "promotions_redemption"
        ordering = ["-created_at"]
        constraints = [models.CheckConstraint(condition=Q(amount__gte=0), name="promotions_redemption_amount")]
        indexes = [models.Index(fields=["promotion", "user"], name="promotions_redemption_user_idx")]

    def __str__(self) -> str:
        return f"{self.promotion_id} on order {self.order_id}"

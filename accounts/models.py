"""Shoppers, staff and what they keep with us: addresses and tokenized payment methods.

Row-level security, the privileged-flag guard, the card-number guards and the audit
triggers for these tables live in this app's SQL migrations (0002 onwards).
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any, ClassVar

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django_countries import countries
from django_countries.fields import CountryField

from processor import PAN_PATTERN

ISO_COUNTRY_CODES = sorted(code for code, _name in countries)


def normalize_email(email: str) -> str:
    """Emails are stored trimmed and lower-cased, so uniqueness is case-insensitive."""
    return (email or "").strip().lower()


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(email=normalize_email(username or ""))

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        user = self.model(email=normalize_email(email), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField("email address", max_length=254)
    full_name = models.CharField(max_length=150, blank=True)
    is_staff = models.BooleanField(default=False, help_text="Can log in to the back office.")
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        db_table = "accounts_user"
        ordering = ["email"]
        constraints = [
            # A constraint rather than unique=True: the field option adds a second,
            # varchar_pattern_ops index for LIKE 'x%' that nothing queries.
            models.UniqueConstraint(fields=["email"], name="accounts_user_email_key"),
            models.CheckConstraint(condition=Q(email=Lower("email")), name="accounts_user_email_lowercase"),
            models.CheckConstraint(condition=~Q(email=""), name="accounts_user_email_not_empty"),
        ]
        indexes = [
            # The back office's customer search by part of an email or a name (ILIKE, see
            # accounts/admin.py): a million accounts, accounts 0013.
            GinIndex(fields=["email"], name="accounts_user_email_trgm", opclasses=["gin_trgm_ops"]),
            GinIndex(fields=["full_name"], name="accounts_user_name_trgm", opclasses=["gin_trgm_ops"]),
        ]

    def __str__(self) -> str:
        return self.email

    def clean(self) -> None:
        super().clean()
        self.email = normalize_email(self.email)

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return (self.full_name.split() or [self.email])[0]


class Address(models.Model):
    user = models.ForeignKey(User, on_delete=models.DB_CASCADE, related_name="addresses")
    label = models.CharField(max_length=40, blank=True, help_text="e.g. Home, Office")
    full_name = models.CharField(max_length=150)
    line1 = models.CharField("address line 1", max_length=200)
    line2 = models.CharField("address line 2", max_length=200, blank=True)
    city = models.CharField(max_length=100)
    region = models.CharField("state / region", max_length=100, blank=True)
    postal_code = models.CharField(max_length=20)
    country = CountryField()
    phone = models.CharField(max_length=30, blank=True)
    is_default = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "accounts_address"
        ordering = ["-is_default", "id"]
        verbose_name_plural = "addresses"
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=Q(is_default=True), name="accounts_address_one_default_per_user"
            ),
            models.CheckConstraint(condition=Q(country__in=ISO_COUNTRY_CODES), name="accounts_address_country_iso"),
            models.CheckConstraint(
                condition=~Q(full_name__regex=PAN_PATTERN)
                & ~Q(line1__regex=PAN_PATTERN)
                & ~Q(line2__regex=PAN_PATTERN)
                & ~Q(label__regex=PAN_PATTERN),
                name="accounts_address_no_card_numbers",
            ),
        ]

    def __str__(self) -> str:
        return ", ".join(p for p in [self.full_name, self.line1, self.city, str(self.country)] if p)

    def lines(self) -> list[str]:
        locality = " ".join(p for p in [self.postal_code, self.city] if p)
        country_name = self.country.name  # type: ignore[attr-defined]  # CountryField gives a Country
        return [p for p in [self.full_name, self.line1, self.line2, locality, self.region, country_name] if p]


class PaymentMethod(models.Model):
    """A card as the processor tokenized it: never the number, never the CVC."""

    class Brand(models.TextChoices):
        VISA = "visa", "Visa"
        MASTERCARD = "mastercard", "Mastercard"
        AMEX = "amex", "American Express"
        DISCOVER = "discover", "Discover"
        OTHER = "other", "Card"

    user = models.ForeignKey(User, on_delete=models.DB_CASCADE, related_name="payment_methods", db_index=False)
    processor_token = models.CharField(max_length=64)
    brand = models.CharField(max_length=20, choices=Brand.choices)
    last4 = models.CharField(max_length=4)
    exp_month = models.PositiveSmallIntegerField()
    exp_year = models.PositiveSmallIntegerField()
    cardholder_name = models.CharField(max_length=150)
    is_default = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "accounts_payment_method"
        ordering = ["-is_default", "id"]
        constraints = [
            # Scoped to the owner: a global unique would reveal other shoppers' cards.
            models.UniqueConstraint(fields=["user", "processor_token"], name="accounts_payment_method_token_per_user"),
            models.UniqueConstraint(
                fields=["user"], condition=Q(is_default=True), name="accounts_payment_method_one_default_per_user"
            ),
            models.CheckConstraint(condition=Q(last4__regex=r"^[0-9]{4}$"), name="accounts_payment_method_last4"),
            models.CheckConstraint(
                condition=Q(exp_month__gte=1, exp_month__lte=12), name="accounts_payment_method_exp_month"
            ),
            models.CheckConstraint(
                condition=Q(exp_year__gte=2000, exp_year__lte=2100), name="accounts_payment_method_exp_year"
            ),
            models.CheckConstraint(
                condition=Q(processor_token__regex=r"^tok_[a-z_]+$"),  # noqa: S106 -- a format, not a secret
                name="accounts_payment_method_token_format",
            ),
            models.CheckConstraint(
                condition=~Q(processor_token__regex=PAN_PATTERN) & ~Q(cardholder_name__regex=PAN_PATTERN),
                name="accounts_payment_method_no_card_numbers",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_brand_display()} •••• {self.last4} (exp {self.exp_month:02d}/{self.exp_year})"

    @property
    def is_expired(self) -> bool:
        today = datetime.date.today()
        return (self.exp_year, self.exp_month) < (today.year, today.month)


class LoginThrottle(models.Model):
    """Failed logins per email and per client address; written only by SQL functions."""

    class Scope(models.TextChoices):
        EMAIL = "email", "Email"
        ADDRESS = "address", "Client address"

    scope = models.CharField(max_length=10, choices=Scope.choices)
    subject = models.CharField(max_length=254)
    failures = models.PositiveIntegerField(default=0)
    window_started_at = models.DateTimeField()
    locked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "accounts_login_throttle"
        constraints = [models.UniqueConstraint(fields=["scope", "subject"], name="accounts_login_throttle_key")]

    def __str__(self) -> str:
        return f"{self.scope}: {self.subject}"


class Seller(models.Model):
    """An independent business selling through ShopWave."""

    company_name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    contact_name = models.CharField(max_length=150, blank=True)
    contact_email = models.EmailField()
    contact_phone = models.CharField(max_length=30, blank=True)
    description = models.TextField(blank=True)
    commission_rate = models.DecimalField(
        max_digits=5,
        decimal_places=4,
        default=Decimal("0.1000"),
        help_text="Share of each sale ShopWave keeps, 0 to 1.",
    )
    payout_account_token = models.CharField(
        max_length=64, blank=True, help_text="Processor token of the payout account."
    )
    is_active = models.BooleanField(default=True, help_text="Inactive sellers' products are hidden from the shop.")
    created_at = models.DateTimeField(auto_now_add=True)
    members = models.ManyToManyField(User, through="SellerMember", related_name="sellers")

    class Meta:
        db_table = "accounts_seller"
        ordering = ["company_name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(commission_rate__gte=0, commission_rate__lte=1), name="accounts_seller_commission_0_1"
            ),
            models.CheckConstraint(
                condition=~Q(payout_account_token__regex=PAN_PATTERN), name="accounts_seller_no_card_numbers"
            ),
        ]

    def __str__(self) -> str:
        return self.company_name


class SellerMember(models.Model):
    """A user who acts for a seller in the seller portal."""

    class Role(models.TextChoices):
        OWNER = "owner", "Owner"
        STAFF = "staff", "Staff"

    seller = models.ForeignKey(Seller, on_delete=models.DB_CASCADE, related_name="memberships", db_index=False)
    user = models.ForeignKey(User, on_delete=models.DB_CASCADE, related_name="seller_memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.STAFF)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "accounts_seller_member"
        constraints = [
            models.UniqueConstraint(fields=["seller", "user"], name="accounts_seller_member_unique"),
            models.CheckConstraint(condition=Q(role__in=["owner", "staff"]), name="accounts_seller_member_role"),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.seller}"

"""Page-level reads for accounts. Each filters by owner; RLS would hide others' rows anyway."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from accounts.models import Address, PaymentMethod, SellerMember, User


def address_list(*, user: User) -> QuerySet[Address]:
    return Address.objects.filter(user=user).order_by("-is_default", "id")


def address_get(*, user: User, pk: int) -> Address | None:
    return Address.objects.filter(user=user, pk=pk).first()


def payment_method_list(*, user: User) -> QuerySet[PaymentMethod]:
    return PaymentMethod.objects.filter(user=user).order_by("-is_default", "id")


def account_overview(*, user: User) -> dict[str, Any]:
    return {
        "default_address": Address.objects.filter(user=user, is_default=True).first(),
        "default_payment_method": PaymentMethod.objects.filter(user=user, is_default=True).first(),
        "is_seller": SellerMember.objects.filter(user=user).exists(),
    }
